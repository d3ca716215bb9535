"""`/proc benchmark` and `/proc playbook` (issue 34) over two years of history: time to work out
each answer and its SQL statements.

The history of `kpi_stats.py` (bench/history.py: one POD, 5,000 requests and 8,000 approved
claims per 1×; no mentions, which neither answer reads) with, per 1×, 3,000 itemised quotes
(one line each, 1–600 seats, monthly or annual, 12–36 months) on its requests, the levers named
on two won requests in three, and 20 case studies; at 0×, 1×, 4× and 16× (`--factors`). Each
answer is for the busiest tool (about 1/23 of the history). Beside each, a baseline of
hand-written SQL for the same headline figures: the deals per quantity band with their best
price, and how often each lever was named on a won request. Targets (issue 26's): at 16× the
answer ≤ 2× its time at 1×; reported, with the ratio to the baseline.

    .venv/bin/python bench/price_intel.py
    .venv/bin/python bench/price_intel.py --scale 0.25 --runs 10
"""

from __future__ import annotations

import argparse
import random
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import history
from history import CONFIG, NOW, POD, growing, statements_of, timed
from sqlalchemy import insert, select, text

from bot.actions.playbooks import playbook_answer
from bot.actions.pricing import benchmark_answer
from bot.db.models import CaseStudy, LeverAnswer, PodRow, Quote, QuoteLine, Request
from bot.db.session import Database
from bot.domain.playbooks import Lever, dumps_levers

BASE = (5000, 8000, 3000)  # requests, approved claims, itemised quotes per 1×
VENDORS = ["Crayon", "SoftwareOne", "SHI", "Insight", "CDW", "the vendor"]


def seed(db: Database, requests: int, claims: int, quotes: int, rng: random.Random) -> None:
    """The history, then itemised quotes, levers and case studies on its requests."""
    history.seed(db, POD, NOW, requests, claims, 1, rng)  # (one mention: an empty insert fails)
    with db.engine.begin() as c:
        pod_id = c.execute(select(PodRow.id).where(PodRow.key == POD.key)).scalar_one()
        rows = c.execute(
            select(Request.id, Request.created_at, Request.outcome, Request.buyer_id).where(
                Request.pod_id == pod_id
            )
        ).all()
        quote_rows = []
        for _ in range(quotes):
            request = rows[rng.randrange(len(rows))]
            quote_rows.append(dict(
                request_id=request.id, vendor=rng.choice(VENDORS),
                amount=Decimal(rng.randrange(1_000, 200_000)), currency="USD",
                created_by="U0BUY0001", created_at=request.created_at + timedelta(days=3),
            ))  # fmt: skip
        returning = insert(Quote.__table__).returning(
            Quote.__table__.c.id, sort_by_parameter_order=True
        )
        ids = c.execute(returning, quote_rows).scalars().all()
        line_rows = []
        for quote_id, quote in zip(ids, quote_rows, strict=True):
            cycle = rng.choice(["monthly", "annual"])
            unit = Decimal(rng.randrange(500, 3000)) / 100
            line_rows.append(dict(
                quote_id=quote_id, request_id=quote["request_id"], plan=None, plan_key=None,
                quantity=rng.randrange(1, 600), unit_price=unit, currency="USD", cycle=cycle,
                term_months=rng.choice([12, 12, 24, 36]),
                annual_unit_price=unit * 12 if cycle == "monthly" else unit,
                created_at=quote["created_at"],
            ))  # fmt: skip
        c.execute(insert(QuoteLine.__table__), line_rows)
        answered = {r[0] for r in c.execute(select(LeverAnswer.request_id))}
        levers = list(Lever)
        lever_rows = [
            dict(
                request_id=r.id, levers=dumps_levers(rng.sample(levers, rng.randrange(1, 4))),
                note="a line of what worked", answered_by=r.buyer_id, answered_at=NOW,
            )
            for r in rows
            if r.outcome == "won" and r.id not in answered and rng.random() < 2 / 3
        ]  # fmt: skip
        if lever_rows:
            c.execute(insert(LeverAnswer.__table__), lever_rows)
        studied = {r[0] for r in c.execute(select(CaseStudy.request_id))}
        closed = [r for r in rows if r.outcome == "won" and r.id not in studied]
        c.execute(insert(CaseStudy.__table__), [
            dict(request_id=r.id, marked_by="U0EM00001", marked_at=NOW)
            for r in rng.sample(closed, min(20, len(closed)))
        ])  # fmt: skip


