"""Each request's clocks, recorded when they are decided (issue 26), as mentions record their
reply clock (`bot.db.reply_clocks`).

Three rules judge a request on the POD's calendar (`bot.domain.kpis`): qualification within its
working hours, negotiation TAT adherence and update cadence. What each asks of the calendar is
fixed by the request's own instants, so it is stored beside them:

* `triage_due_by` — the qualification clock's due (`qualification_hours` of working time from
  creation, holds not counted: the rule's), recorded when the request is created;
* `tat_due_by` — the negotiation TAT's due as the rule judges it: the TAT's days from assignment
  at the same local time or, once the request has been held on its TAT (issue 30), its moved
  `tat_due_at`; recorded at assignment, again in the transaction that opens or ends a hold;
* `cadence_from` and `cadence_stop` — the POD's working-day numbers
  (`WorkCalendar.working_days_before`) of the day after assignment and of the close day,
  recorded at assignment and at close; and each update event's `work_day`, its day's number
  (-1 on a day off), recorded as it is written.

`/proc stats` then counts a quarter's requests per analyst and per buyer in three aggregate
SELECTs (`qualification_totals`, `tat_totals`, `cadence_totals`) instead of reading each and
walking the calendar: a working day's number is unique among working days, and the working
days in [a, b) are `number(b) - number(a)`.

Requests and updates written around the use cases (a restore, a bulk insert, rows from before
migration 0034) are *unrecorded* until `record` fills them: a process does at start, once it
has the PODs' calendars, and `podbot db restate --config` recomputes every row (after a change
of holidays, `qualification_hours` or `tat_days`). While a quarter has one unrecorded, the
reader judges its requests row by row as before, so no figure is read from a missing value."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    and_,
    bindparam,
    case,
    exists,
    func,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.db.models import Hold, PodRow, Request, RequestEvent
from bot.domain.holds import HeldClock
from bot.domain.kpis import CadenceTotal, QualificationTotals, TatTotal
from bot.domain.lifecycle import negotiation_due
from bot.domain.lifecycle import qualification_due as _qualification_due
from bot.domain.vocabulary import EventKind, Outcome, Stage
from bot.domain.working_time import WorkCalendar

if TYPE_CHECKING:
    from bot.config import Clocks, Config, Pod

Executor = Session | Connection
_R = Request.__table__.c
_E = RequestEvent.__table__.c
# A request with a clock its instants call for and none recorded.
UNRECORDED = or_(
    _R.triage_due_by.is_(None),
    and_(_R.assigned_at.is_not(None), or_(_R.tat_due_by.is_(None), _R.cadence_from.is_(None))),
    and_(_R.closed_at.is_not(None), _R.cadence_stop.is_(None)),
)
_RECORD = (
    update(Request.__table__)
    .where(_R.id == bindparam("row_id"))
    .values(
        triage_due_by=bindparam("triage"),
        tat_due_by=bindparam("tat"),
        cadence_from=bindparam("start"),
        cadence_stop=bindparam("stop"),
    )
)
_RECORD_EVENT = (
    update(RequestEvent.__table__)
    .where(_E.id == bindparam("row_id"))
    .values(work_day=bindparam("day"))
)
_HELD = exists().where(Hold.request_id == _R.id, Hold.clock == HeldClock.TAT.value)


def day_number(calendar: WorkCalendar, instant: datetime) -> int:
    """The working-day number of `instant`'s local day (as the rules place it)."""
    return calendar.working_days_before(instant.astimezone(calendar.timezone).date())


def work_day(calendar: WorkCalendar, at: datetime) -> int:
    """What an update made at `at` records: its local day's number, -1 on a day off."""
    day = at.astimezone(calendar.timezone).date()
    return calendar.working_days_before(day) if calendar.is_working_day(day) else -1


def cadence_from(calendar: WorkCalendar, assigned_at: datetime) -> int:
    """The number of the first day the update cadence judges: the day after assignment."""
    day = assigned_at.astimezone(calendar.timezone).date() + timedelta(days=1)
    return calendar.working_days_before(day)


def tat_due_by(pod: Pod, tat_days: Mapping[str, int], kind: str, assigned_at: datetime) -> datetime:
    """The negotiation TAT's due of a request never held on it."""
    return negotiation_due(pod.timezone, assigned_at, tat_days[kind])


