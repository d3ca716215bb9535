"""What each approved claim's figures stood at, recorded when it is decided (issue 26).

Two KPI figures used to replay history on every answer: benchmark attainment (each judged
claim against its tool's benchmark *as of its approval*: the mean savings % of the tool's other
requests, each by its latest approved claim, summed in exact decimals in decision order) and
GDR (an account's savings from handover to the quarter's start). Both are now stored on the
claim, in the approval's transaction:

* `tool_benchmark`, and the running state it came from (`tool_percent_sum`, `tool_requests`):
  the replay's state just after this claim, in the order `(decided_at, id)` over the tool's
  approved claims (revised ones too, as the replay counts them);
* `beats_benchmark`: whether the claim passed against that benchmark
  (`bot.domain.kpis.beats_benchmark`; NULL with none), so benchmark attainment is a count;
* `customer_to_date`: the customer's effective savings of TARGET_KINDS in this claim's currency
  up to and including it, in the same order (NULL for a claim that does not count now), so a
  window's savings is the difference of two index lookups.

A decision that lands at the end of the order (every approval on a monotonic clock) restates
one row; one that lands earlier, or a revision superseding an earlier claim, restates the
tool's or the customer's rows from that point on, deterministically. The whole-history
replay stays the yardstick (`bot.db.kpi_reference`); `restate_all` recomputes every row from
scratch (the migration's backfill, `podbot db restate`), `check` says which rows differ.

Claims written around the use cases (a restore, a bulk insert) are *unrecorded* until
restated: the next decision restates them first, and the KPI reader replays as before while
any exist (`any_unrecorded`), so no figure is ever read from a missing value."""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    and_,
    bindparam,
    func,
    or_,
    select,
    text,
    type_coerce,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import TextClause

from bot.db.models import UNRECORDED, Request, SavingsClaim
from bot.domain.kpis import beats_benchmark
from bot.domain.vocabulary import ClaimStatus

Executor = Session | Connection
_CLAIMS = SavingsClaim.__table__
_C = _CLAIMS.c
APPROVED = ClaimStatus.APPROVED.value
# The kinds a customer's savings count (`bot.domain.kpis.TARGET_KINDS`).
COUNTED_KINDS = ("avoidance", "savings")
_LOCK_BASE = 0x636C6169  # "clai": keeps these advisory locks apart from config syncs'

Position = tuple[datetime, int]  # (decided_at, id): the order of decisions


def _cents(column: Any) -> Any:
    return type_coerce(column, BigInteger)


def _dialect(conn: Executor) -> str:
    bind = conn.get_bind() if isinstance(conn, Session) else conn
    return bind.dialect.name


def _lock(conn: Executor, *names: str) -> None:
    """Serialise recorders of the same tool or customer (PostgreSQL; SQLite has one writer)."""
    if _dialect(conn) != "postgresql":
        return
    for name in sorted(set(names)):
        key = (_LOCK_BASE << 32) | zlib.crc32(name.encode())
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": key})


def _before(position: Position) -> ColumnElement[bool]:
    at, claim_id = position
    return or_(_C.decided_at < at, and_(_C.decided_at == at, _C.id < claim_id))


def _from(position: Position) -> ColumnElement[bool]:
    return ~_before(position)


def percent_of(baseline_cents: int, final_cents: int) -> Decimal:
    """`bot.domain.savings.savings_percent` of amounts in cents: the same quotient, rounded the
    same (one exact numerator, one division)."""
    return Decimal((baseline_cents - final_cents) * 100) / Decimal(baseline_cents)


def bench_of(percent_sum: Decimal, requests: int, percent: Decimal) -> Decimal | None:
    """The benchmark a claim was approved against, from the state just after it."""
    others = requests - 1
    return (percent_sum - percent) / others if others else None


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


# --- the benchmark: a tool's approved claims in decision order ----------------------------------


