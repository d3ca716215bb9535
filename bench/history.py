"""Two years of a POD's history, bulk-inserted: the load `kpi_stats.py`, `price_intel.py`,
`home_history.py` and `ack_latency.py` share (`--history N` there is N times this).

One history (`BASE`) is 5,000 requests, 8,000 approved claims and 20,000 mentions spread over
the two years before `now`, with 20 accounts and this quarter's targets for the POD and its
buyers the first time a POD is seeded. Requests still open at `now` are under negotiation.

The benches of one POD (`CONFIG`, `POD`, the clock `NOW`) grow one database through their
`--factors` with `growing`, and time an answer with `timed` and `statements_of`.
"""

from __future__ import annotations

import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, select, text

from bot.config import Clocks, Pod, parse_config
from bot.db import claim_ledger, reply_clocks, request_clocks
from bot.db.migrate import upgrade
from bot.db.models import Account, PendingResponse, PodRow, Request, SavingsClaim, Target
from bot.db.pods import sync_pods
from bot.db.session import Database
from bot.domain.kpis import REPLY_HOURS
from bot.domain.lifecycle import negotiation_due
from bot.domain.quarters import quarter_of

# Requests, approved claims and mentions in one POD's two years.
BASE = (5000, 8000, 20000)
SPAN = timedelta(days=730)
CUSTOMERS = [f"Customer {i:02d}" for i in range(20)]
TOOLS = [f"Tool {i:02d}" for i in range(23)]

# The one-POD benches' clock and POD (kpi_stats.py, price_intel.py, home_history.py).
NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
CONFIG_TOML = (
    '[[pods]]\nkey = "alpha"\nname = "POD Alpha"\nchannel = "C0ALPHA01"\n'
    'timezone = "Asia/Kolkata"\nmembers = { U0EM00001 = "em", U0BUY0001 = "buyer", '
    'U0BUY0002 = "buyer", U0BUY0003 = "buyer", U0ANA0001 = "analyst", U0ANA0002 = "analyst" }\n'
)
CONFIG = parse_config(CONFIG_TOML, "bench.toml")
POD = CONFIG.pod("alpha")


def growing(
    name: str, factors: str, grow: Callable[[Database, int], None]
) -> Iterator[tuple[Database, int]]:
    """A fresh SQLite database of `POD` grown to each of `factors` (`"0,1,4,16"`) times the
    history in turn: `grow(db, n)` adds n times it, then statistics are kept as `podbot serve`
    keeps them; yields (database, factor) once per factor."""
    with tempfile.TemporaryDirectory(prefix="podbot-bench-") as tmp:
        db = Database(f"sqlite:///{Path(tmp) / name}")
        try:
            upgrade(db.engine)
            with db.transaction() as session:
                sync_pods(session, CONFIG)
            seeded = 0
            for factor in (int(f) for f in factors.split(",")):
                if factor > seeded:
                    grow(db, factor - seeded)
                    seeded = factor
                    db.optimize(starting=True)
                yield db, factor
        finally:
            db.dispose()


def timed(fn: Callable[[], Any], runs: int, tail: float = 0.99) -> tuple[float, float, Any]:
    """The median and the `tail` percentile of `runs` calls of `fn` (seconds), and its last
    result."""
    times, result = [], None
    for _ in range(runs):
        t = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t)
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(tail * len(times)))], result


def statements_of(db: Database, fn: Callable[[], Any]) -> int:
    """How many SQL statements one call of `fn` runs."""
    seen: list[str] = []

    def count(*a: Any) -> None:
        seen.append(a[2])

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return len(seen)


