"""The sandbox's ClickUp: the stand-in (`clickupfake`) beside the Slack one, a workspace made of
the demo's people, each POD's list, and what the page shows and does there.

* The stand-in listens on its own local port; podbot's ClickUp client is pointed at it (the
  settings' CLICKUP_API_URL and CLICKUP_TOKEN, never the real ClickUp), with the token of a
  service account, "podbot", as issue 31 advises for a real install.
* Each POD with a `clickup = { list_id = …, statuses = { … } }` table gets that list, with the
  statuses its mapping names (in the mapping's order) and the custom field that holds the REQ
  key. The workspace's members are the demo's people, with the emails the Slack stand-in
  gives them (`handle@example.com`), so podbot matches people by email as it would in
  production.
* The page's ClickUp view lists each POD's tasks (status, assignees, due date, comments); its
  forms comment on a task or move its status *as the person acting*, which fires the webhook
  to podbot's `POST /clickup/webhook`, signed with the webhook's secret, as ClickUp would.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol
from zoneinfo import ZoneInfo

from sqlalchemy import select

from bot.clickup import admin
from bot.clickup.client import ClickUpError as ClickUpApiError
from bot.clickup.inbound import PATH as WEBHOOK_PATH
from bot.config import Config, Settings
from bot.db.models import ClickUpWebhook
from clickupfake.api import ClickUpApiServer, ClickUpError

if TYPE_CHECKING:
    from bot.runtime import Runtime

__all__ = ["SERVICE_USER", "TOKEN", "WORKSPACE", "SandboxClickUp"]

WORKSPACE = "9015000001"  # the demo workspace's id, unless `[clickup] workspace_id` names one
SERVICE_USER = 81000000  # podbot's service account in the demo workspace
TOKEN = "pk_81000000_SANDBOXSERVICEACCOUNT"
FIRST_PERSON = 81000001
DEFAULT_STATUSES = ("to do", "in progress", "complete")
# Mapping keys whose status closes a task in ClickUp's sense (type "closed").
_CLOSING = ("closed", "closed-won", "closed-lost", "closed-cancelled", "disqualified")


class _Person(Protocol):
    @property
    def id(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def handle(self) -> str: ...


class SandboxClickUpError(Exception):
    """What the page asked of ClickUp cannot be done; the message says why."""


def _pod_list(pod: Any) -> tuple[str, dict[str, str], str | None] | None:
    """A POD's (list id, stage → status mapping, REQ field id), or None when not synced."""
    link = getattr(pod, "clickup", None)
    list_id = getattr(link, "list_id", None)
    if not list_id:
        return None
    statuses = dict(getattr(link, "statuses", None) or {})
    return str(list_id), statuses, getattr(link, "req_field", None)


def list_statuses(mapping: dict[str, str]) -> list[dict[str, str]]:
    """The statuses a POD's list has in the demo: those its mapping names, in its order (the
    first one open, those of a close or disqualification closed), or ClickUp's defaults."""
    names = list(dict.fromkeys(s.strip().lower() for s in mapping.values()))
    if not names:
        names = list(DEFAULT_STATUSES)
    closing = {mapping[k].strip().lower() for k in _CLOSING if k in mapping}
    if not closing:
        closing = {names[-1]} if len(names) > 1 else set()
    shaped = []
    for i, name in enumerate(names):
        kind = "open" if i == 0 else "closed" if name in closing else "custom"
        shaped.append({"status": name, "type": kind})
    return shaped