def restate_tool(
    conn: Executor, tool_key: str, start: Position | None = None, *, beats: bool = True
) -> int:
    """Replay the tool's approved claims from `start` (None: all of them) and store each one's
    running state, benchmark and (`beats`: not before migration 0035 adds its column) whether
    it beat it. Returns how many rows were replayed."""
    tool = and_(_C.status == APPROVED, _C.tool_key == tool_key)
    order = (_C.decided_at, _C.id)
    columns = (_C.id, _C.request_id, _cents(_C.baseline), _cents(_C.final))
    total, count = Decimal(0), 0
    latest: dict[int, Decimal] = {}
    if start is None:
        tail = conn.execute(select(*columns).where(tool).order_by(*order)).all()
    else:
        tail = conn.execute(select(*columns).where(tool, _from(start)).order_by(*order)).all()
        if not tail:
            return 0
        prior = conn.execute(
            select(_C.tool_percent_sum, _C.tool_requests)
            .where(tool, _before(start), _C.tool_requests.is_not(None))
            .order_by(_C.decided_at.desc(), _C.id.desc())
            .limit(1)
        ).first()
        if prior is not None:
            total, count = Decimal(prior.tool_percent_sum), prior.tool_requests
        # The tail's requests' latest % before `start` (each was counted in `count` then).
        earlier = conn.execute(
            select(_C.request_id, _cents(_C.baseline), _cents(_C.final))
            .where(tool, _before(start), _C.request_id.in_({r.request_id for r in tail}))
            .order_by(*order)
        ).all()
        for request_id, baseline, final in earlier:
            latest[request_id] = percent_of(baseline, final)
    changes = []
    for claim_id, request_id, baseline, final in tail:  # by decision, then id
        percent = percent_of(baseline, final)
        # The replay's arithmetic, step for step (its rounding depends on the order).
        total += percent - latest.get(request_id, Decimal(0))
        if request_id not in latest:
            count += 1
        latest[request_id] = percent
        benchmark = bench_of(total, count, percent)
        changes.append(
            {
                "claim": claim_id,
                "percent_sum": str(total),
                "requests": count,
                "benchmark": _text(benchmark),
                # The rule's amounts: cents as the exact decimals a Money holds.
                "beats": beats_benchmark(
                    Decimal(baseline - final).scaleb(-2), Decimal(baseline).scaleb(-2), benchmark
                ),
            }
        )
    written: dict[str, Any] = dict(tool_percent_sum="percent_sum", tool_requests="requests",
                                   tool_benchmark="benchmark")  # fmt: skip
    if beats:
        written["beats_benchmark"] = "beats"
    _write(conn, changes, **written)
    return len(changes)


# --- a customer's savings to date ---------------------------------------------------------------


def _counted() -> ColumnElement[bool]:
    return and_(_C.status == APPROVED, _C.superseded_at.is_(None), _C.kind.in_(COUNTED_KINDS))


def restate_customer(
    conn: Executor, customer_key: str, currency: str, start: Position | None = None
) -> int:
    """Recompute the customer's running savings in `currency` from `start` (None: all)."""
    mine = and_(_C.status == APPROVED, _C.customer_key == customer_key, _C.currency == currency)
    columns = (_C.id, _C.kind, _C.superseded_at, _cents(_C.baseline), _cents(_C.final))
    order = (_C.decided_at, _C.id)
    running = 0
    query = select(*columns).where(mine).order_by(*order)
    if start is not None:
        query = query.where(_from(start))
        prior = conn.execute(
            select(_cents(_C.customer_to_date))
            .where(mine, _before(start), _C.customer_to_date.is_not(None))
            .order_by(_C.decided_at.desc(), _C.id.desc())
            .limit(1)
        ).scalar()
        running = prior or 0
    changes = []
    for claim_id, kind, superseded_at, baseline, final in conn.execute(query):
        counts = superseded_at is None and kind in COUNTED_KINDS
        if counts:
            running += baseline - final
        changes.append({"claim": claim_id, "to_date": running if counts else None})
    _write(conn, changes, customer_to_date="to_date", cents=True)
    return len(changes)


# A customer's recorded savings in a currency decided before an instant, in cents: the last
# counted claim's running total, by `ix_savings_claims_customer_key_currency_decided_at`. One
# statement built once (its compiled form cached), run per customer and bound.
_TO_DATE = (
    select(_cents(_C.customer_to_date))
    .where(
        _C.customer_key == bindparam("key"),
        _C.currency == bindparam("currency"),
        _C.decided_at < bindparam("before", type_=_C.decided_at.type),
        _C.customer_to_date.is_not(None),
    )
    .order_by(_C.decided_at.desc(), _C.id.desc())
    .limit(1)
)
_ALL_TO_DATE = (
    select(_cents(_C.customer_to_date))
    .where(
        _C.customer_key == bindparam("key"),
        _C.currency == bindparam("currency"),
        _C.customer_to_date.is_not(None),
    )
    .order_by(_C.decided_at.desc(), _C.id.desc())
    .limit(1)
)


