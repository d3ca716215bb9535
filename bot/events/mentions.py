"""Mention tracking (SPEC §2 response clock): a person mentioning a POD member in a POD channel
opens a pending response for that member, due 24 working hours later; the member's reply in
the thread closes it. Edits and deletions of the mentioning message are followed.

Slack retries deliveries with the same `event_id`; the id is stored in the same transaction as
the changes, so a retried delivery changes nothing.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from slack_bolt import App
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.blocks.text import plural
from bot.config import Pod
from bot.consequences import record
from bot.db.compliance import record_shared_files
from bot.db.models import PendingResponse, ProcessedEvent, ResponseState
from bot.db.requests import pod_row
from bot.domain.events import MentionResolved
from bot.domain.mentions import find_user_mentions
from bot.domain.working_time import add_working_hours
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)
# Messages by people; anything else (bots, joins, topic changes) opens nothing.
_PERSON_SUBTYPES = {None, "thread_broadcast", "file_share"}


def handle_message_event(runtime: Runtime, body: dict[str, Any]) -> str:
    """Apply one `message` event; returns what it did, in words (for logs and tests)."""
    event = body.get("event") or {}
    pod = runtime.config.pod_for_channel(event.get("channel", ""))
    if pod is None:
        return "ignored: not a POD channel"
    event_id = body.get("event_id") or f"{event.get('channel')}:{event.get('event_ts')}"
    now = runtime.clock.now()
    outbox = Outbox(runtime)
    try:
        with runtime.db.transaction() as session:
            session.add(ProcessedEvent(event_id=event_id, received_at=now))
            session.flush()
            closed: list[int] = []
            outcome = _apply(session, runtime, pod, event, now, closed)
            # The reminder and escalation DMs about a mention now answered say so.
            if closed:
                record(session, outbox, MentionResolved(tuple(closed)))
    except IntegrityError:
        return "ignored: event already processed"
    outbox.deliver()
    return outcome


def _apply(
    session: Session,
    runtime: Runtime,
    pod: Pod,
    event: dict[str, Any],
    now: datetime,
    closed: list[int],
) -> str:
    subtype = event.get("subtype")
    channel = event["channel"]
    if subtype == "message_deleted":
        return _withdraw(session, channel, event.get("deleted_ts", ""), None, now, closed)
    if subtype == "message_changed":
        message = event.get("message") or {}
        if message.get("bot_id") or not message.get("user"):
            return "ignored: not a person's message"
        kept = set(_members_mentioned(pod, message))
        withdrawn = _withdraw(session, channel, message.get("ts", ""), kept, now, closed)
        opened = _open(session, runtime, pod, channel, message, now)
        return f"{withdrawn}; {opened}"
    if subtype not in _PERSON_SUBTYPES or event.get("bot_id") or not event.get("user"):
        return "ignored: not a person's message"
    answered = _close_answered(session, channel, event, now, closed)
    opened = _open(session, runtime, pod, channel, event, now)
    # Issue 33: a file shared in an open request's thread is a final document of its close.
    files = [str(f.get("name") or f.get("id")) for f in event.get("files") or [] if f]
    thread = event.get("thread_ts")
    if files and thread:
        key = record_shared_files(session, channel, thread, event["user"], files, now)
        if key is not None:
            return f"{answered}; {opened}; {plural(len(files), 'document')} on {key}"
    return f"{answered}; {opened}"


def _members_mentioned(pod: Pod, message: dict[str, Any]) -> list[str]:
    author = message.get("user")
    return [
        user
        for user in find_user_mentions(message.get("text") or "")
        if user != author and pod.role_of(user) is not None
    ]


def _open(
    session: Session,
    runtime: Runtime,
    pod: Pod,
    channel: str,
    message: dict[str, Any],
    now: datetime,
) -> str:
    members = _members_mentioned(pod, message)
    if not members:
        return "no mentions"
    ts = message["ts"]
    existing = set(
        session.scalars(
            select(PendingResponse.member).where(
                PendingResponse.channel == channel, PendingResponse.message_ts == ts
            )
        )
    )
    hours = runtime.config.clocks.response_hours
    due = add_working_hours(pod.calendar, now, hours)
    escalate = add_working_hours(pod.calendar, now, 2 * hours)
    pod_id = pod_row(session, pod.key).id
    opened = [m for m in members if m not in existing]
    for member in opened:
        session.add(
            PendingResponse(
                pod_id=pod_id,
                channel=channel,
                message_ts=ts,
                thread_ts=message.get("thread_ts") or ts,
                author=message["user"],
                member=member,
                mentioned_at=now,
                due_at=due,
                escalate_at=escalate,
                state=ResponseState.OPEN.value,
            )
        )
    return f"opened {plural(len(opened), 'pending response')}"


def _close_answered(
    session: Session, channel: str, event: dict[str, Any], now: datetime, closed: list[int]
) -> str:
    thread_ts = event.get("thread_ts")
    if not thread_ts:
        return "not a reply"
    result = session.execute(
        update(PendingResponse)
        .where(
            PendingResponse.channel == channel,
            PendingResponse.thread_ts == thread_ts,
            PendingResponse.member == event["user"],
            PendingResponse.state == ResponseState.OPEN.value,
        )
        .values(state=ResponseState.ANSWERED.value, closed_at=now)
        .returning(PendingResponse.id)
        .execution_options(synchronize_session=False)
    )
    ids = list(result.scalars())
    closed.extend(ids)
    return f"answered {len(ids)}"


def _withdraw(
    session: Session,
    channel: str,
    message_ts: str,
    keep: set[str] | None,
    now: datetime,
    closed: list[int],
) -> str:
    query = (
        update(PendingResponse)
        .where(
            PendingResponse.channel == channel,
            PendingResponse.message_ts == message_ts,
            PendingResponse.state == ResponseState.OPEN.value,
        )
        .values(state=ResponseState.WITHDRAWN.value, closed_at=now)
        .execution_options(synchronize_session=False)
    )
    if keep:
        query = query.where(PendingResponse.member.not_in(keep))
    ids = list(session.execute(query.returning(PendingResponse.id)).scalars())
    closed.extend(ids)
    return f"withdrew {len(ids)}"


def register(app: App, runtime: Runtime) -> None:
    """One listener for every `message` event (Bolt runs only the first matching listener)."""

    @app.event("message")
    def on_message(body: dict[str, Any]) -> None:
        try:
            outcome = handle_message_event(runtime, body)
        except Exception:
            log.exception("message event %s failed", body.get("event_id"))
            raise
        log.debug("message event %s: %s", body.get("event_id"), outcome)
