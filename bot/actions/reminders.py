"""Reminder DMs (SPEC §5): Snooze 1 h and Snooze until tomorrow, by the person reminded, on
every reminder the DM lists. (Mark answered is `bot/actions/mentions.py`.)

A snooze finds its reminders by the DM it was made on (channel and ts are stored with each
reminder), so the buttons keep working after a restart; a DM whose items are all resolved
snoozes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.actions import Work
from bot.actions.mentions import ABOUT_A_MENTION
from bot.blocks.text import slack_date
from bot.config import Config, Pod
from bot.db.models import PendingResponse, PodRow, Reminder, ReminderKind, Request, SavingsClaim
from bot.db.reminders import note_for, resolved
from bot.domain.events import RemindersSnoozed
from bot.domain.working_time import next_working_day_at
from bot.errors import NotFound, Refusal


@dataclass(frozen=True)
class Snooze:
    """A Snooze on the DM (channel, ts): for an hour, or until the next working day's 09:00."""

    channel: str
    ts: str
    tomorrow: bool


@dataclass(frozen=True)
class Snoozed:
    until: datetime
    reminders: int


def snooze(work: Work, user: str, given: Snooze) -> Snoozed:
    """Snooze every reminder of the DM; the DM says until when (`RemindersSnoozed`)."""
    session = work.session
    reminders = list(
        session.scalars(
            select(Reminder).where(
                Reminder.message_channel == given.channel,
                Reminder.message_ts == given.ts,
                Reminder.user_id == user,
            )
        )
    )
    if not reminders:
        raise NotFound("This reminder is no longer active.")
    if resolved(session, reminders):
        # A stale button: what the DM was about is done, so nothing to snooze.
        raise Refusal(
            "This reminder is already resolved — " + note_for(reminders).split("— ", 1)[-1]
        )
    until: datetime
    if given.tomorrow:
        pod = _pod_of(session, work.config, reminders)
        until = next_working_day_at(pod.calendar, work.now, time(9, 0))
    else:
        until = work.now + timedelta(hours=1)
    for reminder in reminders:
        reminder.snoozed_until = until
    note = f":zzz: Snoozed until {_when(session, work.config, reminders, until)}"
    work.record(RemindersSnoozed(user, given.channel, given.ts, note))
    return Snoozed(until, len(reminders))


def _when(session: Session, config: Config, reminders: list[Reminder], at: datetime) -> str:
    """A date and time for the DM's edit, the POD's as fallback (UTC for a POD no longer
    configured)."""
    try:
        timezone = _pod_of(session, config, reminders).timezone
    except NotFound:
        timezone = "UTC"
    return slack_date(at, timezone, with_time=True)


def _pod_of(session: Session, config: Config, reminders: list[Reminder]) -> Pod:
    # A POD removed from the config keeps its rows but has no calendar to snooze by.
    digest = next((r for r in reminders if r.kind == ReminderKind.DIGEST.value), None)
    if digest is not None:
        row = session.get(PodRow, digest.subject)
        assert row is not None
        pod = config.find_pod(row.key)
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
        pod = config.find_pod(request.pod.key)
        if pod is None:
            raise NotFound(
                f"This reminder is about {request.key}, whose POD is no longer configured."
            )
        return pod
    pending = session.get(PendingResponse, reminder.subject)
    assert pending is not None
    found = config.pod_for_channel(pending.channel)
    if found is None:
        raise NotFound("This reminder is about a channel that is no longer a POD's.")
    return found
