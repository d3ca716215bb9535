"""Home publish: render and publish the App Home of a buyer with 200 negotiating requests.

The figure is what the outbox worker does for one `home` row (`OutboxWorker._send_home`): read
the Home from the database (`bot/db/home.py::load_home`, the KPI facts for the quota
included), build the view (`bot/blocks/home.py`) and `views.publish` it to the Slack Web API
fake (slackfake) over HTTP. The baseline, in the same run, publishes the same view already
built (a precomputed dict of the same size) through the same `SlackApi`: the cost of Slack's
round trip alone. SQLite by default; PostgreSQL with --database-url.

    .venv/bin/python bench/home_publish.py [--requests 200] [--rounds 30]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import select

from bot.db.models import PodRow, Request
from bot.domain.lifecycle import negotiation_due, qualification_due

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.config import Config

ROOT = Path(__file__).resolve().parents[1]
BUYER = "U0BUY0001"
TOKEN = "xoxb-bench"


def seed(session: Session, config: Config, buyer: str, count: int, now: datetime) -> None:
    """`count` requests negotiating with `buyer` in the buyer's first POD, assigned over the
    last 30 days, some updated lately and some not (overdue updates and breached TATs)."""
    pod = next(p for p, role in config.memberships(buyer) if role in ("buyer", "em"))
    pod_id = session.scalars(select(PodRow.id).where(PodRow.key == pod.key)).one()
    for n in range(count):
        assigned = now - timedelta(days=n % 30, hours=n % 7)
        created = assigned - timedelta(days=1)
        kind = "renewal" if n % 3 == 0 else "new"
        session.add(
            Request(
                pod_id=pod_id, customer=f"Customer {n:03d}", tool=f"Tool {n % 17}", kind=kind,
                stage="negotiating", currency=pod.currency, created_by=buyer,
                created_at=created, updated_at=assigned,
                qualification_due_at=qualification_due(pod.calendar, created, 24),
                qualified_at=created + timedelta(hours=2), analyst_id="U0ANA0001",
                buyer_id=buyer, assigned_at=assigned,
                tat_due_at=negotiation_due(pod.timezone, assigned, config.clocks.tat_days[kind]),
                last_update_at=assigned + timedelta(hours=n % 48),
            )
        )  # fmt: skip
    session.flush()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from slack_sdk import WebClient

    from bot.blocks.home import home_view
    from bot.config import load_config
    from bot.db.home import load_home
    from bot.db.migrate import upgrade
    from bot.db.pods import sync_pods
    from bot.db.session import Database
    from bot.slack.web_api import SlackApi
    from slackfake.web_api import SlackApiServer

    config = load_config(ROOT / "tests" / "fixtures" / "podbot.test.toml")
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{tmp}/home.db"
        db = Database(url)
        upgrade(db.engine)
        now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
        with db.transaction() as session:
            sync_pods(session, config)
            seed(session, config, BUYER, args.requests, now)
        with SlackApiServer(valid_tokens={TOKEN}) as server:
            slack = SlackApi(WebClient(token=TOKEN, base_url=server.url), channel_interval=0)

            def render_and_publish() -> dict:
                with db.reading() as session:
                    data = load_home(session, config, BUYER, now)
                view = home_view(data)
                slack.publish_home(BUYER, view)
                return view.to_dict()

            precomputed = render_and_publish()  # warm up; the baseline's view
            blocks = len(precomputed["blocks"])

            def baseline() -> None:
                slack.publish_home(BUYER, precomputed)

            timings: dict[str, list[float]] = {"home": [], "baseline": []}
            for _ in range(args.rounds):  # alternate, so drift hits both alike
                for name, run in (("home", render_and_publish), ("baseline", baseline)):
                    started = time.perf_counter()
                    run()
                    timings[name].append(time.perf_counter() - started)
        db.dispose()

    def ms(values: list[float], q: float) -> float:
        return (
            statistics.quantiles(values, n=100)[int(q) - 1] * 1000
            if q < 100
            else max(values) * 1000
        )

    print(f"Home of a buyer with {args.requests} negotiating requests: {blocks} blocks "
          f"({'within' if blocks <= 100 else 'OVER'} the 100-block limit); {args.rounds} rounds, "
          f"{'PostgreSQL' if args.database_url else 'SQLite'}")  # fmt: skip
    for name, label in (("home", "render + publish"), ("baseline", "publish precomputed")):
        values = timings[name]
        print(f"  {label:<22} p50 {statistics.median(values) * 1000:7.1f} ms   "
              f"p95 {ms(values, 95):7.1f} ms   max {max(values) * 1000:7.1f} ms")  # fmt: skip
    target = statistics.median(timings["home"]) < 1.0
    print(f"  target < 1 s: {'met' if target else 'MISSED'}")


if __name__ == "__main__":
    main()
