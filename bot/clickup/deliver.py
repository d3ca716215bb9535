"""The outbox worker's sender of `clickup` rows (issue 31): one change to a request's task,
made through ClickUp's API at the workspace's pace.

* The pace: every process on the database takes the workspace's turn (`ChannelTurns`, as
  Slack's channels are paced) before a call, one `60 / rate_limit_per_minute` seconds apart.
* ClickUp's refusals become the worker's `WebApiError`s: a 429 waits until its
  `X-RateLimit-Reset`, a 5xx or no answer is retried with the worker's backoff, losing
  nothing; a task ClickUp no longer has (404) parks the row and every other open row of its
  lane (`task_deleted`, one log line, by the worker), marks the link deleted (nothing more is
  queued for it) and says so in the card's thread.
* A retry looks before doing again what may have been done: a task created before a crash is
  found in the list by its name; a comment by its text. Status, due date, assignee and field
  writes are the same when made twice.
"""

from __future__ import annotations

import logging
import re
import threading
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import update

from bot.clickup.client import NOT_FOUND, ClickUpApi, ClickUpError
from bot.db.models import ClickUpLink, OutboxKind, OutboxRow, OutboxStatus, Request
from bot.slack.web_api import WebApiError

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.config import Config
    from bot.db.session import Database
    from bot.slack.pacing import ChannelTurns
    from bot.slack.web_api import SlackApi
    from bot.slack.worker import Taken

log = logging.getLogger(__name__)
_MENTION = re.compile(r"<@([UW][A-Z0-9]+)>")
TASK_DELETED = "task_deleted"  # in the worker's PERMANENT: parked
NO_TASK = "no_task"  # the task was never created (its create row parked): parked


def millis(instant: datetime) -> int:
    return int(instant.timestamp() * 1000)


