"""Holds (issue 30): a request's clock stops while the customer or the vendor has the ball, and
runs again on a resume. The rule (due = original + total held) is `bot/domain/holds.py`'s, the
rows `bot/db/holds.py`'s; `/proc hold`, `/proc resume` and the held card's **Resume** button
are the adapters (`bot/commands/holds.py`). Qualify, disqualify and close end a hold
(`end_on_hold`, without a thread line of its own); a pre-approval opens one (`start_on_hold`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.actions import Work
from bot.actions.access import authorize, load_request, require_stage
from bot.blocks.text import plural, slack_date
from bot.config import Pod
from bot.db.holds import clock_of, end_hold, open_hold, start_hold
from bot.db.models import Hold, Request
from bot.db.requests import record_event
from bot.domain.events import HoldEnded, HoldStarted, ThreadLine
from bot.domain.holds import HeldClock, held_days, party_words
from bot.domain.lifecycle import Action
from bot.domain.mentions import defuse_broadcasts
from bot.domain.vocabulary import EventKind
from bot.errors import WrongStage


def clock_words(clock: str) -> str:
    """'TAT' or 'qualification'."""
    return "TAT" if clock == HeldClock.TAT else "qualification"


def start_on_hold(
    work: Work,
    request: Request,
    pod: Pod,
    clock: HeldClock,
    party: str,
    reason: str | None,
    actor: str,
    *,
    thread: bool = True,
) -> Hold:
    """Open a hold (refused when one is open): on the timeline, the card (`HoldStarted`) and,
    with `thread`, in the thread."""
    session, now = work.session, work.now
    current = open_hold(session, request.id)
    if current is not None:
        since = slack_date(current.started_at, pod.timezone)
        raise WrongStage(
            f"{request.key} is already on hold, waiting on {party_words(current.party)} since "
            f"{since}; `/proc resume {request.key}` ends that hold."
        )
    row = start_hold(session, request, clock, party, reason, actor, now)
    record_event(
        session, request, at=now, actor=actor, kind=EventKind.HOLD,
        text=f"waiting on {party_words(party)}" + (f": {reason}" if reason else ""),
        data={"party": party, "clock": clock.value},
    )  # fmt: skip
    work.record(HoldStarted(request.id, party))
    if thread:
        work.record(
            ThreadLine(
                request.id,
                f"⏸ *On hold* — waiting on {party_words(party)}, by <@{actor}>. The "
                f"{clock_words(clock)} clock stops until `/proc resume {request.key}`."
                + (f"\n>{defuse_broadcasts(reason)}" if reason else ""),
            )
        )
    return row


def end_on_hold(
    work: Work, request: Request, pod: Pod, actor: str, *, thread: bool = True
) -> Hold | None:
    """End the open hold, if any: the clock's due moves out by the time held; on the timeline,
    the card (`HoldEnded`) and, with `thread`, in the thread. Closing, qualifying and
    disqualifying end a hold too, without a line of their own."""
    session, now = work.session, work.now
    ended = end_hold(session, request, pod.calendar, actor, now)
    if ended is None:
        return None
    assert ended.ended_at is not None
    days = held_days(ended.started_at, ended.ended_at, pod.timezone)
    clock = HeldClock(ended.clock)
    due = request.tat_due_at if clock == HeldClock.TAT else request.qualification_due_at
    assert due is not None
    record_event(
        session, request, at=now, actor=actor, kind=EventKind.RESUMED,
        text=f"after {plural(days, 'day')} waiting on {party_words(ended.party)}",
        data={"party": ended.party, "clock": clock.value, "due": due.isoformat()},
    )  # fmt: skip
    if thread:
        work.record(
            ThreadLine(
                request.id,
                f"▶️ *Resumed* by <@{actor}> after {plural(days, 'day')} waiting on "
                f"{party_words(ended.party)}: the {clock_words(clock)} is now due "
                f"{slack_date(due, pod.timezone, with_time=True)}.",
            )
        )
    work.record(HoldEnded(request.id))
    return ended


# -- hold ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PutOnHold:
    number: int
    party: str  # HoldParty
    reason: str | None  # mrkdwn


@dataclass(frozen=True)
class Held:
    key: str
    party: str
    clock: HeldClock


def hold(work: Work, user: str, given: PutOnHold) -> Held:
    """Put a request on hold: its TAT (or, in intake, qualification) clock stops."""
    request, pod = load_request(work.session, work.config, given.number)
    authorize(work.config, user, request, pod, Action.HOLD)
    require_stage(request.stage, Action.HOLD, request.key)
    clock = clock_of(request)
    assert clock is not None
    start_on_hold(work, request, pod, clock, given.party, given.reason, user)
    return Held(request.key, given.party, clock)


# -- resume ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Resume:
    number: int


@dataclass(frozen=True)
class Resumed:
    key: str
    clock: HeldClock
    due: datetime
    timezone: str  # the POD's


def resume(work: Work, user: str, given: Resume) -> Resumed:
    """End a request's hold: its clock runs again, due later by the time held."""
    request, pod = load_request(work.session, work.config, given.number)
    authorize(work.config, user, request, pod, Action.HOLD)
    if open_hold(work.session, request.id) is None:
        raise WrongStage(f"{request.key} is not on hold, so there is nothing to resume.")
    ended = end_on_hold(work, request, pod, user)
    assert ended is not None
    clock = HeldClock(ended.clock)
    due = request.tat_due_at if clock == HeldClock.TAT else request.qualification_due_at
    assert due is not None
    return Resumed(request.key, clock, due, pod.timezone)