def clocks(
    pod: Pod, hours: Clocks, created_at: datetime, kind: str, assigned_at: datetime | None,
    closed_at: datetime | None, held_due: datetime | None,
) -> dict[str, Any]:  # fmt: skip
    """The columns a request of `pod` records (`held_due`: its `tat_due_at` once held)."""
    calendar = pod.calendar
    return {
        "triage_due_by": _qualification_due(calendar, created_at, hours.qualification_hours),
        "tat_due_by": None
        if assigned_at is None
        else held_due or tat_due_by(pod, hours.tat_days, kind, assigned_at),
        "cadence_from": None if assigned_at is None else cadence_from(calendar, assigned_at),
        "cadence_stop": None if closed_at is None else day_number(calendar, closed_at),
    }


def record(executor: Executor, config: Config, *, every: bool = False) -> int:
    """Record the clocks of the requests and updates not recorded yet (`every`: of all, again)
    of the PODs in the config; how many rows were written."""
    return record_pods(executor, config.pods, config.clocks, every=every)


def record_pods(
    executor: Executor, pods: Iterable[Pod], hours: Clocks, *, every: bool = False
) -> int:
    """`record` for these PODs and clocks."""
    written = 0
    ids = {key: pod_id for key, pod_id in executor.execute(select(PodRow.key, PodRow.id))}
    for pod in pods:
        if pod.key not in ids:
            continue
        query = select(
            _R.id, _R.created_at, _R.type, _R.assigned_at, _R.closed_at, _R.tat_due_at,
            _HELD.label("held"),
        ).where(_R.pod_id == ids[pod.key])  # fmt: skip
        if not every:
            query = query.where(UNRECORDED)
        rows = []
        for r in executor.execute(query):
            values = clocks(
                pod, hours, r.created_at, r.type, r.assigned_at, r.closed_at,
                r.tat_due_at if r.held else None,
            )  # fmt: skip
            rows.append(
                {
                    "row_id": r.id,
                    "triage": values["triage_due_by"],
                    "tat": values["tat_due_by"],
                    "start": values["cadence_from"],
                    "stop": values["cadence_stop"],
                }
            )
        if rows:
            executor.execute(_RECORD, rows)
        events = select(_E.id, _E.at).where(
            _E.kind == EventKind.UPDATE.value,
            _E.request_id.in_(select(_R.id).where(_R.pod_id == ids[pod.key])),
        )
        if not every:
            events = events.where(_E.work_day.is_(None))
        days = [
            {"row_id": row_id, "day": work_day(pod.calendar, at)}
            for row_id, at in executor.execute(events)
        ]
        if days:
            executor.execute(_RECORD_EVENT, days)
        written += len(rows) + len(days)
    return written


def _count(condition: ColumnElement[bool]) -> ColumnElement[int]:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).cast(Integer)


def _at(name: str) -> Any:
    return bindparam(name, type_=_R.created_at.type)


def _number(name: str) -> Any:
    return bindparam(name, type_=Integer)


# The POD's requests whose clocks touch the quarter [first, after), as of `now` (`last` is
# min(now, after)): created, closed or negotiating in it. Each term of the OR names the POD and
# one indexed range, so the database reads each by its index. The statements below are built
# once (their compiled forms cached) and run with these bound.
_POD = _R.pod_id == bindparam("pod_id", type_=Integer)
TOUCHING = or_(
    and_(_POD, _R.created_at >= _at("first"), _R.created_at < _at("last")),
    and_(_POD, _R.closed_at >= _at("first"), _R.closed_at < _at("last")),
    and_(_POD, _R.closed_at.is_(None), _R.assigned_at < _at("last")),
    and_(_POD, _R.closed_at >= _at("first"), _R.assigned_at < _at("last")),
)


def _bounds(pod_id: int, first: datetime, after: datetime, now: datetime) -> dict[str, Any]:
    return {"pod_id": pod_id, "first": first, "after": after, "now": now,
            "last": min(now, after)}  # fmt: skip