def to_date(conn: Executor, key: str, currency: str, before: datetime | None = None) -> int:
    """The customer's recorded effective savings (TARGET_KINDS) in `currency` decided before
    `before` (None: all of them), in cents: one index lookup."""
    if before is None:
        found = conn.execute(_ALL_TO_DATE, {"key": key, "currency": currency})
    else:
        found = conn.execute(_TO_DATE, {"key": key, "currency": currency, "before": before})
    return int(found.scalar() or 0)


# The first counted claim of a customer in a currency, decided in [since, until), whose running
# total reaches a number of cents above what was saved before `since` (savings only grow: a
# claim's final is below its baseline). Walks the same index from `since`.
_PRIOR = _CLAIMS.alias("prior")
_before_since = (
    select(_cents(_PRIOR.c.customer_to_date))
    .where(
        _PRIOR.c.customer_key == bindparam("key"),
        _PRIOR.c.currency == bindparam("currency"),
        _PRIOR.c.decided_at < bindparam("since", type_=_C.decided_at.type),
        _PRIOR.c.customer_to_date.is_not(None),
    )
    .order_by(_PRIOR.c.decided_at.desc(), _PRIOR.c.id.desc())
    .limit(1)
)


def _reached(bounded: bool) -> Any:
    until = (_C.decided_at < bindparam("until", type_=_C.decided_at.type),) if bounded else ()
    return (
        select(_C.decided_at)
        .where(
            _C.customer_key == bindparam("key"),
            _C.currency == bindparam("currency"),
            _C.decided_at >= bindparam("since", type_=_C.decided_at.type),
            *until,
            _C.customer_to_date.is_not(None),
            _cents(_C.customer_to_date)
            >= func.coalesce(_before_since.scalar_subquery(), 0)
            + bindparam("cents", type_=BigInteger),
        )
        .order_by(_C.decided_at, _C.id)
        .limit(1)
    )


_REACHED, _REACHED_UNTIL = _reached(False), _reached(True)


def reached_at(
    conn: Executor,
    key: str,
    currency: str,
    since: datetime,
    cents: int,
    until: datetime | None = None,
) -> datetime | None:
    """When the customer's recorded savings in `currency` decided from `since` first reached
    `cents` (if before `until`): one statement, walking the index from `since`."""
    bound = {"key": key, "currency": currency, "since": since, "cents": cents}
    if until is None:
        return conn.execute(_REACHED, bound).scalar()
    return conn.execute(_REACHED_UNTIL, {**bound, "until": until}).scalar()


def _write(
    conn: Executor, changes: list[dict[str, Any]], cents: bool = False, **columns: str
) -> None:
    if not changes:
        return
    values = {
        column: bindparam(key, type_=BigInteger) if cents else bindparam(key)
        for column, key in columns.items()
    }
    statement = _CLAIMS.update().where(_C.id == bindparam("claim")).values(**values)
    conn.execute(statement, changes)


# --- the decision hook ----------------------------------------------------------------------


def any_unrecorded(conn: Executor) -> bool:
    """Whether an approved claim has not been recorded (`ix_savings_claims_approved_tool_key`,
    its NULL keys)."""
    return conn.execute(select(_C.id).where(text(UNRECORDED)).limit(1)).first() is not None


def _keys_of(conn: Executor, which: ColumnElement[bool] | TextClause) -> None:
    """Copy the requests' tool and customer keys onto the claims `which` selects (one UPDATE,
    whatever their number)."""
    requests = Request.__table__.c
    conn.execute(
        _CLAIMS.update()
        .where(which)
        .values(
            tool_key=select(requests.tool_key)
            .where(requests.id == _C.request_id)
            .scalar_subquery(),
            customer_key=select(requests.customer_key)
            .where(requests.id == _C.request_id)
            .scalar_subquery(),
        )
    )


def _repair_unrecorded(conn: Executor) -> None:
    """Record the approved claims written around the use cases, restating what they touch."""
    if not any_unrecorded(conn):
        return
    unrecorded = select(_C.id).where(text(UNRECORDED)).scalar_subquery()
    # Theirs, and those of the claims their approvals revised.
    touched = conn.execute(
        select(Request.tool_key, Request.customer_key, _C.currency)
        .join(Request, Request.id == _C.request_id)
        .where(or_(_C.id.in_(unrecorded), _C.revised_by_id.in_(unrecorded)))
        .distinct()
    ).all()
    _keys_of(conn, text(UNRECORDED))
    for tool in sorted({t for t, _, _ in touched}):
        restate_tool(conn, tool)
    for customer, currency in sorted({(c, cur) for _, c, cur in touched}):
        restate_customer(conn, customer, currency)