def seed(
    db: Database,
    pod: Pod,
    now: datetime,
    requests: int,
    claims: int,
    mentions: int,
    rng: random.Random,
    customers: Sequence[str] = CUSTOMERS,
) -> None:
    """Bulk-insert the history with Core executemany (accounts and targets once per POD).
    Account names are unique across PODs: give each POD its own `customers`."""
    buyers, analysts = pod.members_with("buyer"), pod.members_with("analyst")
    em = (pod.members_with("em") or analysts)[0]
    with db.engine.begin() as c:
        pod_id = c.execute(select(PodRow.id).where(PodRow.key == pod.key)).scalar_one()
        if not c.execute(select(Account.id).where(Account.pod_id == pod_id)).first():
            c.execute(insert(Account.__table__), [
                dict(pod_id=pod_id, customer=name, initiated=(now - SPAN).date(),
                     handover=(now - SPAN).date() + timedelta(days=30), term_end=date(2027, 12, 31),
                     msg=Decimal(500000), pse=Decimal(900000), ats=Decimal(2000000),
                     currency="USD", health=rng.choice(["favorable", "neutral", "at-risk"]),
                     created_at=now - SPAN, updated_at=now - SPAN, updated_by="import")
                for name in customers
            ])  # fmt: skip
            quarter = quarter_of(now.date())
            c.execute(insert(Target.__table__), [
                dict(pod_id=pod_id, quarter=str(quarter), scope="pod", member_id=None,
                     amount=Decimal(1000000), currency="USD", set_at=now, set_by="import"),
                *(dict(pod_id=pod_id, quarter=str(quarter), scope="member", member_id=b,
                       amount=Decimal(300000), currency="USD", set_at=now, set_by="import")
                  for b in buyers),
            ])  # fmt: skip
        rows = []
        for _ in range(requests):
            created = now - SPAN * rng.random()
            kind = "renewal" if rng.random() < 0.35 else "new"
            qualified = created + timedelta(hours=rng.uniform(0.5, 48))
            assigned = qualified + timedelta(hours=rng.uniform(1, 48))
            closed = assigned + timedelta(days=rng.uniform(2, 70))
            open_ = closed > now
            rows.append(dict(
                pod_id=pod_id, customer=rng.choice(customers), tool=rng.choice(TOOLS),
                type=kind, stage="negotiating" if open_ else "closed",
                outcome=None if open_ else rng.choice(["won", "won", "lost"]), currency="USD",
                created_by=analysts[0], analyst_id=rng.choice(analysts),
                buyer_id=rng.choice(buyers), created_at=created, qualification_due_at=created,
                qualified_at=qualified, assigned_at=assigned,
                tat_due_at=negotiation_due(pod.timezone, assigned, 15 if kind == "new" else 60),
                closed_at=None if open_ else closed, updated_at=created,
            ))  # fmt: skip
        # The ids from the database (RETURNING, in the rows' order): on PostgreSQL explicit ids
        # would leave the sequence behind them.
        returning = insert(Request.__table__).returning(
            Request.__table__.c.id, sort_by_parameter_order=True
        )
        for row, request_id in zip(rows, c.execute(returning, rows).scalars(), strict=True):
            row["id"] = request_id
        claim_rows = []
        # One effective claim per request and kind (issue 27): a request's further approved
        # claims of a kind are additional savings, so the history keeps all its claims counted.
        seen: set[tuple[int, str]] = set()
        for _ in range(claims):
            r = rows[rng.randrange(len(rows))]
            decided = min(r["assigned_at"] + timedelta(days=rng.uniform(1, 60)), now)
            base = Decimal(rng.randrange(10_000, 200_000))
            claim_rows.append(dict(
                request_id=r["id"], kind=rng.choice(["savings", "savings", "avoidance"]),
                baseline=base, final=(base * Decimal(rng.uniform(0.6, 0.95))).quantize(Decimal(1)),
                currency="USD", status="approved", created_by=r["buyer_id"], created_at=decided,
                decided_by=em, decided_at=decided,
            ))  # fmt: skip
            key = (r["id"], claim_rows[-1]["kind"])
            claim_rows[-1]["additional"] = key in seen
            seen.add(key)
        c.execute(insert(SavingsClaim.__table__), claim_rows)
        # Approved in bulk, around the use cases: record their figures as `podbot db restate`
        # (and the migration) would, as each approval does.
        claim_ledger.restate_all(c)
        members = list(pod.members)
        start = c.execute(text("SELECT count(*) FROM pending_responses")).scalar_one()
        mention_rows = []
        for n in range(mentions):
            at = now - SPAN * rng.random()
            answered = at + timedelta(hours=rng.expovariate(1 / 20))
            open_ = answered > now or rng.random() < 0.05
            mention_rows.append(dict(
                pod_id=pod_id, channel=pod.channel, message_ts=f"{start + n}.0",
                thread_ts=f"{start + n}.0", author=em, member=rng.choice(members),
                mentioned_at=at, due_at=at, escalate_at=at, state="open" if open_ else "answered",
                closed_at=None if open_ else answered,
            ))  # fmt: skip
        c.execute(insert(PendingResponse.__table__), mention_rows)
        # Written around the use case: their reply clocks, as a process records them at start.
        reply_clocks.record_pods(c, [pod], REPLY_HOURS)
        # Likewise the requests' and updates' clocks (`bot.db.request_clocks`).
        request_clocks.record_pods(c, [pod], Clocks())
