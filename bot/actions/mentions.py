"""Mentions (SPEC §2 response clock): a person mentioning a POD member in a POD channel opens a
pending response for that member, due 24 working hours later; the member's reply in the thread
closes it; edits and deletions of the mentioning message are followed (`track`, from the
`message` events). A mention a reminder DM lists is marked answered by the person reminded
(`mark_answered`, its Mark answered button)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.actions import Work
from bot.blocks.text import plural
from bot.config import Config, Pod
from bot.db.compliance import record_shared_files
from bot.db.models import (
    PendingResponse,
    ProcessedEvent,
    Reminder,
    ReminderKind,
    ResponseState,
)
from bot.db.reply_clocks import reply_clock
from bot.db.requests import pod_row
from bot.domain.events import MentionResolved
from bot.domain.mentions import find_user_mentions
from bot.domain.working_time import add_working_hours
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


# -- mentions tracked from a POD channel's messages ------------------------------------------


@dataclass(frozen=True)
class Said:
    """A person's message as it reads now."""

    ts: str
    thread_ts: str | None
    user: str
    text: str
    files: tuple[str, ...] = ()  # the names of the files shared with it


@dataclass(frozen=True)
class ChannelMessage:
    """One `message` event of a POD channel: a message posted, edited (`said` as it reads now)
    or deleted (`deleted_ts`); `said` is None for what no person said (a bot, a join, a topic
    change). `event_id` is stored with the changes: a retried delivery changes nothing."""

    event_id: str
    channel: str
    what: Literal["posted", "edited", "deleted"]
    said: Said | None = None
    deleted_ts: str = ""


@dataclass(frozen=True)
class Tracked:
    what: str  # what it did, in words (for logs and tests)


def track(work: Work, user: str, given: ChannelMessage) -> Tracked:
    """Open, answer or withdraw the pending responses a channel message makes; the reminder and
    escalation DMs about a mention now answered or withdrawn say so (`MentionResolved`).
    A delivery already processed raises the store's IntegrityError and changes nothing."""
    session, now, channel = work.session, work.now, given.channel
    pod = work.config.pod_for_channel(channel)
    if pod is None:
        raise NotFound("This is not a POD channel.")
    session.add(ProcessedEvent(event_id=given.event_id, received_at=now))
    session.flush()
    closed: list[int] = []
    said = given.said
    if given.what == "deleted":
        what = _withdraw(session, channel, given.deleted_ts, None, now, closed)
    elif said is None:
        what = "ignored: not a person's message"
    elif given.what == "edited":
        kept = set(_members_mentioned(pod, said))
        withdrawn = _withdraw(session, channel, said.ts, kept, now, closed)
        what = f"{withdrawn}; {_open(session, work.config, pod, channel, said, now)}"
    else:
        answered = _close_answered(session, channel, said, now, closed)
        what = f"{answered}; {_open(session, work.config, pod, channel, said, now)}"
        if said.files and said.thread_ts:
            key = record_shared_files(
                session, channel, said.thread_ts, said.user, list(said.files), now
            )
            if key is not None:
                what += f"; {plural(len(said.files), 'document')} on {key}"
    if closed:
        work.record(MentionResolved(tuple(closed)))
    return Tracked(what)


def _members_mentioned(pod: Pod, said: Said) -> list[str]:
    return [
        user
        for user in find_user_mentions(said.text)
        if user != said.user and pod.role_of(user) is not None
    ]


def _open(
    session: Session, config: Config, pod: Pod, channel: str, said: Said, now: datetime
) -> str:
    members = _members_mentioned(pod, said)
    if not members:
        return "no mentions"
    existing = set(
        session.scalars(
            select(PendingResponse.member).where(
                PendingResponse.channel == channel, PendingResponse.message_ts == said.ts
            )
        )
    )
    hours = config.clocks.response_hours
    due = add_working_hours(pod.calendar, now, hours)
    escalate = add_working_hours(pod.calendar, now, 2 * hours)
    pod_id = pod_row(session, pod.key).id
    opened = [m for m in members if m not in existing]
    for member in opened:
        session.add(
            PendingResponse(
                pod_id=pod_id, channel=channel, message_ts=said.ts,
                thread_ts=said.thread_ts or said.ts, author=said.user, member=member,
                mentioned_at=now, due_at=due, escalate_at=escalate,
                state=ResponseState.OPEN.value, **reply_clock(pod, hours, now),
            )
        )  # fmt: skip
    return f"opened {plural(len(opened), 'pending response')}"


def _close_answered(
    session: Session, channel: str, said: Said, now: datetime, closed: list[int]
) -> str:
    if not said.thread_ts:
        return "not a reply"
    result = session.execute(
        update(PendingResponse)
        .where(
            PendingResponse.channel == channel,
            PendingResponse.thread_ts == said.thread_ts,
            PendingResponse.member == said.user,
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