def lock_request(conn: Executor, request_id: int) -> None:
    """Take the request's tool and customer locks (PostgreSQL) before an approval writes
    anything, so two approvals touching the same rows queue here rather than deadlock later."""
    if _dialect(conn) != "postgresql":
        return
    keys = conn.execute(
        select(Request.tool_key, Request.customer_key).where(Request.id == request_id)
    ).one()
    _lock(conn, f"tool:{keys.tool_key}", f"customer:{keys.customer_key}")


def record_decision(conn: Executor, claim_id: int, superseded: int | None = None) -> None:
    """In the transaction that approved `claim_id` (after its decision is written): record its
    keys, its tool's benchmark and its customer's savings to date; `superseded`, the claim
    its approval revised, stops counting from its own place in the order on."""
    _repair_unrecorded(conn)
    row = conn.execute(
        select(Request.tool_key, Request.customer_key, _C.currency, _C.decided_at, _C.status)
        .join(Request, Request.id == _C.request_id)
        .where(_C.id == claim_id)
    ).one()
    if row.status != APPROVED:
        return
    _lock(conn, f"tool:{row.tool_key}", f"customer:{row.customer_key}")
    conn.execute(
        _CLAIMS.update()
        .where(_C.id == claim_id)
        .values(tool_key=row.tool_key, customer_key=row.customer_key)
    )
    position = (row.decided_at, claim_id)
    restate_tool(conn, row.tool_key, position)
    starts: dict[tuple[str, str], Position] = {(row.customer_key, row.currency): position}
    if superseded is not None:
        old = conn.execute(
            select(_C.customer_key, _C.currency, _C.decided_at).where(_C.id == superseded)
        ).one()
        if old.customer_key is not None:
            key = (old.customer_key, old.currency)
            starts[key] = min(starts.get(key, position), (old.decided_at, superseded))
    for (customer, currency), start in starts.items():
        restate_customer(conn, customer, currency, start)


# --- the whole table: backfill, check, repair ---------------------------------------------


@dataclass(frozen=True)
class Restated:
    claims: int
    tools: int
    customers: int


def restate_all(conn: Executor, *, beats: bool = True) -> Restated:
    """Recompute every approved claim's recorded figures from scratch (the migrations'
    backfill and `podbot db restate`); `beats` False: all but `beats_benchmark` (migration
    0021, before 0035 adds it)."""
    approved = conn.execute(
        select(func.count()).select_from(_CLAIMS).where(_C.status == APPROVED)
    ).scalar_one()
    _keys_of(conn, _C.status == APPROVED)
    tools = sorted(
        t for t in conn.scalars(select(_C.tool_key).where(_C.status == APPROVED).distinct()) if t
    )
    for tool in tools:
        restate_tool(conn, tool, beats=beats)
    pairs = conn.execute(
        select(_C.customer_key, _C.currency).where(_C.status == APPROVED).distinct()
    ).all()
    for customer, currency in sorted((c, cur) for c, cur in pairs if c is not None):
        restate_customer(conn, customer, currency)
    return Restated(approved, len(tools), len(pairs))


def _snapshot(conn: Executor) -> dict[int, Sequence[Any]]:
    rows = conn.execute(
        select(
            _C.id, _C.tool_key, _C.customer_key, _C.tool_benchmark, _C.tool_percent_sum,
            _C.tool_requests, _cents(_C.customer_to_date), _C.beats_benchmark,
        ).where(_C.status == APPROVED)
    ).all()  # fmt: skip
    return {
        row[0]: (
            row[1],
            row[2],
            None if row[3] is None else Decimal(row[3]),
            None if row[4] is None else Decimal(row[4]),
            row[5],
            row[6],
            row[7],
        )
        for row in rows
    }


def check(conn: Executor) -> list[int]:
    """The approved claims whose recorded figures differ from a replay from scratch (the
    replay is written inside a savepoint and rolled back: nothing changes)."""
    before = _snapshot(conn)
    savepoint = conn.begin_nested()
    try:
        restate_all(conn)
        after = _snapshot(conn)
    finally:
        savepoint.rollback()
    return sorted(i for i in after if before.get(i) != after[i])
