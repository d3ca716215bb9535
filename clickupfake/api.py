"""A local ClickUp API v2: it records every request, keeps a workspace's state and answers as
ClickUp does.

Point a client at ``server.url`` (``http://127.0.0.1:PORT/api/v2``) with the header
``Authorization: <token>`` of a token made with `add_token`. Shapes follow ClickUp's API v2
reference (developer.clickup.com): tasks and their ``status``/``assignees``/``due_date`` (ms
epoch, as strings in answers), ``POST /task/{id}/comment`` with ``comment_text`` and
``notify_all``, webhooks per workspace scoped to a space, folder, list or task, each delivery
signed with the webhook's own ``secret`` (``X-Signature``: hex HMAC-SHA256 of the raw body),
the per-token rate limit answered with 429 and ``X-RateLimit-Limit``/``-Remaining``/``-Reset``
(epoch seconds), errors as ``{"err": "...", "ECODE": "..."}``.

The fake is stricter than ClickUp in one way, on purpose: a body field ClickUp does not
document for the endpoint, or a query parameter it does not document, is a 400 (ClickUp
ignores those silently, which would hide a typo in podbot's client). The ``ECODE`` values are
ClickUp's where its answers are known (``OAUTH_017``/``OAUTH_018`` for a missing/unknown token,
``ITEM_013`` for a deleted task, ``APP_002`` for the rate limit) and the fake's own otherwise:
clients should branch on the HTTP status, not on the code.

Webhook events are queued as `WebhookEvent` rows (one per matching webhook). With
``auto_deliver=True`` (the sandbox) a thread POSTs them in order as they happen; otherwise
(tests) nothing is sent until `deliver_pending`, `deliver` or `deliver_with_bad_signature`, so
a test decides when, how often and in which order podbot hears of a change. Changes made
through the API fire webhooks too, with the token's user, as ClickUp does: podbot must ignore
its own.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import hmac
import json
import math
import queue
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

API_PREFIX = "/api/v2"
PAGE_SIZE = 100  # tasks per page of GET /list/{id}/task, as ClickUp pages them
COMMENTS_PAGE = 25  # comments per answer of GET /task/{id}/comment
WEBHOOK_SUSPEND_AFTER = 100  # failed deliveries before ClickUp suspends a webhook
MAX_BODY = 1_000_000


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


EVENTS = _words(
    "taskCreated taskUpdated taskDeleted taskPriorityUpdated taskStatusUpdated "
    "taskAssigneeUpdated taskDueDateUpdated taskTagUpdated taskMoved taskCommentPosted "
    "taskCommentUpdated taskTimeEstimateUpdated taskTimeTrackedUpdated listCreated "
    "listUpdated listDeleted folderCreated folderUpdated folderDeleted spaceCreated "
    "spaceUpdated spaceDeleted goalCreated goalUpdated goalDeleted keyResultCreated "
    "keyResultUpdated keyResultDeleted"
)

# Documented request body fields per endpoint.
_CREATE_TASK = frozenset(
    _words(
        "name description markdown_description markdown_content assignees group_assignees "
        "archived tags status priority due_date due_date_time time_estimate start_date "
        "start_date_time points notify_all parent links_to check_required_custom_fields "
        "custom_fields custom_item_id"
    )
)
_UPDATE_TASK = frozenset(
    _words(
        "name description markdown_description markdown_content status priority due_date "
        "due_date_time parent time_estimate start_date start_date_time points assignees "
        "group_assignees watchers archived custom_item_id"
    )
)
_CREATE_COMMENT = frozenset({"comment_text", "assignee", "group_assignee", "notify_all"})
_SET_FIELD = frozenset({"value", "value_options"})
_CREATE_WEBHOOK = frozenset({"endpoint", "events", "space_id", "folder_id", "list_id", "task_id"})
_UPDATE_WEBHOOK = frozenset({"endpoint", "events", "status"})
# Documented query parameters per route kind.
_TASK_QUERY = frozenset(
    _words("custom_task_ids team_id include_subtasks include_markdown_description custom_fields")
)
_LIST_TASKS_QUERY = frozenset(
    _words(
        "archived include_markdown_description page order_by reverse subtasks statuses[] "
        "include_closed include_timl assignees[] watchers[] tags[] due_date_gt due_date_lt "
        "date_created_gt date_created_lt date_updated_gt date_updated_lt date_done_gt "
        "date_done_lt custom_fields custom_field custom_items[]"
    )
)
_COMMENTS_QUERY = frozenset({"custom_task_ids", "team_id", "start", "start_id"})
_FIELD_TYPES = frozenset(
    _words(
        "short_text text number currency drop_down labels date checkbox url email phone users "
        "emoji location tasks manual_progress"
    )
)
_PRIORITIES = {
    1: {"id": "1", "priority": "urgent", "color": "#f50000", "orderindex": "1"},
    2: {"id": "2", "priority": "high", "color": "#ffcc00", "orderindex": "2"},
    3: {"id": "3", "priority": "normal", "color": "#6fddff", "orderindex": "3"},
    4: {"id": "4", "priority": "low", "color": "#d8d8d8", "orderindex": "4"},
}
_STATUS_COLORS = {"open": "#d3d3d3", "custom": "#4194f6", "closed": "#6bc950", "done": "#6bc950"}


class ClickUpError(Exception):
    """Raised inside a route to answer ``{"err": ..., "ECODE": ...}`` with an HTTP status."""

    def __init__(self, status: int, err: str, ecode: str) -> None:
        super().__init__(err)
        self.status = status
        self.err = err
        self.ecode = ecode


def _bad(err: str, ecode: str = "INPUT_005") -> ClickUpError:
    return ClickUpError(400, err, ecode)


@dataclass(frozen=True)
class ApiCall:
    """One request the server answered: ``path`` is below ``/api/v2``; ``body`` the parsed
    JSON (None without a body); ``at`` the server clock's time of the answer."""

    method: str
    path: str
    query: dict[str, list[str]]
    body: Any
    token: str | None
    status: int
    at: float

    @property
    def ok(self) -> bool:
        """True for a 2xx answer."""
        return 200 <= self.status < 300


@dataclass(frozen=True)
class Delivery:
    """One POST of a webhook event to its endpoint: the HTTP status (None: no answer)."""

    status: int | None
    signature: str
    signature_valid: bool
    at: float


@dataclass
class WebhookEvent:
    """An event for one webhook: the exact bytes sent and every attempt to deliver them."""

    index: int
    webhook_id: str
    endpoint: str
    event: str
    task_id: str | None
    payload: dict[str, Any]
    body: bytes
    signature: str
    deliveries: list[Delivery] = field(default_factory=list)

    @property
    def delivered(self) -> bool:
        """True once a correctly signed delivery was answered 2xx."""
        return any(
            d.signature_valid and d.status is not None and 200 <= d.status < 300
            for d in self.deliveries
        )


@dataclass
class _Failure:
    status: int
    until: float | None
    count: int | None


def sign(secret: str, body: bytes) -> str:
    """ClickUp's ``X-Signature``: hex HMAC-SHA256 of the raw body keyed by the secret."""
    return hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()


def _ms(seconds: float) -> int:
    return int(seconds * 1000)


def _initials(username: str) -> str:
    parts = [p for p in re.split(r"\s+", username.strip()) if p]
    return "".join(p[0] for p in parts[:2]).upper() or "?"


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _id_text(value: Any) -> str | None:
    """A ClickUp id given as a number or a string of digits/letters, as text."""
    if _is_int(value):
        return str(value)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