@functools.cache
def _qualification_statements() -> tuple[Any, Any]:
    now = _at("now")
    created = and_(
        TOUCHING, _R.created_at >= _at("first"), _R.created_at < _at("after"),
        _R.created_at <= now,
    )  # fmt: skip
    disqualified = and_(_R.qualified_at.is_(None), _R.stage == Stage.DISQUALIFIED.value)
    pre = and_(
        _R.preapproved_at.is_not(None),
        or_(_R.qualified_at.is_(None), _R.preapproved_at < _R.qualified_at),
    )
    triaged = case((pre, _R.preapproved_at), else_=_R.qualified_at)
    by = case((pre, _R.preapproved_by), (_R.qualified_at.is_not(None), _R.analyst_id))
    # (Every term is true or false, never NULL: NOT must not turn an unknown into a count.)
    seen = and_(triaged.is_not(None), triaged <= now)
    untimed = and_(triaged.is_(None), _R.external_id.is_not(None), _R.stage != Stage.INTAKE.value)
    cancelled = and_(_R.outcome.is_not(None), _R.outcome == Outcome.CANCELLED.value)
    apart = or_(untimed, cancelled, _R.triage_due_by > now)
    who = case((seen, by))
    counted = (
        select(
            who,
            _count(and_(seen, triaged <= _R.triage_due_by)),
            _count(or_(seen, not_(apart))),
            _count(and_(not_(seen), apart)),
            _count(_R.triage_due_by.is_(None)),
        )
        .where(created, not_(disqualified))
        .group_by(who)
    )
    rows = select(
        _R.id, _R.preapproved_at, _R.preapproved_by, _R.external_id, _R.stage, _R.outcome,
        _R.triage_due_by,
    ).where(created, disqualified)  # fmt: skip
    return counted, rows


def qualification_totals(
    executor: Executor, pod_id: int, first: datetime, after: datetime, now: datetime
) -> QualificationTotals | None:
    """The POD's requests touching the quarter [first, after) created in it by `now`, counted as
    the qualification rule judges them, for the POD and per triaging analyst; None when one has
    no recorded due.

    A request is triaged at its qualification, or at its pre-approval when that came first. A
    disqualified one never qualified (a few) is triaged at its first disqualification of the
    quarter seen by `now`: those are read as rows and judged by the rule itself."""
    counted, listed = _qualification_statements()
    bounds = _bounds(pod_id, first, after, now)
    rows = executor.execute(counted, bounds).all()
    if any(unrecorded for *_, unrecorded in rows):
        return None
    ok = total = apart_ = 0
    by_analyst: dict[str, list[int]] = {}
    for analyst, n_ok, n_total, n_apart, _ in rows:
        ok, total, apart_ = ok + n_ok, total + n_total, apart_ + n_apart
        if analyst is not None:
            by_analyst[analyst] = [n_ok, n_total]
    # The disqualified, judged as the rule does, with their first disqualification.
    found = executor.execute(listed, bounds).all()
    first_of: dict[int, tuple[datetime, str]] = {}
    if found:
        for request_id, at, actor in executor.execute(
            select(_E.request_id, _E.at, _E.actor)
            .where(
                _E.request_id.in_([r.id for r in found]),
                _E.kind == EventKind.DISQUALIFIED.value,
                _E.at >= first,
                _E.at <= now,
            )
            .order_by(_E.at, _E.id)
        ):
            first_of.setdefault(request_id, (at, actor))
    for r in found:  # the rule's own judgement (`bot.domain.kpis.qualification_totals`)
        if r.triage_due_by is None:
            return None
        triaged_at, triaged_by = first_of.get(r.id, (None, None))
        if r.preapproved_at is not None and (triaged_at is None or r.preapproved_at < triaged_at):
            triaged_at, triaged_by = r.preapproved_at, r.preapproved_by
        due = r.triage_due_by
        seen_at = triaged_at if triaged_at is not None and triaged_at <= now else None
        if seen_at is None:
            untimed_ = (
                triaged_at is None and r.external_id is not None and r.stage != Stage.INTAKE.value
            )
            if untimed_ or r.outcome == Outcome.CANCELLED.value or now < due:
                apart_ += 1
            else:
                total += 1
            continue
        total += 1
        met = seen_at <= due
        ok += met
        if triaged_by is not None:
            mine = by_analyst.setdefault(triaged_by, [0, 0])
            mine[0] += met
            mine[1] += 1
    return QualificationTotals(
        (ok, total, apart_), {who: (n, d) for who, (n, d) in by_analyst.items()}
    )


