"""Mentions: a mention a reminder DM lists, marked answered by the person reminded (its Mark
answered button)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.actions import Work
from bot.db.models import PendingResponse, Reminder, ReminderKind, ResponseState
from bot.domain.events import MentionResolved
from bot.errors import NotFound, Refusal

# The reminder kinds whose subject is a pending response (the others' is a request id).
ABOUT_A_MENTION = frozenset({ReminderKind.MENTION.value, ReminderKind.ESCALATION.value})


@dataclass(frozen=True)
class MarkAnswered:
    """Mark answered on a reminder DM: the DM (channel, ts) and the button's value."""

    channel: str
    ts: str
    value: str


@dataclass(frozen=True)
class MarkedAnswered:
    mention_id: int


def mark_answered(work: Work, user: str, given: MarkAnswered) -> MarkedAnswered:
    """Mark the one mention a reminder DM's button is on answered; the DMs that list it are
    settled (`MentionResolved`)."""
    session = work.session
    mention = _the_mention(session, user, given.channel, given.ts, given.value)
    pending = session.get(PendingResponse, mention, with_for_update=True)
    if pending is None:
        raise NotFound("That mention no longer exists; nothing to mark.")
    if pending.state != ResponseState.OPEN.value:
        raise Refusal(_not_open(pending, user))
    pending.state, pending.closed_at = ResponseState.MARKED.value, work.now
    session.flush()
    # Its line on this DM, the em's escalation and older digests that list it say so.
    work.record(MentionResolved((pending.id,)))
    return MarkedAnswered(pending.id)


def _the_mention(session: Session, user: str, channel: str, ts: str, value: str) -> int:
    """The pending response a Mark answered is about: the button's value, which must be a
    mention the clicker was reminded of. (A DM sent before each mention had its own button
    carries one for the DM: it stands for the DM's mention when it lists one.)"""
    if value.isdigit():
        reminded = session.scalar(
            select(Reminder.id).where(
                Reminder.kind.in_(ABOUT_A_MENTION),
                Reminder.subject == int(value),
                Reminder.user_id == user,
            )
        )
        if reminded is None:
            raise NotFound("This button is not about one of your reminders.")
        return int(value)
    listed = sorted(
        {
            r.subject
            for r in session.scalars(
                select(Reminder).where(
                    Reminder.message_channel == channel,
                    Reminder.message_ts == ts,
                    Reminder.user_id == user,
                    Reminder.kind.in_(ABOUT_A_MENTION),
                )
            )
        }
    )
    if not listed:
        raise Refusal("This reminder is not about a mention, so there is nothing to mark answered.")
    if len(listed) > 1:
        raise Refusal(
            "This reminder lists several mentions: answer each in its thread, or mark it "
            "answered on today's reminder, where each has its own button."
        )
    return listed[0]


def _not_open(pending: PendingResponse, user: str) -> str:
    """One sentence on a mention that is no longer waiting: whose, where, what became of it."""
    whom = "you" if pending.member == user else f"<@{pending.member}>"
    became = {
        ResponseState.ANSWERED.value: "was answered in its thread",
        ResponseState.MARKED.value: "is already marked answered",
    }.get(pending.state, "was deleted or edited away")
    return f"<@{pending.author}>'s mention of {whom} in <#{pending.channel}> {became}."
