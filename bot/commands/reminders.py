"""The buttons on reminder DMs: Snooze 1 h and Snooze until tomorrow (the whole DM), and Mark
answered (one mention of it: the button's value is the mention's pending response).

A snooze finds its reminders by the DM it was made on (channel and ts are stored with each
reminder), so the buttons keep working after a restart. Mark answered marks its one mention
(`bot/actions/mentions.py`), then the DMs listing it are settled as every change settles them
(`MentionResolved`): that line of this DM, the em's escalation, an older digest. A stale button
answers with one sentence about its item. (Post update is the Home's update handler,
`bot/commands/home.py`.)
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App
from sqlalchemy import select

from bot.actions import mentions
from bot.actions.mentions import ABOUT_A_MENTION, MarkAnswered
from bot.blocks.ids import ActionId, BlockId
from bot.blocks.reminders import dm_note
from bot.blocks.text import slack_date
from bot.commands.interactions import answer_click
from bot.config import Pod
from bot.consequences import unit_of_work
from bot.db.models import (
    PendingResponse,
    PodRow,
    Reminder,
    ReminderKind,
    Request,
    SavingsClaim,
)
from bot.domain.working_time import next_working_day_at
from bot.errors import NotFound, Refusal
from bot.slack import reminder_dms
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime


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
    if reminder.kind not in ABOUT_A_MENTION:
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


def act(runtime: Runtime, action: str, user: str, channel: str, ts: str, value: str) -> Outbox:
    """Apply a reminder button; the outbox carries the edits it queued."""
    with unit_of_work(runtime) as (work, outbox):
        if action == ActionId.MARK_ANSWERED.value:
            mentions.mark_answered(work, user, MarkAnswered(channel, ts, value))
        else:
            _snooze(work.session, runtime, outbox, action, user, channel, ts)
    return outbox


def _snooze(
    session: Session,
    runtime: Runtime,
    outbox: Outbox,
    action: str,
    user: str,
    channel: str,
    ts: str,
) -> None:
    """Snooze every reminder of the DM; its Snooze buttons give way to when it comes back."""
    now = runtime.clock.now()
    reminders = list(
        session.scalars(
            select(Reminder).where(
                Reminder.message_channel == channel,
                Reminder.message_ts == ts,
                Reminder.user_id == user,
            )
        )
    )
    if not reminders:
        raise NotFound("This reminder is no longer active.")
    if reminder_dms.resolved(session, reminders):
        # A stale button: what the DM was about is done, so nothing to snooze.
        raise Refusal(
            "This reminder is already resolved — "
            + reminder_dms.note_for(reminders).split("— ", 1)[-1]
        )
    until: datetime
    if action == ActionId.SNOOZE_HOUR.value:
        until = now + timedelta(hours=1)
    else:
        pod = _pod_of(session, runtime, reminders)
        until = next_working_day_at(pod.calendar, now, time(9, 0))
    for reminder in reminders:
        reminder.snoozed_until = until
    note = f":zzz: Snoozed until {_when(session, runtime, reminders, until)}"
    # Built on the DM as it reads now (a line settled since it was sent stays settled); its
    # items keep their own buttons.
    shown = reminder_dms.current_dm(session, user, channel, ts) or {}
    blocks = [
        block
        for block in shown.get("blocks") or []
        if block.get("block_id") not in (BlockId.REMINDER_ACTIONS.value, BlockId.DM_NOTE.value)
    ]
    blocks.append(dm_note(note).to_dict())
    outbox.edit(session, channel, ts, str(shown.get("text") or note), blocks)


def register(app: App, runtime: Runtime) -> None:
    """Listen for the three reminder buttons."""

    def on_click(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        user = body.get("user", {}).get("id", "")
        container = body.get("container") or {}
        channel = container.get("channel_id") or (body.get("channel") or {}).get("id", "")
        ts = container.get("message_ts") or (body.get("message") or {}).get("ts", "")
        clicked = (body.get("actions") or [{}])[0]
        action, value = clicked.get("action_id", ""), str(clicked.get("value") or "")

        def handle() -> Outbox:
            return act(runtime, action, user, channel, ts, value)

        answer_click(runtime, body, handle, channel=channel, user=user, action="reminder button")

    for action in (ActionId.SNOOZE_HOUR, ActionId.SNOOZE_TOMORROW, ActionId.MARK_ANSWERED):
        app.action(action.value)(on_click)