@functools.cache
def _tat_statement() -> Any:
    assigned = _R.assigned_at.is_not(None)
    return (
        select(
            _R.buyer_id,
            _count(and_(assigned, _R.closed_at <= _R.tat_due_by)),
            _count(assigned),
            _count(not_(assigned)),
            _count(and_(assigned, _R.tat_due_by.is_(None))),
        )
        .where(
            TOUCHING,
            _R.outcome.in_((Outcome.WON.value, Outcome.LOST.value)),
            _R.closed_at >= _at("first"),
            _R.closed_at < _at("until"),
        )
        .group_by(_R.buyer_id)
    )


def tat_totals(
    executor: Executor, pod_id: int, first: datetime, after: datetime, now: datetime,
    until: datetime,
) -> tuple[TatTotal, ...] | None:  # fmt: skip
    """The POD's requests touching the quarter closed won or lost in [first, until), counted
    per buyer as the TAT rule judges them; None when one has no recorded due."""
    rows = executor.execute(
        _tat_statement(), _bounds(pod_id, first, after, now) | {"until": until}
    ).all()
    if any(unrecorded for *_, unrecorded in rows):
        return None
    return tuple(TatTotal(buyer, within, total, apart) for buyer, within, total, apart, _ in rows)


def _least(a: Any, b: Any) -> Any:
    return case((a < b, a), else_=b)


def _greatest(a: Any, b: Any) -> Any:
    return case((a > b, a), else_=b)


@functools.cache
def _cadence_statements() -> tuple[Any, Any, Any]:
    now = _at("now")
    closed = and_(_R.closed_at.is_not(None), _R.closed_at <= now)
    stop = case((closed, _R.cadence_stop), else_=_number("view"))
    lo = _greatest(_R.cadence_from, _number("low"))
    hi = _least(stop, _number("high"))
    judged = and_(TOUCHING, _R.assigned_at.is_not(None), _R.assigned_at <= now)
    # (Grouped by an expression, not the column: the database then reads the quarter's
    # requests by their time indexes rather than every request in `ix_requests_buyer_id`.)
    buyer = func.coalesce(_R.buyer_id, "")
    days = (
        select(
            buyer,
            func.coalesce(func.sum(case((hi > lo, hi - lo), else_=0)), 0).cast(Integer),
            _count(or_(_R.cadence_from.is_(None), stop.is_(None))),
        )
        .where(judged)
        .group_by(buyer)
    )
    updates = and_(judged, _E.kind == EventKind.UPDATE.value, _E.at >= _at("first"), _E.at <= now)
    seen = (
        select(_R.buyer_id, _E.request_id, _E.work_day)
        .join(Request.__table__, _R.id == _E.request_id)
        .where(updates, _E.work_day >= lo, _E.work_day < hi)
        .distinct()
        .subquery()
    )
    hits = select(seen.c.buyer_id, func.count()).group_by(seen.c.buyer_id)
    unrecorded = (
        select(func.count())
        .select_from(RequestEvent.__table__)
        .join(Request.__table__, _R.id == _E.request_id)
        .where(updates, _E.work_day.is_(None))
    )
    return days, hits, unrecorded


def cadence_totals(
    executor: Executor, pod_id: int, calendar: WorkCalendar, quarter_first: date,
    quarter_after: date, first: datetime, after: datetime, now: datetime,
) -> tuple[CadenceTotal, ...] | None:  # fmt: skip
    """The working days the POD's requests touching the quarter (local days
    [quarter_first, quarter_after); instants [first, after)) assigned by `now` spent in
    negotiation in it, and those with an update seen by `now`, counted per buyer as the
    cadence rule does; None when one is not recorded."""
    today = now.astimezone(calendar.timezone).date()
    bounds = _bounds(pod_id, first, after, now) | {
        "low": calendar.working_days_before(quarter_first),
        "high": calendar.working_days_before(quarter_after),
        "view": calendar.working_days_before(today),
    }
    days_of, hits_of, unrecorded_of = _cadence_statements()
    days = executor.execute(days_of, bounds).all()
    if any(unrecorded for *_, unrecorded in days):
        return None
    if executor.execute(unrecorded_of, bounds).scalar():
        return None
    hits: dict[str | None, int] = {row[0]: row[1] for row in executor.execute(hits_of, bounds)}
    return tuple(
        CadenceTotal(key or None, hits.get(key or None, 0), total) for key, total, _ in days
    )
