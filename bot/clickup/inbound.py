"""What ClickUp tells podbot (issue 31): `POST /clickup/webhook`'s events, each history item
handled once (`clickup_history`), in one transaction per delivery.

* The signature first: `X-Signature` is the hex HMAC-SHA256 of the raw body keyed by the
  secret of the webhook podbot made (`clickup_webhooks`); a body no secret signs is refused
  (401) before it is parsed. Then a body whose history items are all older than
  `MAX_AGE_SECONDS` is refused as stale (a replay).
* A comment by a person → a line in the card's thread, "💬 via ClickUp — Dana: …".
* A status set by a person → the timeline; when it maps to a decision podbot makes (a close,
  a disqualification) a prompt in the thread with the card's button, never a silent close.
* An assignee set by a person → a prompt to reassign the request (the buyer picker).
* What podbot's own token did (the webhook's `userid`) is not echoed back.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.blocks.clickup import clickup_comment_line, clickup_reassign_prompt, clickup_stage_prompt
from bot.consequences import unit_of_work
from bot.db.models import ClickUpHistoryItem, ClickUpLink, ClickUpWebhook, PodRow, Request
from bot.db.people import names_of
from bot.db.requests import record_event
from bot.domain.events import ThreadLine
from bot.domain.vocabulary import EventKind, Stage, counts_as_buyer
from bot.slack.web_api import WebApiError

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)
PATH = "/clickup/webhook"
# A delivery whose history items are all older than this is a replay, refused.
MAX_AGE_SECONDS = 24 * 3600
OPEN = (Stage.INTAKE, Stage.QUALIFIED, Stage.NEGOTIATING)


class Rejected(Exception):
    """A delivery refused before anything is handled: `status` and one reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status, self.reason = status, reason


def signed_by(body: bytes, signature: str | None, hooks: list[tuple[str, str]]) -> str:
    """The id of the webhook whose secret signs `body` (hex HMAC-SHA256 in X-Signature), or
    Rejected (401)."""
    if not signature:
        raise Rejected(401, "no ClickUp signature")
    for webhook_id, secret in hooks:
        expected = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
        if hmac.compare_digest(expected, signature.strip().lower()):
            return webhook_id
    raise Rejected(401, "a bad ClickUp signature")


def receive(runtime: Runtime, body: bytes, signature: str | None) -> str:
    """Verify, parse and handle one delivery; returns what was done (for the log), or raises
    Rejected."""
    with runtime.db.reading() as session:
        hooks = [
            (row.webhook_id, row.secret, row.user_id)
            for row in session.scalars(select(ClickUpWebhook))
        ]
    webhook_id = signed_by(body, signature, [(h, s) for h, s, _ in hooks])
    try:
        payload = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise Rejected(400, "the body is not JSON") from None
    if not isinstance(payload, dict) or str(payload.get("webhook_id")) != webhook_id:
        raise Rejected(400, "the body is not this webhook's event")
    items = [item for item in payload.get("history_items") or [] if isinstance(item, dict)]
    now = runtime.outbox_worker.clock.now()  # real time (a test's simulated delivery time)
    dates = [_instant(item.get("date")) for item in items]
    known = [d for d in dates if d is not None]
    if known and max(known) < now - timedelta(seconds=MAX_AGE_SECONDS):
        raise Rejected(400, "a stale event (a replay)")
    own = next((user for h, _, user in hooks if h == webhook_id), None)
    if own is None and runtime.clickup is not None:
        own = str(runtime.clickup.user().get("id") or "") or None
    # Whose Slack account each assignee added is, asked before the transaction (never wait
    # on Slack holding the database's writer).
    people: dict[str, str | None] = {}
    for item in items:
        after = item.get("after")
        if item.get("field") == "assignee_add" and isinstance(after, dict) and after.get("email"):
            email = str(after["email"]).lower()
            try:
                people[email] = runtime.slack.user_by_email(email)
            except WebApiError:
                people[email] = None
    try:
        return handle(runtime, payload, items, own, people)
    except IntegrityError:
        # The same history item handled by a concurrent delivery, committed first: this one
        # wrote nothing; ClickUp's retry of it will find it handled.
        raise Rejected(409, "the same event is being handled by another delivery") from None


