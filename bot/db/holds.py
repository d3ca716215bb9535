"""Holds on a request's clock (`Hold`, table `holds`): start one, end one and move the clock's
due instant by the time held (the rule is `bot/domain/holds.py`'s), read the open ones."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from bot.db.models import Hold, Request
from bot.domain.holds import HeldClock, Span, qualification_due, tat_due
from bot.domain.vocabulary import Stage
from bot.domain.working_time import WorkCalendar


def open_hold(session: Session, request_id: int) -> Hold | None:
    """The request's open hold, if any (at most one: a partial unique index)."""
    return session.scalars(
        select(Hold).where(Hold.request_id == request_id, Hold.ended_at.is_(None))
    ).first()


def open_holds(session: Session, request_ids: Iterable[int]) -> dict[int, Hold]:
    """request id → its open hold, for the ids given that have one."""
    ids = sorted(set(request_ids))
    found: dict[int, Hold] = {}
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for hold in session.scalars(
            select(Hold).where(Hold.request_id.in_(chunk), Hold.ended_at.is_(None))
        ):
            found[hold.request_id] = hold
    return found


def not_held() -> ColumnElement[bool]:
    """A WHERE condition on `Request`: it has no open hold (its clock is running)."""
    return ~exists().where(Hold.request_id == Request.id, Hold.ended_at.is_(None))


def clock_of(request: Request) -> HeldClock | None:
    """The clock a hold on the request stops: the TAT while negotiating, the qualification
    clock in intake, none otherwise."""
    if request.stage == Stage.NEGOTIATING:
        return HeldClock.TAT
    if request.stage == Stage.INTAKE:
        return HeldClock.QUALIFICATION
    return None


def start_hold(
    session: Session,
    request: Request,
    clock: HeldClock,
    party: str,
    reason: str | None,
    actor: str,
    now: datetime,
) -> Hold:
    """Open a hold on the request's clock (the caller checked none is open)."""
    due = request.tat_due_at if clock == HeldClock.TAT else request.qualification_due_at
    assert due is not None
    hold = Hold(
        request_id=request.id, clock=clock.value, party=party, reason=reason, due_before=due,
        started_at=now, started_by=actor,
    )  # fmt: skip
    session.add(hold)
    if clock == HeldClock.TAT:
        # Held once, judged by its stored due from now on (`bot.db.request_clocks`).
        request.tat_due_by = due
    session.flush()
    return hold


def end_hold(
    session: Session, request: Request, calendar: WorkCalendar, actor: str, now: datetime
) -> Hold | None:
    """End the request's open hold, if any, and move its clock's due instant to the original
    due + every hold's time on that clock (`bot/domain/holds.py`). Returns the ended hold."""
    hold = open_hold(session, request.id)
    if hold is None:
        return None
    hold.ended_at, hold.ended_by = max(now, hold.started_at), actor
    session.flush()
    holds = session.scalars(
        select(Hold)
        .where(Hold.request_id == request.id, Hold.clock == hold.clock)
        .order_by(Hold.id)
    ).all()
    spans = [Span(h.started_at, h.ended_at) for h in holds]
    original = holds[0].due_before
    if hold.clock == HeldClock.TAT:
        request.tat_due_at = tat_due(original, spans, now, calendar.timezone.key)
        # The due the TAT rule judges, moved in the hold's transaction (`request_clocks`).
        request.tat_due_by = request.tat_due_at
    else:
        request.qualification_due_at = qualification_due(calendar, original, spans, now)
    return hold
