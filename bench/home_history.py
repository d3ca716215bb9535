"""A buyer's and an em's App Home render over two years of history (issue 26).

One POD (kpi_stats.py's) with 0×, 1×, 4× and 16× the two-year history of bench/history.py
(5,000 requests, 8,000 approved claims, 20,000 mentions per 1×; `--scale` shrinks it). For each
size and each of the two Homes: p50/p95 over `--runs` of what the outbox worker does for a
`home` row before sending it — `load_home` (bot/db/home.py) and the view (bot/blocks/home.py)
— beside a baseline of hand-written SQL for the same figures (the buyer's quarter quota and
negotiations, first 8 and their count; the em's POD savings, pending claims and breaches,
first 8 and their counts) with the view built from them left out: the cost of asking the
database alone. The target: p95 ≤ 50 ms at 1× and at 16×.

    .venv/bin/python bench/home_history.py
    .venv/bin/python bench/home_history.py --scale 0.25 --runs 20
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import history
from history import CONFIG, NOW, POD, growing, timed
from sqlalchemy import text

from bot.blocks.home import home_view
from bot.db.home import load_home
from bot.db.session import Database
from bot.domain.quarters import quarter_of

BUYER, EM = "U0BUY0001", "U0EM00001"


def stored(instant: datetime) -> str:
    """As SQLite stores UTCDateTime: naive UTC text with microseconds."""
    return instant.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def podbot_home(db: Database, user: str) -> Any:
    with db.reading() as session:
        data = load_home(session, CONFIG, user, NOW)
    return home_view(data)


def hand_sql(db: Database, user: str) -> Any:
    """The same figures with hand-written SQL (no view)."""
    quarter = quarter_of(NOW.astimezone(POD.zone).date())
    first = datetime.combine(quarter.start, datetime.min.time(), tzinfo=POD.zone)
    params = {"first": stored(first), "now": stored(NOW), "user": user}
    saved = (
        "SELECT c.kind, coalesce(sum(c.baseline - c.final), 0) FROM savings_claims c "
        "JOIN requests r ON r.id = c.request_id WHERE c.status = 'approved' AND "
        "c.superseded_at IS NULL AND c.decided_at >= :first AND c.decided_at <= :now {buyer} "
        "GROUP BY c.kind"
    )
    with db.engine.connect() as c:
        if user == BUYER:
            out = [
                c.execute(text(saved.format(buyer="AND r.buyer_id = :user")), params).all(),
                c.execute(
                    text(
                        "SELECT id, customer, tool, coalesce(last_update_at, assigned_at), "
                        "tat_due_at FROM requests WHERE pod_id = 1 AND stage = 'negotiating' "
                        "AND buyer_id = :user ORDER BY coalesce(last_update_at, assigned_at), "
                        "id LIMIT 8"
                    ),
                    params,
                ).all(),
                c.execute(
                    text(
                        "SELECT count(*) FROM requests WHERE pod_id = 1 AND stage = "
                        "'negotiating' AND buyer_id = :user"
                    ),
                    params,
                ).scalar_one(),
            ]
        else:
            breaches = (
                "FROM requests WHERE pod_id = 1 AND stage = 'negotiating' AND tat_due_at <= :now"
            )
            out = [
                c.execute(text(saved.format(buyer="")), params).all(),
                c.execute(
                    text(
                        "SELECT c.id, r.customer FROM savings_claims c JOIN requests r ON r.id = "
                        "c.request_id WHERE r.pod_id = 1 AND c.status = 'pending' AND "
                        "c.created_by <> :user ORDER BY c.created_at, c.id LIMIT 8"
                    ),
                    params,
                ).all(),
                c.execute(
                    text(
                        f"SELECT id, customer, tool, tat_due_at {breaches} ORDER BY tat_due_at "
                        "LIMIT 8"
                    ),
                    params,
                ).all(),
                c.execute(text(f"SELECT count(*) {breaches}"), params).scalar_one(),
            ]
    return out


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the base history")
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--factors", default="0,1,4,16")
    args = parser.parse_args()
    base = [int(n * args.scale) for n in history.BASE]
    rng = random.Random(17)
    failed = False
    print(f"base history: {base[0]:,} requests, {base[1]:,} claims, {base[2]:,} mentions")
    print(f"{'history':>8} {'home':>6} {'podbot p50':>11} {'p95':>8} "
          f"{'hand SQL p50':>13} {'p95':>8} {'ratio p95':>10}")  # fmt: skip

    def grow(db: Database, more: int) -> None:
        history.seed(db, POD, NOW, *(n * more for n in base), rng)

    for db, factor in growing("home.db", args.factors, grow):
        for name, user in (("buyer", BUYER), ("em", EM)):
            podbot_home(db, user)  # warm up
            p50, p95, _ = timed(lambda db=db, user=user: podbot_home(db, user), args.runs, 0.95)
            b50, b95, _ = timed(lambda db=db, user=user: hand_sql(db, user), args.runs, 0.95)
            failed |= factor in (1, 16) and p95 > 0.050
            print(f"{factor:>7}× {name:>6} {p50 * 1000:>9.1f}ms {p95 * 1000:>6.1f}ms "
                  f"{b50 * 1000:>11.1f}ms {b95 * 1000:>6.1f}ms {p95 / b95:>9.1f}×")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