def _instant(value: Any) -> datetime | None:
    try:
        return datetime.fromtimestamp(int(value) / 1000, UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def handle(
    runtime: Runtime, payload: dict[str, Any], items: list[dict[str, Any]], own: str | None,
    people: dict[str, str | None] | None = None,
) -> str:  # fmt: skip
    """The delivery's history items, each once, in one transaction."""
    event = str(payload.get("event") or "")
    task_id = str(payload.get("task_id") or "")
    done: list[str] = []
    with unit_of_work(runtime) as (work, outbox):
        session = work.session
        link = session.scalar(select(ClickUpLink).where(ClickUpLink.task_id == task_id))
        for item in items:
            item_id = str(item.get("id") or "")
            if not item_id or session.get(ClickUpHistoryItem, item_id) is not None:
                continue
            session.add(
                ClickUpHistoryItem(item_id=item_id, task_id=task_id or None, event=event[:32],
                                   handled_at=work.now)
            )  # fmt: skip
            user = item.get("user") if isinstance(item.get("user"), dict) else {}
            assert isinstance(user, dict)
            if link is None or link.state != "active":
                done.append("not a linked task")
                continue
            if own is not None and str(user.get("id")) == own:
                done.append("podbot's own")
                continue
            request = session.get(Request, link.request_id)
            assert request is not None
            person = str(user.get("username") or user.get("email") or "someone in ClickUp")
            field = item.get("field")
            if event == "taskCommentPosted" or field == "comment":
                work.record(ThreadLine(request.id, clickup_comment_line(person, _comment(item))))
                done.append("comment")
            elif event == "taskStatusUpdated" or field == "status":
                done.append(_status(runtime, work, link, request, item, person))
            elif event == "taskAssigneeUpdated" or field == "assignee_add":
                done.append(_assignee(runtime, work, request, item, person, people or {}))
            elif event == "taskDeleted":
                link.state = "deleted"
                work.record(
                    ThreadLine(
                        request.id,
                        f":warning: {person} deleted {request.key}'s ClickUp task: podbot no "
                        "longer tells it anything.",
                    )
                )
                done.append("deleted")
            else:
                done.append(f"{event or field}: nothing to do")
    outbox.deliver()
    return ", ".join(done) or "nothing new"


def _comment(item: dict[str, Any]) -> str:
    comment = item.get("comment") if isinstance(item.get("comment"), dict) else {}
    assert isinstance(comment, dict)
    text = comment.get("text_content") or comment.get("comment_text")
    if not text and isinstance(comment.get("comment"), list):
        text = "".join(str(part.get("text", "")) for part in comment["comment"])
    return str(text or "")


def _status_of(value: Any) -> str:
    if isinstance(value, dict):
        return str(value.get("status") or "")
    return str(value or "")


def _status(
    runtime: Runtime, work: Any, link: ClickUpLink, request: Request, item: dict[str, Any],
    person: str,
) -> str:  # fmt: skip
    before, after = _status_of(item.get("before")), _status_of(item.get("after"))
    record_event(
        work.session, request, at=work.now, actor="clickup", kind=EventKind.CLICKUP,
        text=f"{person} set the ClickUp status {before or '—'} → {after}",
        data={"status": after, "before": before, "by": person},
    )  # fmt: skip
    link.status = after  # what the task shows now: podbot sets its own again when it changes
    pod_key = work.session.scalar(select(PodRow.key).where(PodRow.id == request.pod_id))
    pod = runtime.config.find_pod(pod_key) if pod_key else None
    keys = pod.clickup.keys_for(after) if pod is not None and pod.clickup is not None else []
    action = None
    if request.stage == Stage.NEGOTIATING and any(k.startswith("closed") for k in keys):
        action = "close"
    elif request.stage == Stage.INTAKE and "disqualified" in keys:
        action = "disqualify"
    elif request.stage in OPEN and any(k.startswith("closed") or k == "disqualified" for k in keys):
        action = "close" if request.stage == Stage.NEGOTIATING else "disqualify"
    if action is not None:
        text, blocks = clickup_stage_prompt(request.id, request.key, person, after, action)
        work.record(ThreadLine(request.id, text, tuple(blocks)))
        return f"status {after}: asked to {action}"
    return f"status {after}: on the timeline"


def _assignee(
    runtime: Runtime, work: Any, request: Request, item: dict[str, Any], person: str,
    people: dict[str, str | None],
) -> str:  # fmt: skip
    added = item.get("after")
    if not isinstance(added, dict):
        return "assignee removed: nothing to do"
    email = str(added.get("email") or "").lower()
    name = str(added.get("username") or email or "someone")
    buyer: str | None = None
    if email:
        user = people.get(email)
        pod_key = work.session.scalar(select(PodRow.key).where(PodRow.id == request.pod_id))
        pod = runtime.config.find_pod(pod_key) if pod_key else None
        role = pod.role_of(user) if user is not None and pod is not None else None
        if user is not None and role is not None and counts_as_buyer(role):
            buyer = user
    if buyer is not None and buyer == request.buyer_id:
        return "assignee: already the buyer"
    names = names_of(work.session, [buyer]) if buyer else {}
    text, blocks = clickup_reassign_prompt(
        request.id, request.key, person, name, buyer, names.get(buyer or "", name)
    )
    work.record(ThreadLine(request.id, text, tuple(blocks) if blocks else None))
    return "assignee: asked to reassign" if buyer else "assignee: no POD buyer"