class ClickUpApiServer:
    """An in-process ClickUp API v2 on 127.0.0.1 that records calls and keeps workspace state."""

    def __init__(
        self,
        port: int = 0,
        *,
        host: str = "127.0.0.1",
        clock: Callable[[], float] = time.time,
        auto_deliver: bool = False,
        rate_limit_per_minute: int | None = None,
        delivery_timeout: float = 5.0,
    ) -> None:
        # Seconds since the epoch: dates of tasks, comments and history items, outages
        # (`fail(until=...)`) and the rate-limit window all read it, so a test's simulated
        # clock moves all of them.
        self.clock = clock
        self.auto_deliver = auto_deliver
        self.delivery_timeout = delivery_timeout
        self._address = (host, port)
        self._lock = threading.RLock()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._queue: queue.Queue[int | None] = queue.Queue()
        self._halt = threading.Event()  # set by stop(): the delivery thread sends no more
        self._deliverer: threading.Thread | None = None
        self._calls: list[ApiCall] = []
        self._teams: dict[str, dict[str, Any]] = {}
        self._users: dict[int, dict[str, Any]] = {}
        self._inactive: set[int] = set()
        self._tokens: dict[str, int] = {}
        self._lists: dict[str, dict[str, Any]] = {}
        self._fields: dict[str, dict[str, Any]] = {}  # field id -> definition (+ list_id)
        self._tasks: dict[str, dict[str, Any]] = {}
        self._deleted: set[str] = set()
        self._comments: dict[str, list[dict[str, Any]]] = {}
        self._webhooks: dict[str, dict[str, Any]] = {}
        self._events: list[WebhookEvent] = []
        self._queued = 0  # events handed to the delivery thread (auto_deliver)
        self._failures: list[_Failure] = []
        self._per_minute = rate_limit_per_minute
        self._windows: dict[str, tuple[float, int]] = {}  # token -> (reset at, used)
        self._serial = 0  # ids of tasks, comments and webhooks
        self._history_serial = 0  # ids of webhook history items
        self._changes = 0  # changes to tasks and comments, for `version`
        self._table = self._routes()

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> ClickUpApiServer:
        """Bind (a free port by default) and serve on a daemon thread."""
        if self._httpd is not None:
            return self
        api = self

        class Handler(_RequestHandler):
            server_api = api

        self._httpd = ThreadingHTTPServer(self._address, Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.01},
            name="clickup-api-server",
            daemon=True,
        )
        self._thread.start()
        if self.auto_deliver:
            self._halt.clear()
            self._deliverer = threading.Thread(
                target=self._deliver_loop, name="clickup-webhooks", daemon=True
            )
            self._deliverer.start()
        return self

    def stop_deliveries(self) -> None:
        """Stop the delivery thread (``auto_deliver``): events still queued are not sent."""
        if self._deliverer is not None:
            self._halt.set()
            self._queue.put(None)
            self._deliverer.join(timeout=5)
            self._deliverer = None

    def stop(self) -> None:
        """Stop serving and delivering (events still queued are dropped) and release the
        port."""
        self.stop_deliveries()
        if self._httpd is None:
            return
        self._httpd.shutdown()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> ClickUpApiServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def origin(self) -> str:
        """``http://127.0.0.1:PORT`` of the running server."""
        if self._httpd is None:
            raise RuntimeError("ClickUpApiServer is not started")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def url(self) -> str:
        """The API base, ``http://127.0.0.1:PORT/api/v2`` (podbot's ``[clickup] api_url``)."""
        return f"{self.origin}{API_PREFIX}"

    # -- workspace set-up (no webhooks fire) -----------------------------------------------

    def add_workspace(
        self, team_id: str, members: Iterable[dict[str, Any]] = (), *, name: str = "Workspace"
    ) -> None:
        """A workspace ("team" in API v2) with members ``{id, email, username}``."""
        with self._lock:
            team = self._teams.setdefault(
                str(team_id), {"id": str(team_id), "name": name, "members": []}
            )
            for member in members:
                user = self._add_user(member)
                if user["id"] not in team["members"]:
                    team["members"].append(user["id"])

    def add_member(self, team_id: str, member: dict[str, Any]) -> None:
        """Add one member ``{id, email, username}`` to a workspace."""
        self.add_workspace(team_id, [member])

    def deactivate_user(self, user_id: int) -> None:
        """Deactivate a user: their tokens answer 401 and the webhooks they made stop firing."""
        with self._lock:
            self._inactive.add(int(user_id))

    def add_token(self, token: str, user_id: int) -> None:
        """A personal token acting as ``user_id`` (sent as ``Authorization: <token>``)."""
        with self._lock:
            if int(user_id) not in self._users:
                raise KeyError(f"unknown user {user_id}: add it to a workspace first")
            self._tokens[token] = int(user_id)

    def add_list(
        self,
        list_id: str,
        name: str,
        statuses: Sequence[str | dict[str, Any]] = ("to do", "complete"),
        *,
        team_id: str | None = None,
        space_id: str = "90100",
        folder_id: str = "90200",
        space_name: str = "Space",
        folder_name: str = "Folder",
    ) -> None:
        """A list with its statuses: names (the first is ``open``, the last ``closed``, the
        others ``custom``) or dicts ``{status, type, color}``. The workspace defaults to the
        only (or first) one added."""
        with self._lock:
            if team_id is None:
                if not self._teams:
                    raise KeyError("add a workspace before its lists")
                team_id = next(iter(self._teams))
            shaped: list[dict[str, Any]] = []
            for i, status in enumerate(statuses):
                if isinstance(status, str):
                    kind = "open" if i == 0 else "closed" if i == len(statuses) - 1 else "custom"
                    status = {"status": status, "type": kind}
                kind = str(status.get("type", "custom"))
                shaped.append(
                    {
                        "id": f"sc{list_id}_{i}",
                        "status": str(status["status"]).lower(),
                        "orderindex": i,
                        "color": status.get("color", _STATUS_COLORS.get(kind, "#4194f6")),
                        "type": kind,
                    }
                )
            self._lists[str(list_id)] = {
                "id": str(list_id),
                "name": name,
                "team_id": str(team_id),
                "space": {"id": str(space_id), "name": space_name, "access": True},
                "folder": {
                    "id": str(folder_id),
                    "name": folder_name,
                    "hidden": False,
                    "access": True,
                },
                "statuses": shaped,
                "fields": [],
            }

    def set_statuses(self, list_id: str, statuses: Sequence[str | dict[str, Any]]) -> None:
        """Replace a list's statuses (as a person editing the list in ClickUp)."""
        with self._lock:
            current = self._list(str(list_id))
            self.add_list(
                current["id"],
                current["name"],
                statuses,
                team_id=current["team_id"],
                space_id=current["space"]["id"],
                folder_id=current["folder"]["id"],
            )
            self._lists[current["id"]]["fields"] = current["fields"]

    def add_custom_field(
        self,
        list_id: str,
        field_id: str,
        name: str,
        type: str = "short_text",
        *,
        options: Sequence[str] = (),
        required: bool = False,
    ) -> None:
        """A custom field on a list (``options`` name the choices of a ``drop_down``)."""
        if type not in _FIELD_TYPES:
            raise ValueError(f"unknown custom field type {type!r}")
        with self._lock:
            type_config: dict[str, Any] = {}
            if options:
                type_config["options"] = [
                    {"id": f"opt-{field_id}-{i}", "name": opt, "orderindex": i, "color": None}
                    for i, opt in enumerate(options)
                ]
            definition = {
                "id": field_id,
                "name": name,
                "type": type,
                "type_config": type_config,
                "date_created": str(_ms(self.clock())),
                "hide_from_guests": False,
                "required": required,
            }
            self._list(str(list_id))["fields"].append(field_id)
            self._fields[field_id] = {**definition, "list_id": str(list_id)}

    def add_task(
        self,
        list_id: str,
        name: str,
        *,
        status: str | None = None,
        assignees: Iterable[int] = (),
        due_date: int | None = None,
        description: str = "",
        creator: int | None = None,
        custom_fields: dict[str, Any] | None = None,
        archived: bool = False,
        task_id: str | None = None,
    ) -> dict[str, Any]:
        """Seed a task that was already in ClickUp (no webhook fires); returns it as the API
        shows it. ``due_date`` is ms since the epoch."""
        with self._lock:
            lst = self._list(str(list_id))
            members = self._team(lst["team_id"])["members"]
            user_id = creator if creator is not None else (members[0] if members else 0)
            task = self._new_task(
                lst,
                name,
                user_id,
                status=self._status(lst, status) if status else lst["statuses"][0],
                assignees=[int(a) for a in assignees],
                due_date=due_date,
                description=description,
                task_id=task_id,
            )
            task["archived"] = archived
            for field_id, value in (custom_fields or {}).items():
                task["field_values"][field_id] = value
            return self._task_api(task)

    def add_webhook(
        self,
        team_id: str,
        user_id: int,
        endpoint: str,
        events: Sequence[str] = ("*",),
        *,
        list_id: str | None = None,
        folder_id: str | None = None,
        space_id: str | None = None,
        task_id: str | None = None,
        secret: str | None = None,
    ) -> dict[str, Any]:
        """A webhook as if ``user_id`` had made it through the API (with this ``secret``, or
        one of its own); returns it as the API shows it."""
        with self._lock:
            self._team(team_id)
            scope = {
                "space_id": space_id,
                "folder_id": folder_id,
                "list_id": list_id,
                "task_id": task_id,
            }
            hook = self._new_webhook(
                str(team_id),
                int(user_id),
                endpoint,
                _events(list(events), required=True),
                scope,
                secret,
            )
            return self._webhook_api(hook)

    def snapshot(self) -> dict[str, Any]:
        """The workspace's state (not calls, events or failures) as JSON-able data."""
        with self._lock:
            return copy.deepcopy(
                {
                    "serial": self._serial,
                    "history_serial": self._history_serial,
                    "changes": self._changes,
                    "teams": self._teams,
                    "users": list(self._users.values()),
                    "inactive": sorted(self._inactive),
                    "tokens": self._tokens,
                    "lists": self._lists,
                    "fields": self._fields,
                    "tasks": self._tasks,
                    "deleted": sorted(self._deleted),
                    "comments": self._comments,
                    "webhooks": self._webhooks,
                }
            )

    def restore(self, state: dict[str, Any]) -> None:
        """Replace the workspace with a `snapshot`."""
        state = copy.deepcopy(state)
        with self._lock:
            self._serial = int(state["serial"])
            self._history_serial = int(state["history_serial"])
            self._changes = int(state.get("changes", 0))
            self._teams = state["teams"]
            self._users = {int(u["id"]): u for u in state["users"]}
            self._inactive = {int(u) for u in state["inactive"]}
            self._tokens = {t: int(u) for t, u in state["tokens"].items()}
            self._lists = state["lists"]
            self._fields = state["fields"]
            self._tasks = state["tasks"]
            self._deleted = set(state["deleted"])
            self._comments = state["comments"]
            self._webhooks = state["webhooks"]

    @property
    def version(self) -> int:
        """Grows with every change to a task or its comments (through the API or not)."""
        with self._lock:
            return self._changes

    def rate_limit(self, per_minute: int | None) -> None:
        """Answer 429 past ``per_minute`` requests per token per minute (None: no limit).
        ClickUp's plans allow 100 (1,000 / 10,000 on Business Plus / Enterprise)."""
        with self._lock:
            self._per_minute = per_minute
            self._windows.clear()

    def fail(
        self, status: int = 500, *, until: float | None = None, count: int | None = None
    ) -> None:
        """Answer every request with ``status`` until the clock reaches ``until``, or for the
        next ``count`` requests (one request when neither is given). 500 answers ClickUp's JSON
        error body; 502/503/504 the HTML page of a proxy in front of it."""
        if until is None and count is None:
            count = 1
        with self._lock:
            self._failures.append(_Failure(status, until, count))

    def heal(self) -> None:
        """End every injected failure."""
        with self._lock:
            self._failures.clear()

    # -- reading state -----------------------------------------------------------------------

    @property
    def calls(self) -> list[ApiCall]:
        """Every request answered so far, in order."""
        with self._lock:
            return list(self._calls)

    def calls_to(self, method: str, pattern: str) -> list[ApiCall]:
        """The calls of one method whose path matches the regular expression (full match)."""
        rx = re.compile(pattern)
        return [c for c in self.calls if c.method == method and rx.fullmatch(c.path)]

    def tasks(self, list_id: str, *, include_archived: bool = True) -> list[dict[str, Any]]:
        """The list's tasks as the API shows them, oldest first (deleted ones are gone)."""
        with self._lock:
            return [
                self._task_api(t)
                for t in self._tasks.values()
                if t["list_id"] == str(list_id) and (include_archived or not t["archived"])
            ]

    def task(self, task_id: str) -> dict[str, Any] | None:
        """One task as the API shows it, or None when missing or deleted."""
        with self._lock:
            task = self._tasks.get(task_id)
            return None if task is None else self._task_api(task)

    def comments(self, task_id: str) -> list[dict[str, Any]]:
        """A task's comments, oldest first, as GET /task/{id}/comment shows each."""
        with self._lock:
            return [copy.deepcopy(c) for c in self._comments.get(task_id, [])]

    def webhooks(self) -> list[dict[str, Any]]:
        """Every webhook, with its secret and health."""
        with self._lock:
            return [self._webhook_api(w) for w in self._webhooks.values()]

    @property
    def events(self) -> list[WebhookEvent]:
        """Every webhook event so far (one per matching webhook), delivered or not."""
        with self._lock:
            return list(self._events)

    def pending(self) -> list[WebhookEvent]:
        """Events never delivered (no correctly signed 2xx answer yet, and never tried)."""
        with self._lock:
            return [e for e in self._events if not e.deliveries]

    # -- changes made by a person in ClickUp (they fire webhooks) --------------------------

    def comment_as(self, task_id: str, user_id: int, text: str) -> dict[str, Any]:
        """A person comments on a task in ClickUp; fires ``taskCommentPosted``."""
        with self._lock:
            comment = self._add_comment(self._live_task(task_id), int(user_id), text, None)
        self._after_change()
        return comment

    def set_status_as(self, task_id: str, user_id: int, status: str) -> dict[str, Any]:
        """A person moves a task to another status; fires ``taskStatusUpdated``."""
        return self._change_as(task_id, user_id, {"status": status})

    def assign_as(
        self, task_id: str, user_id: int, *, add: Iterable[int] = (), rem: Iterable[int] = ()
    ) -> dict[str, Any]:
        """A person adds/removes assignees; fires ``taskAssigneeUpdated``."""
        return self._change_as(
            task_id, user_id, {"assignees": {"add": list(add), "rem": list(rem)}}
        )

    def set_due_date_as(self, task_id: str, user_id: int, due_ms: int | None) -> dict[str, Any]:
        """A person moves the due date; fires ``taskDueDateUpdated``."""
        return self._change_as(task_id, user_id, {"due_date": due_ms})

    def rename_as(self, task_id: str, user_id: int, name: str) -> dict[str, Any]:
        """A person renames a task; fires ``taskUpdated``."""
        return self._change_as(task_id, user_id, {"name": name})

    def create_task_as(
        self, list_id: str, user_id: int, name: str, **fields: Any
    ) -> dict[str, Any]:
        """A person creates a task (fields as in POST /list/{id}/task); fires ``taskCreated``."""
        with self._lock:
            task = self._create_task(
                self._list(str(list_id)), int(user_id), {"name": name, **fields}
            )
        self._after_change()
        return task

    def delete_task_as(self, task_id: str, user_id: int) -> None:
        """A person deletes a task; fires ``taskDeleted``; the API then answers 404 for it."""
        with self._lock:
            self._delete_task(self._live_task(task_id), int(user_id))
        self._after_change()

    def _change_as(self, task_id: str, user_id: int, body: dict[str, Any]) -> dict[str, Any]:
        with self._lock:
            task = self._update_task(self._live_task(task_id), int(user_id), body)
        self._after_change()
        return task

    # -- webhook deliveries ----------------------------------------------------------------

    def deliver(self, index: int) -> int | None:
        """(Re)send event ``index`` signed as ClickUp signs it; the endpoint's HTTP status."""
        event = self._event(index)
        return self._post(event, event.signature, valid=True)

    deliver_again = deliver

    def deliver_with_bad_signature(self, index: int, *, signature: str | None = None) -> int | None:
        """Send event ``index`` with a wrong ``X-Signature`` (or the one given; "" omits the
        header); the endpoint's HTTP status."""
        event = self._event(index)
        if signature is None:
            signature = sign("not-the-secret", event.body)
        return self._post(event, signature, valid=False)

    def deliver_pending(self, order: Sequence[int] | None = None) -> list[int | None]:
        """Send the events never sent yet, oldest first, or in ``order`` (event indexes, for
        out-of-order deliveries); the endpoint's statuses."""
        indexes = [e.index for e in self.pending()] if order is None else list(order)
        return [self.deliver(i) for i in indexes]

    def wait_deliveries(self) -> None:
        """With ``auto_deliver``: return once every event so far was sent."""
        if self._deliverer is not None:
            self._queue.join()

    def _event(self, index: int) -> WebhookEvent:
        with self._lock:
            return self._events[index]

    def _post(self, event: WebhookEvent, signature: str, *, valid: bool) -> int | None:
        headers = {"Content-Type": "application/json", "User-Agent": "ClickUp-Webhooks"}
        if signature:
            headers["X-Signature"] = signature
        request = urllib.request.Request(
            event.endpoint, data=event.body, headers=headers, method="POST"
        )
        status: int | None
        try:
            with urllib.request.urlopen(request, timeout=self.delivery_timeout) as answer:
                status = int(answer.status)
        except urllib.error.HTTPError as error:
            status = int(error.code)
        except (OSError, ValueError):
            status = None
        with self._lock:
            event.deliveries.append(Delivery(status, signature, valid, self.clock()))
            hook = self._webhooks.get(event.webhook_id)
            if hook is not None and valid:
                if status is not None and 200 <= status < 300:
                    hook["health"] = {"status": "active", "fail_count": 0}
                else:
                    hook["health"]["fail_count"] += 1
                    if hook["health"]["fail_count"] >= WEBHOOK_SUSPEND_AFTER:
                        hook["health"]["status"] = "suspended"
                    else:
                        hook["health"]["status"] = "failing"
        return status

    def _deliver_loop(self) -> None:
        while True:
            index = self._queue.get()
            try:
                if index is None:
                    return
                if not self._halt.is_set():
                    self.deliver(index)
            finally:
                self._queue.task_done()

    def _after_change(self) -> None:
        """Hand new events to the delivery thread (outside the lock)."""
        if self._deliverer is None:
            return
        with self._lock:
            fresh = list(range(self._queued, len(self._events)))
            self._queued = len(self._events)
        for index in fresh:
            self._queue.put(index)

    # -- HTTP --------------------------------------------------------------------------------

    def _handle(self, req: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(req.path)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        length = int(req.headers.get("Content-Length") or 0)
        raw = req.rfile.read(min(length, MAX_BODY)) if length else b""
        token = req.headers.get("Authorization")
        if token and token.lower().startswith("bearer "):
            token = token[7:].strip()
        body: Any = None
        headers: dict[str, str] = {}
        status, payload, content_type = 200, b"", "application/json"
        try:
            if not path.startswith(API_PREFIX + "/"):
                raise ClickUpError(404, "Route not found", "APP_001")
            path = path[len(API_PREFIX) :]
            if raw:
                with contextlib.suppress(ValueError):
                    body = json.loads(raw)
            failure = self._take_failure()
            if failure is not None:
                status = failure.status
                if status >= 502:
                    content_type = "text/html"
                    payload = (
                        f"<html><head><title>{status}</title></head><body><center><h1>"
                        f"{status}</h1></center></body></html>"
                    ).encode()
                else:
                    payload = json.dumps(
                        {"err": "Internal Server Error", "ECODE": "SRV_000"}
                    ).encode()
            else:
                if raw and body is None:
                    raise _bad("Invalid JSON body", "INPUT_001")
                user_id = self._authenticate(token)
                headers = self._count_request(str(token))
                status, answer = self._route(method, path, query, body, user_id)
                payload = json.dumps(answer, ensure_ascii=False).encode("utf-8")
        except ClickUpError as error:
            status = error.status
            payload = json.dumps({"err": error.err, "ECODE": error.ecode}).encode("utf-8")
            if error.status == 429:
                headers = self._limit_headers(str(token))
        except Exception as error:  # a bug of the stand-in: say so rather than drop the line
            status = 500
            err = f"clickupfake failed: {error!r}"
            payload = json.dumps({"err": err, "ECODE": "FAKE_000"}).encode("utf-8")
        with self._lock:
            self._calls.append(ApiCall(method, path, query, body, token, status, self.clock()))
        self._after_change()
        _send(req, status, payload, content_type, headers)

    def _take_failure(self) -> _Failure | None:
        with self._lock:
            now = self.clock()
            while self._failures:
                failure = self._failures[0]
                if failure.until is not None and now >= failure.until:
                    self._failures.pop(0)
                    continue
                if failure.count is not None:
                    if failure.count <= 0:
                        self._failures.pop(0)
                        continue
                    failure.count -= 1
                return failure
            return None

    def _authenticate(self, token: str | None) -> int:
        if not token:
            raise ClickUpError(401, "Authorization header required", "OAUTH_017")
        with self._lock:
            user_id = self._tokens.get(token)
            if user_id is None:
                raise ClickUpError(401, "Oauth token not found", "OAUTH_018")
            if user_id in self._inactive:
                raise ClickUpError(401, "Token owner is deactivated", "OAUTH_019")
            return user_id

    def _count_request(self, token: str) -> dict[str, str]:
        with self._lock:
            if self._per_minute is None:
                return {}
            now = self.clock()
            reset, used = self._windows.get(token, (0.0, 0))
            if now >= reset:
                reset, used = now + 60, 0
            if used >= self._per_minute:
                self._windows[token] = (reset, used)
                raise ClickUpError(429, "Rate limit reached", "APP_002")
            self._windows[token] = (reset, used + 1)
            return self._limit_headers(token)

    def _limit_headers(self, token: str) -> dict[str, str]:
        with self._lock:
            if self._per_minute is None:
                return {}
            reset, used = self._windows.get(token, (self.clock() + 60, 0))
            return {
                "X-RateLimit-Limit": str(self._per_minute),
                "X-RateLimit-Remaining": str(max(0, self._per_minute - used)),
                "X-RateLimit-Reset": str(math.ceil(reset)),
            }

    def _route(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        body: Any,
        user_id: int,
    ) -> tuple[int, Any]:
        for route_method, rx, handler, allowed_query in self._table:
            match = rx.fullmatch(path)
            if match is None or route_method != method:
                continue
            unknown = sorted(set(query) - allowed_query)
            if unknown:
                raise _bad(f"Unknown query parameter: {unknown[0]}", "INPUT_003")
            with self._lock:
                return 200, handler(user_id, query, body, *match.groups())
        if any(rx.fullmatch(path) for _m, rx, _h, _q in self._table):
            raise ClickUpError(405, f"Method {method} not allowed on {path}", "APP_001")
        raise ClickUpError(404, "Route not found", "APP_001")

    def _routes(self) -> list[tuple[str, re.Pattern[str], Callable[..., Any], frozenset[str]]]:
        seg = r"([^/]+)"
        none: frozenset[str] = frozenset()
        table: list[tuple[str, str, Callable[..., Any], frozenset[str]]] = [
            ("GET", "/user", self._get_user, none),
            ("GET", "/team", self._get_teams, none),
            ("GET", f"/list/{seg}", self._get_list, none),
            ("GET", f"/list/{seg}/task", self._get_tasks, _LIST_TASKS_QUERY),
            (
                "POST",
                f"/list/{seg}/task",
                self._post_task,
                frozenset({"custom_task_ids", "team_id"}),
            ),
            ("GET", f"/list/{seg}/field", self._get_fields, none),
            ("GET", f"/task/{seg}", self._get_task, _TASK_QUERY),
            ("PUT", f"/task/{seg}", self._put_task, _TASK_QUERY),
            ("DELETE", f"/task/{seg}", self._delete_task_route, _TASK_QUERY),
            ("GET", f"/task/{seg}/comment", self._get_comments, _COMMENTS_QUERY),
            ("POST", f"/task/{seg}/comment", self._post_comment, _TASK_QUERY),
            ("POST", f"/task/{seg}/field/{seg}", self._post_field, _TASK_QUERY),
            ("POST", f"/team/{seg}/webhook", self._post_webhook, none),
            ("GET", f"/team/{seg}/webhook", self._get_webhooks, none),
            ("PUT", f"/webhook/{seg}", self._put_webhook, none),
            ("DELETE", f"/webhook/{seg}", self._delete_webhook, none),
        ]
        return [(m, re.compile(p), h, q) for m, p, h, q in table]

    # -- routes ------------------------------------------------------------------------------

    def _get_user(self, user_id: int, _q: Any, body: Any) -> Any:
        _no_body(body)
        user = self._user_api(user_id)
        user.update(week_start_day=0, global_font_support=True, timezone="UTC")
        return {"user": user}

    def _get_teams(self, user_id: int, _q: Any, body: Any) -> Any:
        _no_body(body)
        teams = []
        for team in self._teams.values():
            if user_id not in team["members"]:
                continue
            teams.append(
                {
                    "id": team["id"],
                    "name": team["name"],
                    "color": "#7b68ee",
                    "avatar": None,
                    "members": [
                        {"user": {**self._user_api(m), "role": 1 if i == 0 else 3}}
                        for i, m in enumerate(team["members"])
                    ],
                }
            )
        return {"teams": teams}

    def _get_list(self, user_id: int, _q: Any, body: Any, list_id: str) -> Any:
        _no_body(body)
        lst = self._visible_list(list_id, user_id)
        return {
            "id": lst["id"],
            "name": lst["name"],
            "orderindex": 0,
            "content": "",
            "status": None,
            "priority": None,
            "assignee": None,
            "task_count": sum(1 for t in self._tasks.values() if t["list_id"] == lst["id"]),
            "due_date": None,
            "start_date": None,
            "folder": copy.deepcopy(lst["folder"]),
            "space": copy.deepcopy(lst["space"]),
            "archived": False,
            "override_statuses": True,
            "statuses": copy.deepcopy(lst["statuses"]),
            "permission_level": "create",
        }

    def _get_tasks(self, user_id: int, query: dict[str, list[str]], body: Any, list_id: str) -> Any:
        _no_body(body)
        lst = self._visible_list(list_id, user_id)
        page = _query_int(query, "page", 0)
        archived = _query_bool(query, "archived")
        include_closed = _query_bool(query, "include_closed")
        statuses = {s.lower() for s in query.get("statuses[]", [])}
        assignees = {int(a) for a in query.get("assignees[]", []) if a.isdigit()}
        chosen = []
        for task in self._tasks.values():
            if task["list_id"] != lst["id"] or task["archived"] != archived:
                continue
            if task["status"]["type"] == "closed" and not include_closed and not statuses:
                continue
            if statuses and task["status"]["status"] not in statuses:
                continue
            if assignees and not assignees & set(task["assignees"]):
                continue
            chosen.append(task)
        if _query_bool(query, "reverse"):
            chosen.reverse()
        window = chosen[page * PAGE_SIZE : (page + 1) * PAGE_SIZE]
        return {
            "tasks": [self._task_api(t) for t in window],
            "last_page": (page + 1) * PAGE_SIZE >= len(chosen),
        }

    def _post_task(self, user_id: int, _q: Any, body: Any, list_id: str) -> Any:
        lst = self._visible_list(list_id, user_id)
        return self._create_task(lst, user_id, body)

    def _get_fields(self, user_id: int, _q: Any, body: Any, list_id: str) -> Any:
        _no_body(body)
        lst = self._visible_list(list_id, user_id)
        return {"fields": [self._field_api(f) for f in lst["fields"]]}

    def _get_task(self, user_id: int, _q: Any, body: Any, task_id: str) -> Any:
        _no_body(body)
        return self._task_api(self._visible_task(task_id, user_id))

    def _put_task(self, user_id: int, _q: Any, body: Any, task_id: str) -> Any:
        task = self._visible_task(task_id, user_id)
        return self._update_task(task, user_id, body)

    def _delete_task_route(self, user_id: int, _q: Any, body: Any, task_id: str) -> Any:
        _no_body(body)
        self._delete_task(self._visible_task(task_id, user_id), user_id)
        return {}

    def _get_comments(
        self, user_id: int, query: dict[str, list[str]], body: Any, task_id: str
    ) -> Any:
        _no_body(body)
        task = self._visible_task(task_id, user_id)
        newest_first = list(reversed(self._comments.get(task["id"], [])))
        start_ids = query.get("start_id") or []
        start_id = start_ids[0] if start_ids else None
        if start_id is not None:
            ids = [c["id"] for c in newest_first]
            if start_id not in ids:
                raise _bad("Comment not found", "CMT_002")
            newest_first = newest_first[ids.index(start_id) + 1 :]
        return {"comments": copy.deepcopy(newest_first[:COMMENTS_PAGE])}

    def _post_comment(self, user_id: int, _q: Any, body: Any, task_id: str) -> Any:
        task = self._visible_task(task_id, user_id)
        data = _object(body, _CREATE_COMMENT)
        text = data.get("comment_text")
        if not isinstance(text, str) or not text.strip():
            raise _bad("Comment text required", "CMT_001")
        if not isinstance(data.get("notify_all"), bool):
            raise _bad("notify_all must be a boolean", "INPUT_002")
        assignee = data.get("assignee")
        if assignee is not None:
            self._member_id(task, assignee)
        comment = self._add_comment(task, user_id, text, assignee)
        return {
            "id": int(comment["id"]),
            "hist_id": comment["hist_id"],
            "date": int(comment["date"]),
        }

    def _post_field(self, user_id: int, _q: Any, body: Any, task_id: str, field_id: str) -> Any:
        task = self._visible_task(task_id, user_id)
        data = _object(body, _SET_FIELD)
        if "value" not in data:
            raise _bad("Value is required", "FIELD_001")
        lst = self._lists[task["list_id"]]
        if field_id not in lst["fields"]:
            raise _bad("Custom field not found on the task's list", "FIELD_033")
        definition = self._fields[field_id]
        value = _field_value(definition, data["value"])
        before = task["field_values"].get(field_id)
        task["field_values"][field_id] = value
        self._touch(task)
        self._emit(
            task,
            "taskUpdated",
            [
                self._history(
                    task,
                    user_id,
                    "custom_field",
                    before=before,
                    after=value,
                    extra={"custom_field": self._field_api(field_id)},
                )
            ],
        )
        return {}

    def _post_webhook(self, user_id: int, _q: Any, body: Any, team_id: str) -> Any:
        team = self._member_team(team_id, user_id)
        data = _object(body, _CREATE_WEBHOOK)
        endpoint = data.get("endpoint")
        if not isinstance(endpoint, str) or not re.match(r"https?://[^\s/]+", endpoint):
            raise _bad("Endpoint must be a valid URL", "WH_001")
        events = _events(data.get("events"), required=True)
        scope: dict[str, str | None] = {}
        for key in ("space_id", "folder_id", "list_id", "task_id"):
            value = data.get(key)
            if value is None:
                scope[key] = None
                continue
            text = _id_text(value)
            if text is None:
                raise _bad(f"{key} must be an id", "INPUT_002")
            scope[key] = text
        for hook in self._webhooks.values():
            if (hook["endpoint"], hook["scope"], hook["team_id"]) == (endpoint, scope, team["id"]):
                raise _bad("Webhook configuration already exists.", "OAUTH_171")
        hook = self._new_webhook(team["id"], user_id, endpoint, events, scope)
        return {"id": hook["id"], "webhook": self._webhook_api(hook)}

    def _new_webhook(
        self,
        team_id: str,
        user_id: int,
        endpoint: str,
        events: list[str],
        scope: dict[str, str | None],
        secret: str | None = None,
    ) -> dict[str, Any]:
        number = self._next()
        hook_id = f"4b67ac88-e506-4a29-9d42-{number:012x}"
        if secret is None:
            secret = hashlib.sha256(f"clickupfake-secret-{number}".encode()).hexdigest().upper()
        hook = {
            "id": hook_id,
            "userid": user_id,
            "team_id": team_id,
            "endpoint": endpoint,
            "events": events,
            "scope": scope,
            "status": "active",
            "health": {"status": "active", "fail_count": 0},
            "secret": secret,
        }
        self._webhooks[hook_id] = hook
        return hook

    def _get_webhooks(self, user_id: int, _q: Any, body: Any, team_id: str) -> Any:
        _no_body(body)
        team = self._member_team(team_id, user_id)
        return {
            "webhooks": [
                self._webhook_api(w)
                for w in self._webhooks.values()
                if w["team_id"] == team["id"] and w["userid"] == user_id
            ]
        }

    def _put_webhook(self, user_id: int, _q: Any, body: Any, hook_id: str) -> Any:
        hook = self._own_webhook(hook_id, user_id)
        data = _object(body, _UPDATE_WEBHOOK)
        if not data:
            raise _bad("Nothing to update", "INPUT_002")
        if "endpoint" in data:
            endpoint = data["endpoint"]
            if not isinstance(endpoint, str) or not re.match(r"https?://[^\s/]+", endpoint):
                raise _bad("Endpoint must be a valid URL", "WH_001")
            hook["endpoint"] = endpoint
        if "events" in data:
            hook["events"] = _events(data["events"], required=True)
        if "status" in data:
            if data["status"] not in ("active", "inactive"):
                raise _bad("Status must be active or inactive", "WH_002")
            hook["status"] = data["status"]
            hook["health"] = {"status": data["status"], "fail_count": 0}
        return {"id": hook_id, "webhook": self._webhook_api(hook)}

    def _delete_webhook(self, user_id: int, _q: Any, body: Any, hook_id: str) -> Any:
        _no_body(body)
        self._own_webhook(hook_id, user_id)
        del self._webhooks[hook_id]
        return {}

    # -- state changes (lock held) -----------------------------------------------------------

    def _create_task(self, lst: dict[str, Any], user_id: int, body: Any) -> dict[str, Any]:
        data = _object(body, _CREATE_TASK)
        name = data.get("name")
        if not isinstance(name, str) or not name.strip():
            raise _bad("Task name invalid", "INPUT_005")
        status = lst["statuses"][0]
        if data.get("status") is not None:
            status = self._status(lst, data["status"])
        assignees = data.get("assignees", [])
        if not isinstance(assignees, list):
            raise _bad("assignees must be an array of user ids", "INPUT_002")
        probe = {"list_id": lst["id"]}
        assignee_ids = [self._member_id(probe, a) for a in assignees]
        due = _optional_ms(data, "due_date")
        _optional_ms(data, "start_date")
        _check_types(data)
        description = (
            data.get("markdown_content")
            or data.get("markdown_description")
            or data.get("description", "")
        )
        values: dict[str, Any] = {}
        for item in data.get("custom_fields", []) or []:
            if (
                not isinstance(item, dict)
                or set(item) - {"id", "value", "value_options"}
                or ("id" not in item or "value" not in item)
            ):
                raise _bad("custom_fields items are {id, value}", "INPUT_002")
            if item["id"] not in lst["fields"]:
                raise _bad("Custom field not found on the list", "FIELD_033")
            values[item["id"]] = _field_value(self._fields[item["id"]], item["value"])
        task = self._new_task(
            lst,
            name,
            user_id,
            status=status,
            assignees=assignee_ids,
            due_date=due,
            description=str(description or ""),
        )
        task["field_values"].update(values)
        if "priority" in data and data["priority"] is not None:
            task["priority"] = data["priority"]
        if isinstance(data.get("tags"), list):
            task["tags"] = list(data["tags"])
        self._emit(
            task,
            "taskCreated",
            [
                self._history(
                    task,
                    user_id,
                    "status",
                    before={
                        "status": None,
                        "color": "#000000",
                        "type": "removed",
                        "orderindex": -1,
                    },
                    after=_status_brief(status),
                    extra={"data": {"status_type": "open"}},
                ),
                self._history(task, user_id, "task_creation", before=None, after=None),
            ],
        )
        self._emit(
            task,
            "taskStatusUpdated",
            [
                self._history(
                    task,
                    user_id,
                    "status",
                    before={
                        "status": None,
                        "color": "#000000",
                        "type": "removed",
                        "orderindex": -1,
                    },
                    after=_status_brief(status),
                    extra={"data": {"status_type": "open"}},
                ),
            ],
        )
        return self._task_api(task)

    def _new_task(
        self,
        lst: dict[str, Any],
        name: str,
        user_id: int,
        *,
        status: dict[str, Any],
        assignees: list[int],
        due_date: int | None,
        description: str,
        task_id: str | None = None,
    ) -> dict[str, Any]:
        number = self._next()
        task_id = task_id or f"86c{number:06x}"
        now = str(_ms(self.clock()))
        task = {
            "id": task_id,
            "list_id": lst["id"],
            "name": name,
            "description": description,
            "status": dict(status),
            "assignees": list(dict.fromkeys(assignees)),
            "due_date": due_date,
            "creator": user_id,
            "date_created": now,
            "date_updated": now,
            "date_closed": now if status["type"] == "closed" else None,
            "archived": False,
            "priority": None,
            "tags": [],
            "field_values": {},
        }
        self._tasks[task_id] = task
        self._comments.setdefault(task_id, [])
        self._changes += 1
        return task

    def _update_task(self, task: dict[str, Any], user_id: int, body: Any) -> dict[str, Any]:
        data = _object(body, _UPDATE_TASK)
        lst = self._lists[task["list_id"]]
        _check_types(data)
        changes: list[tuple[str, list[dict[str, Any]]]] = []
        if "status" in data:
            status = self._status(lst, data["status"])
            if status["status"] != task["status"]["status"]:
                before = _status_brief(task["status"])
                task["status"] = dict(status)
                task["date_closed"] = str(_ms(self.clock())) if status["type"] == "closed" else None
                changes.append(
                    (
                        "taskStatusUpdated",
                        [
                            self._history(
                                task,
                                user_id,
                                "status",
                                before=before,
                                after=_status_brief(status),
                                extra={"data": {"status_type": status["type"]}},
                            )
                        ],
                    )
                )
        if "assignees" in data:
            spec = data["assignees"]
            if not isinstance(spec, dict) or set(spec) - {"add", "rem"}:
                raise _bad("assignees must be {add: [...], rem: [...]}", "INPUT_002")
            items = []
            for key in ("add", "rem"):
                ids = spec.get(key, [])
                if not isinstance(ids, list):
                    raise _bad(f"assignees.{key} must be an array of user ids", "INPUT_002")
                for raw in ids:
                    member = self._member_id(task, raw)
                    present = member in task["assignees"]
                    if key == "add" and not present:
                        task["assignees"].append(member)
                    elif key == "rem" and present:
                        task["assignees"].remove(member)
                    else:
                        continue
                    items.append(
                        self._history(
                            task,
                            user_id,
                            f"assignee_{key}",
                            before=None if key == "add" else self._user_api(member),
                            after=self._user_api(member) if key == "add" else None,
                        )
                    )
            if items:
                changes.append(("taskAssigneeUpdated", items))
        if "due_date" in data:
            due = _optional_ms(data, "due_date")
            if due != task["due_date"]:
                before_due = task["due_date"]
                task["due_date"] = due
                changes.append(
                    (
                        "taskDueDateUpdated",
                        [
                            self._history(
                                task,
                                user_id,
                                "due_date",
                                before=None if before_due is None else str(before_due),
                                after=None if due is None else str(due),
                                extra={
                                    "data": {
                                        "due_date_time": bool(data.get("due_date_time")),
                                        "old_due_date_time": False,
                                    }
                                },
                            )
                        ],
                    )
                )
        for key, hist_field in (
            ("name", "name"),
            ("description", "content"),
            ("markdown_content", "content"),
            ("markdown_description", "content"),
        ):
            if key not in data:
                continue
            value = data[key]
            if not isinstance(value, str) or (key == "name" and not value.strip()):
                raise _bad(f"{key} must be a non-empty string", "INPUT_002")
            attr = "name" if key == "name" else "description"
            if task[attr] != value:
                before_text = task[attr]
                task[attr] = value
                changes.append(
                    (
                        "taskUpdated",
                        [self._history(task, user_id, hist_field, before=before_text, after=value)],
                    )
                )
        if "priority" in data and data["priority"] != task["priority"]:
            before_priority = task["priority"]
            task["priority"] = data["priority"]
            changes.append(
                (
                    "taskPriorityUpdated",
                    [
                        self._history(
                            task,
                            user_id,
                            "priority",
                            before=_PRIORITIES.get(before_priority),
                            after=_PRIORITIES.get(data["priority"]),
                        )
                    ],
                )
            )
        if "archived" in data and data["archived"] != task["archived"]:
            task["archived"] = data["archived"]
            changes.append(
                (
                    "taskUpdated",
                    [
                        self._history(
                            task,
                            user_id,
                            "archived",
                            before=not data["archived"],
                            after=data["archived"],
                        )
                    ],
                )
            )
        if changes:
            self._touch(task)
            for event, items in changes:
                self._emit(task, event, items)
        return self._task_api(task)

    def _delete_task(self, task: dict[str, Any], user_id: int) -> None:
        del self._tasks[task["id"]]
        self._deleted.add(task["id"])
        self._changes += 1
        self._emit(task, "taskDeleted", None)

    def _add_comment(
        self, task: dict[str, Any], user_id: int, text: str, assignee: Any
    ) -> dict[str, Any]:
        number = self._next()
        now = str(_ms(self.clock()))
        comment = {
            "id": str(90000000 + number),
            "hist_id": str(26500 + number),
            "comment": [{"text": text}],
            "comment_text": text,
            "user": self._user_api(user_id),
            "resolved": False,
            "assignee": None if assignee is None else self._user_api(int(assignee)),
            "assigned_by": None if assignee is None else self._user_api(user_id),
            "reactions": [],
            "date": now,
            "reply_count": 0,
        }
        self._comments.setdefault(task["id"], []).append(comment)
        self._touch(task)
        self._emit(
            task,
            "taskCommentPosted",
            [
                self._history(
                    task,
                    user_id,
                    "comment",
                    before=None,
                    after=comment["id"],
                    extra={
                        "comment": {
                            "id": comment["id"],
                            "date": now,
                            "parent": task["id"],
                            "type": 1,
                            "comment": [{"text": text}],
                            "text_content": text,
                            "user": self._user_api(user_id),
                            "resolved": 0,
                            "assignee": None,
                            "reactions": [],
                            "emails": [],
                        }
                    },
                )
            ],
        )
        return copy.deepcopy(comment)

    def _touch(self, task: dict[str, Any]) -> None:
        task["date_updated"] = str(_ms(self.clock()))
        self._changes += 1

    def _history(
        self,
        task: dict[str, Any],
        user_id: int,
        field_name: str,
        *,
        before: Any,
        after: Any,
        extra: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        item: dict[str, Any] = {
            "id": str(2800763136700000000 + self._next_history()),
            "type": 1,
            "date": str(_ms(self.clock())),
            "field": field_name,
            "parent_id": task["list_id"],
            "data": {},
            "source": None,
            "user": self._user_api(user_id),
            "before": copy.deepcopy(before),
            "after": copy.deepcopy(after),
        }
        item.update(copy.deepcopy(extra or {}))
        return item

    def _emit(
        self, task: dict[str, Any], event: str, history_items: list[dict[str, Any]] | None
    ) -> None:
        lst = self._lists[task["list_id"]]
        for hook in self._webhooks.values():
            if hook["status"] != "active" or hook["health"]["status"] == "suspended":
                continue
            if hook["userid"] in self._inactive or hook["team_id"] != lst["team_id"]:
                continue
            if "*" not in hook["events"] and event not in hook["events"]:
                continue
            scope = hook["scope"]
            if (
                scope["task_id"] not in (None, task["id"])
                or scope["list_id"] not in (None, lst["id"])
                or scope["folder_id"] not in (None, lst["folder"]["id"])
                or scope["space_id"] not in (None, lst["space"]["id"])
            ):
                continue
            payload: dict[str, Any] = {"event": event}
            if history_items is not None:
                payload["history_items"] = copy.deepcopy(history_items)
            payload["task_id"] = task["id"]
            payload["webhook_id"] = hook["id"]
            body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
            self._events.append(
                WebhookEvent(
                    index=len(self._events),
                    webhook_id=hook["id"],
                    endpoint=hook["endpoint"],
                    event=event,
                    task_id=task["id"],
                    payload=payload,
                    body=body,
                    signature=sign(hook["secret"], body),
                )
            )

    def _next(self) -> int:
        self._serial += 1
        return self._serial

    def _next_history(self) -> int:
        self._history_serial += 1
        return self._history_serial

    # -- lookups (lock held) -----------------------------------------------------------------

    def _add_user(self, member: dict[str, Any]) -> dict[str, Any]:
        user_id = member.get("id")
        if not _is_int(user_id):
            raise ValueError("a member's id is an integer")
        assert isinstance(user_id, int)
        username = str(member.get("username") or member.get("email") or user_id)
        user = {
            "id": user_id,
            "username": username,
            "email": str(member.get("email") or ""),
            "color": str(member.get("color") or "#7b68ee"),
            "initials": _initials(username),
            "profilePicture": None,
        }
        self._users[user_id] = user
        return user

    def _user_api(self, user_id: int) -> dict[str, Any]:
        user = self._users.get(user_id)
        if user is None:
            user = {
                "id": user_id,
                "username": str(user_id),
                "email": "",
                "color": "#7b68ee",
                "initials": "?",
                "profilePicture": None,
            }
        return dict(user)

    def _team(self, team_id: str) -> dict[str, Any]:
        team = self._teams.get(str(team_id))
        if team is None:
            raise KeyError(f"unknown workspace {team_id}")
        return team

    def _member_team(self, team_id: str, user_id: int) -> dict[str, Any]:
        team = self._teams.get(team_id)
        if team is None or user_id not in team["members"]:
            raise ClickUpError(401, "Team not authorized", "OAUTH_027")
        return team

    def _list(self, list_id: str) -> dict[str, Any]:
        lst = self._lists.get(list_id)
        if lst is None:
            raise KeyError(f"unknown list {list_id}")
        return lst

    def _visible_list(self, list_id: str, user_id: int) -> dict[str, Any]:
        lst = self._lists.get(list_id)
        if lst is None:
            raise ClickUpError(404, "List not found", "LIST_001")
        if user_id not in self._teams[lst["team_id"]]["members"]:
            raise ClickUpError(401, "Team not authorized", "OAUTH_027")
        return lst

    def _live_task(self, task_id: str) -> dict[str, Any]:
        task = self._tasks.get(task_id)
        if task is None:
            raise KeyError(f"unknown or deleted task {task_id}")
        return task

    def _visible_task(self, task_id: str, user_id: int) -> dict[str, Any]:
        task = self._tasks.get(task_id)
        if task is None:
            raise ClickUpError(404, "Task not found, deleted", "ITEM_013")
        self._visible_list(task["list_id"], user_id)
        return task

    def _status(self, lst: dict[str, Any], name: Any) -> dict[str, Any]:
        if not isinstance(name, str):
            raise _bad("Status must be a string", "INPUT_002")
        for status in lst["statuses"]:
            if status["status"] == name.strip().lower():
                return dict(status)
        raise _bad("Status does not exist", "CRTSK_001")

    def _member_id(self, task: dict[str, Any], raw: Any) -> int:
        if not _is_int(raw):
            raise _bad("Assignee must be a user id (an integer)", "INPUT_002")
        team = self._teams[self._lists[task["list_id"]]["team_id"]]
        if raw not in team["members"]:
            raise _bad("Assignee is not a member of the workspace", "ITEM_064")
        assert isinstance(raw, int)
        return raw

    def _own_webhook(self, hook_id: str, user_id: int) -> dict[str, Any]:
        hook = self._webhooks.get(hook_id)
        if hook is None or hook["userid"] != user_id:
            raise ClickUpError(404, "Webhook not found", "WH_404")
        return hook

    # -- answers (lock held) -----------------------------------------------------------------

    def _field_api(self, field_id: str) -> dict[str, Any]:
        definition = dict(self._fields[field_id])
        definition.pop("list_id", None)
        return copy.deepcopy(definition)

    def _task_api(self, task: dict[str, Any]) -> dict[str, Any]:
        lst = self._lists[task["list_id"]]
        fields = []
        for field_id in lst["fields"]:
            shaped = self._field_api(field_id)
            if field_id in task["field_values"]:
                shaped["value"] = copy.deepcopy(task["field_values"][field_id])
            fields.append(shaped)
        creator = self._user_api(task["creator"])
        return {
            "id": task["id"],
            "custom_id": None,
            "custom_item_id": 0,
            "name": task["name"],
            "text_content": task["description"],
            "description": task["description"],
            "status": _status_brief(task["status"]) | {"id": task["status"]["id"]},
            "orderindex": "1.00000000000000000000000000000000",
            "date_created": task["date_created"],
            "date_updated": task["date_updated"],
            "date_closed": task["date_closed"],
            "date_done": task["date_closed"],
            "archived": task["archived"],
            "creator": {
                k: creator[k] for k in ("id", "username", "color", "email", "profilePicture")
            },
            "assignees": [self._user_api(a) for a in task["assignees"]],
            "group_assignees": [],
            "watchers": [self._user_api(task["creator"])],
            "checklists": [],
            "tags": [{"name": t, "tag_fg": "#ffffff", "tag_bg": "#7b68ee"} for t in task["tags"]],
            "parent": None,
            "top_level_parent": None,
            "priority": copy.deepcopy(_PRIORITIES.get(task["priority"])),
            "due_date": None if task["due_date"] is None else str(task["due_date"]),
            "start_date": None,
            "points": None,
            "time_estimate": None,
            "custom_fields": fields,
            "dependencies": [],
            "linked_tasks": [],
            "locations": [],
            "team_id": lst["team_id"],
            "url": f"https://app.clickup.com/t/{task['id']}",
            "permission_level": "create",
            "list": {"id": lst["id"], "name": lst["name"], "access": True},
            "project": {
                "id": lst["folder"]["id"],
                "name": lst["folder"]["name"],
                "hidden": False,
                "access": True,
            },
            "folder": copy.deepcopy(lst["folder"]),
            "space": {"id": lst["space"]["id"]},
        }

    def _webhook_api(self, hook: dict[str, Any]) -> dict[str, Any]:
        def as_number(value: str | None) -> int | str | None:
            return int(value) if value is not None and value.isdigit() else value

        return {
            "id": hook["id"],
            "userid": hook["userid"],
            "team_id": int(hook["team_id"]) if hook["team_id"].isdigit() else hook["team_id"],
            "endpoint": hook["endpoint"],
            "client_id": None,
            "events": list(hook["events"]),
            "task_id": hook["scope"]["task_id"],
            "list_id": as_number(hook["scope"]["list_id"]),
            "folder_id": as_number(hook["scope"]["folder_id"]),
            "space_id": as_number(hook["scope"]["space_id"]),
            "health": dict(hook["health"]),
            "secret": hook["secret"],
        }


# -- validation helpers ------------------------------------------------------------------------


def _no_body(body: Any) -> None:
    if body not in (None, {}):
        raise _bad("This endpoint takes no body", "INPUT_004")


def _object(body: Any, allowed: frozenset[str]) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise _bad("Body must be a JSON object", "INPUT_001")
    unknown = sorted(set(body) - allowed)
    if unknown:
        raise _bad(f"Unknown field: {unknown[0]}", "INPUT_006")
    return body


def _optional_ms(data: dict[str, Any], key: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if not _is_int(value) or value < 0:
        raise _bad(f"{key} must be a Unix time in milliseconds", "INPUT_002")
    assert isinstance(value, int)
    if value < 10**11:  # seconds where milliseconds were meant: 1973 in ms
        raise _bad(f"{key} looks like seconds, not milliseconds", "INPUT_002")
    return value


def _check_types(data: dict[str, Any]) -> None:
    bools = (
        "due_date_time",
        "start_date_time",
        "notify_all",
        "archived",
        "check_required_custom_fields",
    )
    for key in bools:
        if key in data and not isinstance(data[key], bool):
            raise _bad(f"{key} must be a boolean", "INPUT_002")
    if "priority" in data and data["priority"] is not None and data["priority"] not in _PRIORITIES:
        raise _bad("Priority must be 1 (urgent) to 4 (low) or null", "INPUT_002")
    for key in ("description", "markdown_description", "markdown_content"):
        if key in data and not isinstance(data[key], str):
            raise _bad(f"{key} must be a string", "INPUT_002")
    if "tags" in data and (
        not isinstance(data["tags"], list) or not all(isinstance(t, str) for t in data["tags"])
    ):
        raise _bad("tags must be an array of names", "INPUT_002")


def _events(value: Any, *, required: bool) -> list[str]:
    if value is None and not required:
        return []
    if value == "*" or value == ["*"]:
        return ["*"]
    if not isinstance(value, list) or not value:
        raise _bad('Events must be a non-empty array of event names or "*"', "WH_003")
    for name in value:
        if name not in EVENTS:
            raise _bad(f"Unknown event: {name}", "WH_003")
    return list(dict.fromkeys(value))


def _field_value(definition: dict[str, Any], value: Any) -> Any:
    kind = definition["type"]
    ok = True
    if kind in ("short_text", "text", "url", "email", "phone"):
        ok = isinstance(value, str)
    elif kind in ("number", "currency", "manual_progress"):
        ok = (isinstance(value, int | float) and not isinstance(value, bool)) or (
            isinstance(value, str) and re.fullmatch(r"-?\d+(\.\d+)?", value) is not None
        )
    elif kind == "checkbox":
        ok = isinstance(value, bool)
    elif kind == "date":
        ok = _is_int(value)
    elif kind == "drop_down":
        options = definition["type_config"].get("options", [])
        ids = [o["id"] for o in options]
        if _is_int(value) and 0 <= value < len(options):
            return ids[value]
        ok = value in ids
        if not ok:
            raise _bad("Value must be an option index or uuid", "FIELD_011")
    if not ok:
        raise _bad(f"Value is not valid for a {kind} field", "FIELD_007")
    return value


def _status_brief(status: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": status["status"],
        "color": status["color"],
        "orderindex": status["orderindex"],
        "type": status["type"],
    }


def _query_int(query: dict[str, list[str]], key: str, default: int) -> int:
    values = query.get(key)
    if not values:
        return default
    if not values[0].isdigit():
        raise _bad(f"{key} must be a non-negative integer", "INPUT_003")
    return int(values[0])


def _query_bool(query: dict[str, list[str]], key: str) -> bool:
    values = query.get(key)
    if not values:
        return False
    if values[0] not in ("true", "false"):
        raise _bad(f"{key} must be true or false", "INPUT_003")
    return values[0] == "true"


def _send(
    req: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    content_type: str,
    headers: dict[str, str],
) -> None:
    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
        req.send_response(status)
        req.send_header("Content-Type", content_type)
        req.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            req.send_header(name, value)
        req.end_headers()
        req.wfile.write(body)


class _RequestHandler(BaseHTTPRequestHandler):
    server_api: ClickUpApiServer
    server_version = "ClickUpApiServer/1.0"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self.server_api._handle(self, "GET")

    def do_POST(self) -> None:
        self.server_api._handle(self, "POST")

    def do_PUT(self) -> None:
        self.server_api._handle(self, "PUT")

    def do_DELETE(self) -> None:
        self.server_api._handle(self, "DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output quiet
