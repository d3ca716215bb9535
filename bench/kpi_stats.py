"""`/proc stats pod` over two years of history: time to compute the answer and SQL statements.

One POD with 5,000 requests, 8,000 approved claims and 20,000 mentions spread over the two
years before the clock (and 20 accounts, a target), at 0×, 1×, 4× and 16× that history
(`--scale` shrinks the base), at 0×, 1×, 4× and 16× that history (`--factors`). For each
size: p50/p99 over `--runs` of the whole answer (`bot.db.kpis.load_facts`, scoped; the POD
scorecard, its text and blocks) and the statements it ran, beside a baseline of hand-written
aggregate SQL for the headline figures (net savings, TAT adherence, replies answered) — the
fastest honest way to get those three numbers, checked equal — and beside the whole-history
engine podbot used before issue 26 (`bot.db.kpi_reference`, `--reference-runs`), whose answer
must be the same text. Targets: ≤ 3× the baseline at 1×, and at 16× ≤ 2× the time at 1×.

`--during-stats` serves the same POD from a real `podbot serve` at `--factor`× (default 16×)
the history and measures what a member typing `/proc stats pod` does to everyone else: the
stats command's ack, when its figures arrive, and the acks of `/proc help` sent back to back
by another member meanwhile, beside `/proc help` with nothing else running (the baseline).

    .venv/bin/python bench/kpi_stats.py
    .venv/bin/python bench/kpi_stats.py --scale 0.25 --runs 10
    .venv/bin/python bench/kpi_stats.py --during-stats            # 16×, ~3 min with seeding
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import history
from history import BASE, CONFIG, CONFIG_TOML, NOW, POD, growing, statements_of, timed
from sqlalchemy import text

from bot.blocks.stats import stats_blocks, stats_text
from bot.db import kpi_reference
from bot.db.kpis import load_facts
from bot.db.migrate import upgrade
from bot.db.pods import sync_pods
from bot.db.session import Database
from bot.domain.quarters import quarter_of
from bot.domain.scorecard import pod_scorecard

BUYERS, ANALYSTS = POD.members_with("buyer"), POD.members_with("analyst")


def seed(db: Database, requests: int, claims: int, mentions: int, rng: random.Random) -> None:
    """Bulk-insert the history (bench/history.py, shared with ack_latency.py)."""
    history.seed(db, POD, NOW, requests, claims, mentions, rng)


def podbot_answer(db: Database, *, reference: bool = False) -> tuple[str, Any]:
    """`/proc stats pod`'s answer: the facts read scoped (or, `reference`, the whole-history
    engine podbot used before issue 26), the scorecard, its text and blocks."""
    quarter = quarter_of(NOW.astimezone(POD.zone).date())
    load = kpi_reference.load_facts if reference else load_facts
    with db.transaction() as session:
        facts = load(session, CONFIG, POD, quarter, NOW)
    card = pod_scorecard(facts, POD.key, ANALYSTS)
    body = stats_text(card, POD.name, str(quarter), NOW.date().isoformat())
    stats_blocks(body)
    return body, card


def baseline(db: Database) -> tuple[Decimal, int, int, int, int]:
    """Net savings, TAT (within, total) and replies (total) with aggregate SQL."""
    quarter = quarter_of(NOW.astimezone(POD.zone).date())
    zone = POD.zone
    first = datetime.combine(quarter.start, datetime.min.time(), tzinfo=zone).astimezone(UTC)

    # As SQLite stores UTCDateTime: naive UTC text with microseconds (a claim decided exactly
    # at NOW is stored `… 15:00:00.000000`, which a bare `… 15:00:00` would leave out).
    def stored(instant: datetime) -> str:
        return instant.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")

    params = {"first": stored(first), "now": stored(NOW)}
    with db.engine.connect() as c:
        net = c.execute(
            text(
                "SELECT coalesce(sum(baseline - final), 0) FROM savings_claims WHERE status = "
                "'approved' AND decided_at >= :first AND decided_at <= :now AND "
                "(superseded_at IS NULL OR superseded_at > :now)"
            ),
            params,
        ).scalar_one()
        within, total = c.execute(
            text(
                "SELECT sum(closed_at <= tat_due_at), count(*) FROM requests WHERE outcome IN "
                "('won', 'lost') AND closed_at >= :first AND closed_at <= :now"
            ),
            params,
        ).one()
        answered, mentions = c.execute(
            text(
                "SELECT sum(state = 'answered'), count(*) FROM pending_responses WHERE "
                "mentioned_at >= :first AND mentioned_at <= :now"
            ),
            params,
        ).one()
    # Amounts are stored in cents (bot/db/types.py MoneyAmount).
    return Decimal(str(net)) / 100, int(within or 0), int(total), int(answered or 0), int(mentions)


def during_stats(args: argparse.Namespace) -> int:
    """`/proc stats pod` at `args.factor`× history in a real `podbot serve`, and another
    member's `/proc help`, sent back to back until the stats figures have arrived."""
    from ack_latency import SIGNING_SECRET, TOKEN, percentile, start_podbot

    from slackfake.signing import SlackClient
    from slackfake.web_api import SlackApiServer

    base = [int(n * args.scale * args.factor) for n in BASE]
    with (
        tempfile.TemporaryDirectory(prefix="podbot-bench-") as tmp_name,
        SlackApiServer(valid_tokens={TOKEN}, strict_channels=False) as api,
    ):
        tmp = Path(tmp_name)
        url = f"sqlite:///{tmp / 'kpi.db'}"
        began = time.perf_counter()
        db = Database(url)
        upgrade(db.engine)
        with db.transaction() as session:
            sync_pods(session, CONFIG)
        seed(db, *base, random.Random(17))
        db.dispose()
        print(f"history {args.factor}×: {base[0]:,} requests, {base[1]:,} claims, {base[2]:,} "
              f"mentions, seeded in {time.perf_counter() - began:.0f} s")  # fmt: skip
        config_path = tmp / "podbot.toml"
        config_path.write_text(CONFIG_TOML, encoding="utf-8")
        os.environ["PODBOT_CLOCK_START"] = NOW.isoformat()  # the history ends at NOW
        server = start_podbot(tmp, url, config_path, api.url, 1)
        print(f"podbot serve --no-scheduler (SQLite), pid {server.pid}; SLACK_API_URL {api.url}")

        def client() -> SlackClient:
            return SlackClient(server.url, SIGNING_SECRET, timeout=300,
                               response_url_base=api.response_url_base)  # fmt: skip

        def ack(slack: SlackClient, user: str, text: str) -> tuple[float, str]:
            sent = time.perf_counter()
            response = slack.slash_command(text, user_id=user, channel_id=POD.channel)
            took = time.perf_counter() - sent
            if response.status != 200:
                raise RuntimeError(f"/proc {text}: HTTP {response.status} {response.text[:200]}")
            return took, str(response.json().get("text") or "")

        helper, asker = client(), client()
        try:
            ack(helper, BUYERS[1], "help")  # warm up
            idle = [ack(helper, BUYERS[1], "help")[0] for _ in range(args.help_idle)]
            print(f"/proc help alone: {len(idle)} acks, p50 {statistics.median(idle) * 1000:.1f} "
                  f"ms, p99 {percentile(idle, 0.99) * 1000:.1f} ms")  # fmt: skip
            print(f"{'run':>4} {'stats ack':>10} {'figures':>9} {'help acks':>10} "
                  f"{'help p50':>9} {'p99':>9} {'max':>9}")  # fmt: skip
            during: list[float] = []
            for run in range(1, args.runs + 1):
                answers = len(api.calls_to("response_url"))
                done = threading.Event()
                timing: dict[str, float] = {}

                def stats(answers: int = answers, done: threading.Event = done,
                          timing: dict[str, float] = timing) -> None:  # fmt: skip
                    sent = time.perf_counter()
                    try:
                        timing["ack"], text = ack(asker, "U0EM00001", "stats pod")
                        if not text.startswith("*Stats"):  # answered later, by response_url
                            api.wait_for("response_url", answers + 1, timeout=300)
                        timing["figures"] = time.perf_counter() - sent
                    finally:
                        done.set()

                thread = threading.Thread(target=stats)
                thread.start()
                mine: list[float] = []
                while not done.is_set():
                    mine.append(ack(helper, BUYERS[1], "help")[0])
                thread.join()
                during += mine
                p50, p99 = statistics.median(mine), percentile(mine, 0.99)
                print(f"{run:>4} {timing['ack'] * 1000:>8.0f}ms {timing['figures']:>8.1f}s "
                      f"{len(mine):>10} {p50 * 1000:>7.1f}ms {p99 * 1000:>7.1f}ms "
                      f"{max(mine) * 1000:>7.1f}ms")  # fmt: skip
            ratio = percentile(during, 0.99) / percentile(idle, 0.99)
            print(f"/proc help during /proc stats: p99 {percentile(during, 0.99) * 1000:.1f} ms "
                  f"= {ratio:.1f}× its p99 alone")  # fmt: skip
        finally:
            server.stop()
    return 0


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale", type=float, default=1.0, help="shrink the base history")
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--reference-runs", type=int, default=3, help="runs of the old engine (0: not run)"
    )
    parser.add_argument("--factors", default="0,1,4,16")
    parser.add_argument(
        "--during-stats", action="store_true", help="ack and /proc help during /proc stats"
    )
    parser.add_argument("--factor", type=int, default=16, help="--during-stats: history size")
    parser.add_argument("--help-idle", type=int, default=50, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.during_stats:
        if "--runs" not in sys.argv:
            args.runs = 3
        return during_stats(args)
    base = [int(n * args.scale) for n in BASE]
    rng = random.Random(17)
    failed = False
    print(f"base history: {base[0]:,} requests, {base[1]:,} claims, {base[2]:,} mentions")
    print(f"{'history':>8} {'podbot p50':>11} {'p99':>8} {'stmts':>6} "
          f"{'baseline p50':>13} {'p99':>8} {'ratio p50':>10} {'before p50':>11} "
          f"{'x 1x':>6}")  # fmt: skip
    at_1x = None

    def grow(db: Database, more: int) -> None:
        seed(db, *(n * more for n in base), rng)

    for db, factor in growing("kpi.db", args.factors, grow):
        ours = statements_of(db, lambda db=db: podbot_answer(db))
        p50, p99, (text_now, card) = timed(lambda db=db: podbot_answer(db), args.runs)
        b50, _b99, figures = timed(lambda db=db: baseline(db), args.runs)
        net, tat = card.lines[0], card.lines[3]
        # The baseline's TAT compares with tat_due_at (the same instant the rule computes).
        same = net.numerator == figures[0] and (tat.numerator, tat.denominator) == figures[1:3]
        before = f"{'—':>11}"  # --reference-runs 0: the old engine is not run, nor compared
        if args.reference_runs > 0:
            r50, _r99, (text_before, _) = timed(
                lambda db=db: podbot_answer(db, reference=True), args.reference_runs
            )
            same &= text_now == text_before  # the whole answer, as the old engine gave it
            before = f"{r50 * 1000:>9.1f}ms"
        if factor == 1:
            at_1x = p50
        growth = f"{p50 / at_1x:>5.1f}×" if at_1x and factor >= 1 else f"{'—':>6}"
        # Issue 26's targets: ≤ 3× the hand SQL at 1×, and at 16× ≤ 2× the time at 1×.
        failed |= not same or (factor == 1 and p50 > 3 * b50)
        failed |= factor == 16 and at_1x is not None and p50 > 2 * at_1x
        print(f"{factor:>7}× {p50 * 1000:>9.1f}ms {p99 * 1000:>6.1f}ms {ours:>6} "
              f"{b50 * 1000:>11.1f}ms {_b99 * 1000:>6.1f}ms {p50 / b50:>9.1f}× "
              f"{before} {growth}"
              + ("" if same else "  FIGURES DIFFER"))  # fmt: skip
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