class SandboxClickUp:
    """The ClickUp stand-in of one sandbox, its demo workspace and the page's view of it."""

    def __init__(
        self,
        config: Config,
        people: Sequence[_Person],
        clock: Callable[[], float],
        saved: dict[str, Any] | None = None,
    ) -> None:
        self.config = config
        self.people = list(people)
        # ClickUp user ids of the demo's people, in the page's order (stable for a config).
        self.ids = {p.id: FIRST_PERSON + i for i, p in enumerate(self.people)}
        self._slack_of = {v: k for k, v in self.ids.items()}
        section = getattr(config, "clickup", None)
        self.workspace = str(getattr(section, "workspace_id", None) or WORKSPACE)
        self.api = ClickUpApiServer(clock=clock, auto_deliver=True)
        self._restored = bool(saved)
        if saved:
            self.api.restore(saved)

    @property
    def enabled(self) -> bool:
        """Whether any POD syncs with a ClickUp list."""
        return any(_pod_list(pod) for pod in self.config.pods)

    # -- lifecycle -------------------------------------------------------------------------

    def start(self) -> str:
        """Start the stand-in (seeding the workspace on a first start); returns its API URL."""
        self.api.start()
        if not self._restored:
            self._seed()
        return self.api.url

    def stop(self) -> None:
        self.api.stop()

    def stop_webhooks(self) -> None:
        """Send podbot no more webhook events (those still queued are dropped): first thing
        as the sandbox stops, so none reaches a podbot that is stopping."""
        self.api.stop_deliveries()

    def snapshot(self) -> dict[str, Any]:
        return self.api.snapshot()

    def settings(self, settings: Settings) -> Settings:
        """podbot's settings pointed at the stand-in, with the service account's token (when
        this podbot has a ClickUp side: the fields exist)."""
        names = {f.name for f in dataclasses.fields(settings)}
        extra: dict[str, Any] = {"clickup_api_url": self.api.url, "clickup_token": TOKEN}
        present = {k: v for k, v in extra.items() if k in names}
        return dataclasses.replace(settings, **present) if present else settings

    def connect(self, runtime: Runtime, page_url: str) -> list[str]:
        """podbot's webhook on each POD's list, pointed at this sandbox's `/clickup/webhook`,
        made as `podbot clickup webhook create` makes it (`bot.clickup.admin`): through
        podbot's client with the service account's token, its secret kept in
        `clickup_webhooks`. A webhook of an earlier run pointing elsewhere (another port) is
        deleted first. Returns the list ids newly hooked."""
        if runtime.clickup is None:
            return []
        endpoint = page_url.rstrip("/") + WEBHOOK_PATH
        with runtime.db.reading() as session:
            rows = [(r.webhook_id, r.list_id, r.endpoint) for r in session.scalars(
                select(ClickUpWebhook))]  # fmt: skip
        hooked = set()
        for webhook_id, list_id, old_endpoint in rows:
            if old_endpoint == endpoint:
                hooked.add(list_id)
                continue
            try:
                admin.delete_webhook(runtime, webhook_id)
            except ClickUpApiError:  # gone from the stand-in already: forget its secret
                with runtime.db.transaction() as session:
                    row = session.get(ClickUpWebhook, webhook_id)
                    if row is not None:
                        session.delete(row)
        made = []
        for pod in self.config.pods:
            link = _pod_list(pod)
            if link is None or link[0] in hooked:
                continue
            admin.create_webhook(runtime, link[0], endpoint)
            made.append(link[0])
        return made

    def _seed(self) -> None:
        members = [{"id": SERVICE_USER, "email": "podbot@example.com", "username": "podbot"}]
        members += [
            {"id": self.ids[p.id], "email": f"{p.handle}@example.com", "username": p.name}
            for p in self.people
        ]
        self.api.add_workspace(self.workspace, members, name="Procurement (demo)")
        self.api.add_token(TOKEN, SERVICE_USER)
        for index, pod in enumerate(self.config.pods):
            link = _pod_list(pod)
            if link is None:
                continue
            list_id, mapping, req_field = link
            self.api.add_list(
                list_id,
                f"{pod.name} requests",
                list_statuses(mapping),
                team_id=self.workspace,
                space_id="901500100",
                folder_id=f"90150020{index}",
                space_name="Procurement",
                folder_name=pod.name,
            )
            self.api.add_custom_field(list_id, req_field or f"req-{pod.key}", "podbot request")

    # -- what the page shows ---------------------------------------------------------------

    def version(self) -> int:
        return self.api.version

    def state(self, now: datetime) -> dict[str, Any]:
        """Each POD's list as the page shows it (no lists: ClickUp is not configured)."""
        lists = []
        for pod in self.config.pods:
            link = _pod_list(pod)
            if link is None:
                continue
            list_id, _mapping, req_field = link
            zone = ZoneInfo(pod.timezone)
            tasks = self.api.tasks(list_id, include_archived=False)
            lists.append(
                {
                    "pod": pod.key,
                    "name": pod.name,
                    "list_id": list_id,
                    "statuses": [s["status"] for s in list_statuses(_mapping)],
                    "tasks": [
                        self._task_json(t, zone, req_field or f"req-{pod.key}") for t in tasks
                    ],
                }
            )
        return {
            "enabled": bool(lists),
            "workspace": self.workspace,
            "url": self.api.url if self.api_running else "",
            "lists": lists,
            "deliveries": sum(len(e.deliveries) for e in self.api.events),
            "now": now.isoformat(),
        }

    @property
    def api_running(self) -> bool:
        try:
            self.api.url  # noqa: B018  (raises when the stand-in is not serving)
        except RuntimeError:
            return False
        return True

    def _task_json(self, task: dict[str, Any], zone: ZoneInfo, req_field: str) -> dict[str, Any]:
        due = task.get("due_date")
        due_text = ""
        if due:
            local = datetime.fromtimestamp(int(due) / 1000, UTC).astimezone(zone)
            due_text = f"{local:%a %d %b %Y}"
        req = next(
            (f.get("value") for f in task.get("custom_fields", []) if f["id"] == req_field), None
        )
        comments = []
        for comment in self.api.comments(task["id"]):
            when = datetime.fromtimestamp(int(comment["date"]) / 1000, UTC).astimezone(zone)
            comments.append(
                {
                    "id": comment["id"],
                    "name": comment["user"]["username"],
                    "bot": comment["user"]["id"] == SERVICE_USER,
                    "text": comment["comment_text"],
                    "time": f"{when:%a %d %b %H:%M}",
                }
            )
        return {
            "id": task["id"],
            "name": task["name"],
            "status": task["status"]["status"],
            "color": task["status"]["color"],
            "closed": task["status"]["type"] == "closed",
            "assignees": [a["username"] for a in task["assignees"]],
            "due": due_text,
            "req": req or "",
            "url": task["url"],
            "comments": comments,
        }

    # -- what the page does (as a person in ClickUp) ---------------------------------------

    def _person(self, user: str) -> int:
        member = self.ids.get(user)
        if member is None:
            raise SandboxClickUpError(f"{user} is not a member of the demo's ClickUp workspace")
        return member

    def _task(self, task_id: str) -> dict[str, Any]:
        task = self.api.task(task_id)
        if task is None:
            raise SandboxClickUpError(f"no ClickUp task {task_id!r} (deleted?)")
        return task

    def comment(self, user: str, task_id: str, text: str) -> str:
        """`user` comments on a task in ClickUp; the webhook reaches podbot before this returns."""
        if not text.strip():
            raise SandboxClickUpError("type a comment first")
        task = self._task(task_id)
        self.api.comment_as(task_id, self._person(user), text.strip())
        self.api.wait_deliveries()
        return f"commented on {task['name']} in ClickUp"

    def set_status(self, user: str, task_id: str, status: str) -> str:
        """`user` moves a task to another status in ClickUp; podbot hears of it by webhook."""
        task = self._task(task_id)
        try:
            self.api.set_status_as(task_id, self._person(user), status)
        except ClickUpError as exc:  # a status the list does not have
            raise SandboxClickUpError(
                f"cannot move {task['name']} to {status!r}: {exc.err}"
            ) from None
        self.api.wait_deliveries()
        return f"moved {task['name']} to {status!r} in ClickUp"
