"""The buttons on reminder DMs: Snooze 1 h, Snooze until tomorrow, Mark answered.

A click finds its reminders by the DM it was made on (channel and ts are stored with each
reminder), so the buttons keep working after a restart.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from sqlalchemy import select

from bot.blocks.cards import note_block
from bot.blocks.ids import ActionId
from bot.blocks.text import slack_date
from bot.commands.interactions import answer_click
from bot.config import Pod
from bot.db.models import (
    PendingResponse,
    PodRow,
    Reminder,
    ReminderKind,
    Request,
    ResponseState,
    SavingsClaim,
)
from bot.domain.working_time import next_working_day_at
from bot.errors import NotFound, Refusal
from bot.slack import reminder_dms
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime

# The reminder kinds whose subject is a pending response (the others' is a request id).
_ABOUT_A_MENTION = frozenset({ReminderKind.MENTION.value, ReminderKind.ESCALATION.value})


def _when(session: Session, runtime: Runtime, reminders: list[Reminder], at: datetime) -> str:
    """A date and time for the DM's edit, the POD's as fallback (UTC for a POD no longer
    configured)."""
    try:
        timezone = _pod_of(session, runtime, reminders).timezone
    except NotFound:
        timezone = "UTC"
    return slack_date(at, timezone, with_time=True)


def _pod_of(session: Session, runtime: Runtime, reminders: list[Reminder]) -> Pod:
    # A POD removed from the config keeps its rows but has no calendar to snooze by.
    digest = next((r for r in reminders if r.kind == ReminderKind.DIGEST.value), None)
    if digest is not None:
        row = session.get(PodRow, digest.subject)
        assert row is not None
        pod = runtime.config.find_pod(row.key)
        if pod is None:
            raise NotFound("This reminder is about a POD that is no longer configured.")
        return pod
    reminder = reminders[0]
    if reminder.kind not in _ABOUT_A_MENTION:
        request_id = reminder.subject
        if reminder.kind == ReminderKind.APPROVAL.value:
            claim = session.get(SavingsClaim, reminder.subject)
            assert claim is not None
            request_id = claim.request_id
        request = session.get(Request, request_id)
        assert request is not None
        pod = runtime.config.find_pod(request.pod.key)
        if pod is None:
            raise NotFound(
                f"This reminder is about {request.key}, whose POD is no longer configured."
            )
        return pod
    pending = session.get(PendingResponse, reminder.subject)
    assert pending is not None
    found = runtime.config.pod_for_channel(pending.channel)
    if found is None:
        raise NotFound("This reminder is about a channel that is no longer a POD's.")
    return found


def act(runtime: Runtime, action: str, user: str, channel: str, ts: str) -> str:
    """Apply a reminder button; returns the line that replaces the buttons."""
    with runtime.db.transaction() as session:
        return _apply(session, runtime, Outbox(runtime), action, user, channel, ts)


def _apply(
    session: Session,
    runtime: Runtime,
    outbox: Outbox,
    action: str,
    user: str,
    channel: str,
    ts: str,
) -> str:
    now = runtime.clock.now()
    reminders = session.scalars(
        select(Reminder).where(
            Reminder.message_channel == channel,
            Reminder.message_ts == ts,
            Reminder.user_id == user,
        )
    ).all()
    if not reminders:
        raise NotFound("This reminder is no longer active.")
    if reminder_dms.resolved(session, reminders):
        # A stale button: what the DM was about is done, so nothing to snooze or mark.
        raise Refusal(
            "This reminder is already resolved — "
            + reminder_dms.note_for(reminders).split("— ", 1)[-1]
        )
    if action == ActionId.MARK_ANSWERED.value:
        # Only a mention's subject is a pending response; an update reminder's is a request id,
        # which may well be the id of someone else's pending response.
        about_mentions = [r for r in reminders if r.kind in _ABOUT_A_MENTION]
        if not about_mentions:
            raise Refusal(
                "This reminder is about overdue updates, not a mention, "
                "so there is nothing to mark answered."
            )
        marked = []
        for reminder in about_mentions:
            pending = session.get(PendingResponse, reminder.subject, with_for_update=True)
            if pending is not None and pending.state == ResponseState.OPEN.value:
                pending.state, pending.closed_at = ResponseState.MARKED.value, now
                marked.append(pending.id)
        session.flush()
        # The other DMs about these mentions (the em's escalation, an older digest) say so too.
        reminder_dms.settle(session, outbox, mentions=marked, skip=[(channel, ts)])
        marked_at = _when(session, runtime, list(reminders), now)
        return f":white_check_mark: Marked answered by <@{user}> · {marked_at}"
    until: datetime
    if action == ActionId.SNOOZE_HOUR.value:
        until = now + timedelta(hours=1)
    else:
        pod = _pod_of(session, runtime, list(reminders))
        until = next_working_day_at(pod.calendar, now, time(9, 0))
    for reminder in reminders:
        reminder.snoozed_until = until
    return f":zzz: Snoozed until {_when(session, runtime, list(reminders), until)}"


def register(app: App, runtime: Runtime) -> None:
    """Listen for the three reminder buttons."""

    def on_click(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        user = body.get("user", {}).get("id", "")
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
        ts = container.get("message_ts") or (body.get("message") or {}).get("ts", "")
        action = (body.get("actions") or [{}])[0].get("action_id", "")
        message = body.get("message") or {}

        def handle() -> Outbox:
            outbox = Outbox(runtime)
            with runtime.db.transaction() as session:
                outcome = _apply(session, runtime, outbox, action, user, channel, ts)
                # The DM keeps its text; the buttons give way to what was done.
                blocks = [b for b in message.get("blocks") or [] if b.get("type") != "actions"]
                blocks.append(note_block(outcome).to_dict())
                outbox.edit(session, channel, ts, message.get("text") or outcome, blocks)
            return outbox

        answer_click(runtime, body, handle, channel=channel, user=user, action="reminder button")

    for action in (ActionId.SNOOZE_HOUR, ActionId.SNOOZE_TOMORROW, ActionId.MARK_ANSWERED):
        app.action(action.value)(on_click)