class ClickUpSender:
    """Sends `clickup` rows: narrow dependencies (database, config, ClickUp, Slack for a
    buyer's email and the card's link, the turns, the delivery clock)."""

    def __init__(
        self,
        db: Database,
        config: Config,
        api: ClickUpApi,
        slack: SlackApi,
        *,
        turns: ChannelTurns | None,
        clock: Clock,
    ) -> None:
        assert config.clickup is not None
        self.db, self.config, self.api, self.slack = db, config, api, slack
        self.turns, self.clock = turns, clock
        self.settings = config.clickup
        self.interval = 60.0 / self.settings.rate_limit_per_minute
        self._lock = threading.Lock()
        self._members: dict[str, int] | None = None  # email → ClickUp user id
        self._emails: dict[str, str | None] = {}  # Slack user → email
        self._names: dict[str, str] = {}  # Slack user → the name a comment shows

    # -- ClickUp, at the workspace's pace --------------------------------------------------

    def _call(self, method: str, *args: Any) -> Any:
        key = f"clickup:{self.settings.workspace_id or 'workspace'}"
        turn = self.turns.take(key, self.interval) if self.turns is not None else None
        try:
            return getattr(self.api, method)(*args)
        except ClickUpError as exc:
            retry = None
            if exc.reset_at is not None:
                retry = max(exc.reset_at - self.clock.now().timestamp(), 0.001)
            raise WebApiError("clickup", exc.error, retry_after=retry) from exc
        finally:
            if turn is not None and self.turns is not None:
                self.turns.give_back(turn, self.interval)

    def member(self, user: str | None) -> int | None:
        """The ClickUp member a Slack user is, matched by email; None when none is."""
        if not user:
            return None
        if user not in self._emails:
            try:
                self._emails[user] = self.slack.user_email(user)
            except WebApiError as exc:
                log.warning("%s's email is not known to Slack (%s): no ClickUp assignee", user,
                            exc.error)  # fmt: skip
                self._emails[user] = None
        email = self._emails[user]
        if email is None:
            return None
        with self._lock:
            if self._members is None or email not in self._members:
                self._members = self._read_members()
            return self._members.get(email)

    def _read_members(self) -> dict[str, int]:
        found: dict[str, int] = {}
        for team in self._call("workspaces"):
            if self.settings.workspace_id and str(team.get("id")) != self.settings.workspace_id:
                continue
            for member in team.get("members") or []:
                user = member.get("user") or {}
                if user.get("email") and user.get("id") is not None:
                    found[str(user["email"]).lower()] = int(user["id"])
        return found

    # -- sending -------------------------------------------------------------------------------

    def __call__(self, row: Taken) -> dict[str, Any]:
        payload = row.payload
        op = str(payload["op"])
        request_id = int(payload["request"])
        with self.db.reading() as session:
            link = session.get(ClickUpLink, request_id)
            task_id = link.task_id if link is not None else None
            list_id = link.list_id if link is not None else None
            gone = link is None or link.state != "active"
        if gone:
            # Unlinked since (the task was deleted): nothing to tell it.
            return {"skipped": "no active link"}
        assert list_id is not None
        if op == "create":
            return self._create(row, request_id, list_id, task_id)
        if task_id is None:
            raise WebApiError("clickup", NO_TASK)
        try:
            self._change(row, op, task_id, payload)
        except WebApiError as exc:
            cause = exc.__cause__
            if isinstance(cause, ClickUpError) and cause.status == NOT_FOUND:
                self._task_gone(row, request_id, task_id)
                raise WebApiError("clickup", TASK_DELETED) from cause
            raise
        return {"task": task_id, "op": op}

    def _change(self, row: Taken, op: str, task_id: str, payload: dict[str, Any]) -> None:
        if op == "comment":
            text = self._named(str(payload["text"]))
            if row.recovering and any(
                c.get("comment_text") == text for c in self._call("comments", task_id)
            ):
                log.info("delivery %s: the comment had reached ClickUp; not posting again", row.id)
                return
            self._call("comment", task_id, text)
        elif op == "status":
            self._call("update_task", task_id, {"status": payload["status"]})
        elif op == "due":
            due = datetime.fromisoformat(str(payload["due"]))
            self._call("update_task", task_id, {"due_date": millis(due), "due_date_time": True})
        elif op == "assignee":
            new, old = self.member(payload.get("user")), self.member(payload.get("previous"))
            if new is None and old is None:
                return
            change = {"add": [new] if new else [], "rem": [old] if old and old != new else []}
            self._call("update_task", task_id, {"assignees": change})
        elif op == "adopt":
            body: dict[str, Any] = {}
            if payload.get("status"):
                body["status"] = payload["status"]
            if payload.get("due"):
                body["due_date"] = millis(datetime.fromisoformat(str(payload["due"])))
                body["due_date_time"] = True
            assignee = self.member(payload.get("assignee"))
            if assignee is not None:
                body["assignees"] = {"add": [assignee], "rem": []}
            if body:
                self._call("update_task", task_id, body)
            field = self._req_field(int(payload["request"]))
            if field is not None:
                self._call("set_field", task_id, field, f"REQ-{payload['request']}")
        else:
            raise WebApiError("clickup", f"unknown_op_{op}")

    def _named(self, text: str) -> str:
        """`<@U…>` (a person podbot had no name for when the row was queued) by their name."""
        return _MENTION.sub(lambda m: self._name(m[1]), text)

    def _name(self, user: str) -> str:
        if user not in self._names:
            try:
                self._names[user] = self.slack.user_info(user).name or user
            except WebApiError:
                self._names[user] = user
        return self._names[user]

    def _req_field(self, request_id: int) -> str | None:
        with self.db.reading() as session:
            request = session.get(Request, request_id)
            pod = self.config.find_pod(request.pod.key) if request is not None else None
        return pod.clickup.req_field if pod is not None and pod.clickup is not None else None

    def _create(
        self, row: Taken, request_id: int, list_id: str, task_id: str | None
    ) -> dict[str, Any]:
        if task_id is not None:  # created by an earlier attempt, recorded
            return {"task": task_id, "op": "create"}
        payload = row.payload
        name = str(payload["name"])
        if row.recovering:
            for task in self._call("list_tasks", list_id):
                if task.get("name") == name:
                    log.info("delivery %s: %s had been created in ClickUp; not again", row.id, name)
                    return self._created(request_id, str(task["id"]))
        with self.db.reading() as session:
            request = session.get(Request, request_id)
            if request is None:
                return {"skipped": "no request"}
            pod = self.config.find_pod(request.pod.key)
            channel, ts = request.card_channel, request.card_ts
            description = self._description(request, pod.name if pod else request.pod.key)
        if ts is None and not row.recovering:
            # The card is in another lane: wait for it a little, for its link.
            raise WebApiError("clickup", "card_not_posted", retry_after=1.0)
        link = self.slack.permalink(channel, ts) if channel and ts else None
        body: dict[str, Any] = {
            "name": name,
            "description": (f"Card: {link}\n" if link else "") + description,
        }
        assignee = self.member(payload.get("assignee"))
        if assignee is not None:
            body["assignees"] = [assignee]
        if payload.get("status"):
            body["status"] = payload["status"]
        if payload.get("due"):
            body["due_date"] = millis(datetime.fromisoformat(str(payload["due"])))
            body["due_date_time"] = True
        field = pod.clickup.req_field if pod is not None and pod.clickup is not None else None
        if field is not None:
            body["custom_fields"] = [{"id": field, "value": f"REQ-{request_id}"}]
        created = self._call("create_task", list_id, body)
        return self._created(request_id, str(created["id"]))

    def _created(self, request_id: int, task_id: str) -> dict[str, Any]:
        with self.db.transaction() as session:
            session.execute(
                update(ClickUpLink)
                .where(ClickUpLink.request_id == request_id, ClickUpLink.task_id.is_(None))
                .values(task_id=task_id)
            )
        return {"task": task_id, "op": "create"}

    @staticmethod
    def _description(request: Request, pod_name: str) -> str:
        lines = [
            f"{request.key} · {pod_name} · {request.kind}",
            f"Customer: {request.customer}",
            f"Tool: {request.tool}",
        ]
        if request.amount is not None:
            lines.append(f"Current spend: {request.amount} {request.currency}")
        if request.renewal_date is not None:
            lines.append(f"Renewal date: {request.renewal_date.isoformat()}")
        if request.notes:
            lines.append(f"Notes: {request.notes}")
        lines.append("Kept by podbot: updates, quotes, claims, holds and the close arrive here.")
        return "\n".join(lines)

    def _task_gone(self, row: Taken, request_id: int, task_id: str) -> None:
        """ClickUp has no such task: the link is deleted, the lane's other open rows parked
        with this one, and the card's thread told (once)."""
        now = self.clock.now()
        with self.db.transaction() as session:
            link = session.get(ClickUpLink, request_id)
            if link is None or link.state != "active":
                return
            link.state = "deleted"
            session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.lane == row.lane,
                    OutboxRow.id != row.id,
                    OutboxRow.status == OutboxStatus.PENDING.value,
                )
                .values(status=OutboxStatus.PARKED.value, last_error=TASK_DELETED)
                .execution_options(synchronize_session=False)
            )
            request = session.get(Request, request_id)
            assert request is not None
            channel = request.card_channel
            if channel is None:
                pod = self.config.find_pod(request.pod.key)
                channel = pod.channel if pod is not None else None
            text = (
                f":warning: The ClickUp task of {request.key} (`{task_id}`) was deleted in "
                f"ClickUp: podbot no longer tells it anything. `/proc link {request.key} clickup "
                "<task id or URL>` links another."
            )
            session.add(
                OutboxRow(
                    lane=f"req:{request_id}", kind=OutboxKind.THREAD.value,
                    payload={"request": request_id, "text": text, "blocks": None},
                    channel=channel, status=OutboxStatus.PENDING.value, attempts=0,
                    created_at=now, next_attempt_at=now,
                )
            )  # fmt: skip
