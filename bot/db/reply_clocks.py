"""Each mention's reply clock, recorded when the mention opens (issue 26).

The reply rule (`bot.domain.kpis.reply_time`) asks two things of a mention's working time: has
it run the POD's `response_hours` by an instant (unanswered then: a miss, else not yet due),
and was the answer within them. Both are fixed the moment the mention is made, so
`bot.actions.mentions` stores them beside it: `reply_late_from` (the first instant the clock
has run out) and `reply_due_by` (the last instant an answer is in time). `/proc stats` then
counts a quarter's mentions per member in one aggregate SELECT (`reply_totals`) instead of
reading each and walking the calendar.

Mentions written around the use case (a restore, a bulk insert, rows from before migration
0032) are *unrecorded* (`reply_due_by` NULL) until `record` fills them: a process does at
start, once it has the PODs' calendars, and `podbot db restate` recomputes every row (after a
change of holidays or `response_hours`). While a quarter has one unrecorded, the reader counts
its mentions row by row as before, so no figure is read from a missing value."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ColumnElement, Integer, and_, bindparam, case, func, not_, select, update
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot.db.models import PendingResponse, PodRow, ResponseState
from bot.domain.kpis import ReplyTotal, reply_due_by, reply_late_from

if TYPE_CHECKING:
    from bot.config import Config, Pod

Executor = Session | Connection
ANSWERED = (ResponseState.ANSWERED.value, ResponseState.MARKED.value)
_T = PendingResponse.__table__
_C = _T.c
_RECORD = (
    update(_T)
    .where(_C.id == bindparam("row_id"))
    .values(reply_late_from=bindparam("late_from"), reply_due_by=bindparam("due_by"))
)


def reply_clock(pod: Pod, hours: int, mentioned_at: datetime) -> dict[str, datetime]:
    """The columns a mention of `pod` made at `mentioned_at` records."""
    return {
        "reply_late_from": reply_late_from(pod.calendar, mentioned_at, hours),
        "reply_due_by": reply_due_by(pod.calendar, mentioned_at, hours),
    }


def record(executor: Executor, config: Config, *, every: bool = False) -> int:
    """Record the reply clocks of the mentions not recorded yet (`every`: of all, again) of
    the PODs in the config; how many rows were written."""
    return record_pods(executor, config.pods, config.clocks.response_hours, every=every)


def record_pods(executor: Executor, pods: Iterable[Pod], hours: int, *, every: bool = False) -> int:
    """`record` for these PODs and reply hours."""
    written = 0
    ids = {key: pod_id for key, pod_id in executor.execute(select(PodRow.key, PodRow.id))}
    for pod in pods:
        if pod.key not in ids:
            continue
        query = select(_C.id, _C.mentioned_at).where(_C.pod_id == ids[pod.key])
        if not every:
            query = query.where(_C.reply_due_by.is_(None))
        rows = [
            {
                "row_id": row_id,
                "late_from": reply_late_from(pod.calendar, at, hours),
                "due_by": reply_due_by(pod.calendar, at, hours),
            }
            for row_id, at in executor.execute(query)
        ]
        if rows:
            executor.execute(_RECORD, rows)
        written += len(rows)
    return written


def reply_totals(
    executor: Executor, pod_id: int, first: datetime, last: datetime, now: datetime
) -> tuple[ReplyTotal, ...] | None:
    """The POD's mentions made in [first, last), not withdrawn, counted per member as the
    reply rule judges them as of `now`; None when one of them has no recorded clock."""
    seen = and_(_C.state.in_(ANSWERED), _C.closed_at <= now)

    def count(condition: ColumnElement[bool]) -> ColumnElement[int]:
        return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).cast(Integer)

    rows = executor.execute(
        select(
            _C.member,
            count(and_(seen, _C.closed_at <= _C.reply_due_by)),
            count(seen),
            count(and_(not_(seen), _C.reply_late_from <= now)),
            func.count(),
            count(_C.reply_due_by.is_(None)),
        )
        .where(
            _C.pod_id == pod_id,
            _C.mentioned_at >= first,
            _C.mentioned_at < last,
            _C.state != ResponseState.WITHDRAWN.value,
        )
        .group_by(_C.member)
        .order_by(_C.member)
    ).all()
    if any(unrecorded for *_, unrecorded in rows):
        return None
    return tuple(
        ReplyTotal(member, ok, answered + late, mentions - answered - late)
        for member, ok, answered, late, mentions, _ in rows
    )