def busiest_tool(db: Database) -> str:
    with db.engine.connect() as c:
        return str(
            c.execute(
                text(
                    "SELECT r.tool FROM quote_lines l JOIN requests r ON r.id = l.request_id "
                    "GROUP BY r.tool ORDER BY count(*) DESC, r.tool LIMIT 1"
                )
            ).scalar_one()
        )


def benchmark(db: Database, tool: str) -> str:
    with db.reading() as session:
        return benchmark_answer(session, CONFIG, POD, tool, None, NOW)


def playbook(db: Database, tool: str) -> str:
    with db.reading() as session:
        return playbook_answer(session, CONFIG, POD, tool, NOW)


def baseline(db: Database, tool: str) -> tuple[Any, ...]:
    """Deals and best price per quantity band, and lever mentions on won requests, by SQL."""
    since = (NOW - timedelta(days=730)).replace(tzinfo=None).isoformat(" ", "microseconds")
    with db.engine.connect() as c:
        bands = c.execute(
            text(
                "SELECT CASE WHEN l.quantity < 50 THEN 0 WHEN l.quantity < 250 THEN 1 ELSE 2 END "
                "AS band, count(*), min(l.annual_unit_price) FROM quote_lines l JOIN requests r "
                "ON r.id = l.request_id WHERE r.tool = :tool AND l.created_at >= :since "
                "GROUP BY band"
            ),
            {"tool": tool, "since": since},
        ).all()
        levers = c.execute(
            text(
                "SELECT a.levers, count(*) FROM lever_answers a JOIN requests r ON "
                "r.id = a.request_id WHERE r.tool = :tool AND r.outcome = 'won' GROUP BY a.levers"
            ),
            {"tool": tool},
        ).all()
    return tuple(bands), tuple(levers)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the base history")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--factors", default="0,1,4,16")
    args = parser.parse_args()
    base = [int(n * args.scale) for n in BASE]
    rng = random.Random(34)
    failed = False
    print(f"base history: {base[0]:,} requests, {base[1]:,} claims, {base[2]:,} itemised "
          "quotes")  # fmt: skip
    print(f"{'history':>8} {'answer':>10} {'p50':>9} {'p99':>9} {'stmts':>6} "
          f"{'baseline p50':>13} {'ratio':>7} {'x 1x':>6}")  # fmt: skip
    at_1x: dict[str, float] = {}

    def grow(db: Database, more: int) -> None:
        seed(db, *(n * more for n in base), rng)

    for db, factor in growing("price.db", args.factors, grow):
        if factor == 0:
            continue  # nothing to ask about yet: no tool has a request
        tool = busiest_tool(db)
        b50, _b99, _figures = timed(lambda db=db, tool=tool: baseline(db, tool), args.runs)
        for name, answer in (("benchmark", benchmark), ("playbook", playbook)):
            ours = statements_of(db, lambda db=db, answer=answer, tool=tool: answer(db, tool))
            p50, p99, _text = timed(
                lambda db=db, answer=answer, tool=tool: answer(db, tool), args.runs
            )
            if factor == 1:
                at_1x[name] = p50
            growth = f"{p50 / at_1x[name]:>5.1f}×" if name in at_1x else f"{'—':>6}"
            failed |= factor == 16 and name in at_1x and p50 > 2 * at_1x[name]
            print(f"{factor:>7}× {name:>10} {p50 * 1000:>7.1f}ms {p99 * 1000:>7.1f}ms "
                  f"{ours:>6} {b50 * 1000:>11.1f}ms {p50 / b50:>6.1f}× {growth}")  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
