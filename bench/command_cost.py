"""Command cost: CPU per `/proc update` inside one process, layer by layer.

Where the ack benchmark's CPU per ack goes, without HTTP or threads: signed `/proc update`
requests are handed to podbot's Bolt app (`App.dispatch`) one after another on one thread,
against the same database the ack benchmark uses (SQLite by default, or PostgreSQL). Printed,
in CPU milliseconds per command, alternating rounds:

* `podbot update`: the whole command (Bolt, router, the transaction that records the update
  and queues its thread reply);
* `podbot help`: Bolt and the router with no database (`/proc help`);
* `core`: the update's transaction alone in SQLAlchemy Core (the request row locked and
  loaded, the timeline INSERT, the request UPDATE, the outbox INSERT, COMMIT);
* `driver`: the same statements through the database driver itself (psycopg 3, sqlite3):
  the floor for that transaction in Python.

The delivery worker is not started: no Slack post is made, only the rows.

    .venv/bin/python bench/command_cost.py
    .venv/bin/python bench/command_cost.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ack_latency import SIGNING_SECRET, TOKEN, UPDATE_TEXT, Work, config_toml, prepare
from aging_scale import cpu_ticks, fresh_database, steal_since
from slack_bolt.request import BoltRequest
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.engine import make_url

from bot.config import Settings, load_config
from bot.db.models import OutboxRow, PodRow, Request, RequestEvent
from bot.db.session import Database
from bot.process import Plan, Serves, open_process
from slackfake.signing import SlackClient
from slackfake.web_api import SlackApiServer


def signed(slack: SlackClient, text: str, work: Work) -> BoltRequest:
    """A slash command as Slack sends it, signed now."""
    body = urlencode(slack.slash_command_form(text, work.buyer, work.channel))
    timestamp = str(int(time.time()))
    headers = {
        "content-type": ["application/x-www-form-urlencoded"],
        "x-slack-request-timestamp": [timestamp],
        "x-slack-signature": [slack.sign(body, timestamp)],
    }
    return BoltRequest(body=body, headers=headers)


def _values(work: Work) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    now = datetime.now(UTC)
    event = {"request_id": work.number, "at": now, "actor": work.buyer, "kind": "update"}
    event |= {"text": UPDATE_TEXT, "data": None}
    stamps = {"row_id": work.number, "last_update_at": now, "updated_at": now}
    delivery = {
        "lane": f"req:{work.number}",
        "kind": "thread",
        "payload": {"request": work.number, "text": UPDATE_TEXT, "blocks": None},
        "channel": work.channel,
        "status": "pending",
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now,
    }
    return event, stamps, delivery


def core_transaction(db: Database) -> Callable[[Work], None]:
    """The update's transaction in SQLAlchemy Core, statements built once."""
    requests = Request.__table__
    load = (
        select(requests, PodRow.key)
        .join(PodRow.__table__, PodRow.id == requests.c.pod_id)
        .where(requests.c.id == bindparam("n"))
    )
    if db.dialect == "postgresql":
        load = load.with_for_update(of=requests)
    add_event = insert(RequestEvent.__table__)
    stamp = update(requests).where(requests.c.id == bindparam("row_id"))
    queue = insert(OutboxRow.__table__)

    def run(work: Work) -> None:
        event, stamps, delivery = _values(work)
        with db.engine.begin() as connection:
            connection.execute(load, {"n": work.number}).one()
            connection.execute(add_event, event)
            connection.execute(stamp, stamps)
            connection.execute(queue, delivery)

    return run


def driver_transaction(url: str) -> Callable[[Work], None]:
    """The same statements through the driver, no SQLAlchemy."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        import sqlite3

        connection: Any = sqlite3.connect(parsed.database, isolation_level=None)
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        mark, begin, lock = "?", "BEGIN IMMEDIATE", ""

        def stamp_of(value: datetime) -> Any:
            return value.replace(tzinfo=None).isoformat(sep=" ")
    else:
        import psycopg

        options = parsed.query.get("options")
        connection = psycopg.connect(
            host=parsed.host,
            port=parsed.port or 5432,
            user=parsed.username,
            password=parsed.password,
            dbname=parsed.database,
            options=options if isinstance(options, str) else "",
            autocommit=True,
        )
        mark, begin, lock = "%s", "BEGIN", " FOR UPDATE OF r"

        def stamp_of(value: datetime) -> Any:
            return value

    load = (
        "SELECT r.*, p.key FROM requests r JOIN pods p ON p.id = r.pod_id"
        f" WHERE r.id = {mark}{lock}"
    )
    add_event = (
        "INSERT INTO request_events (request_id, at, actor, kind, text, data)"
        f" VALUES ({', '.join([mark] * 6)})"
    )
    stamp = f"UPDATE requests SET last_update_at = {mark}, updated_at = {mark} WHERE id = {mark}"
    queue = (
        "INSERT INTO deliveries (lane, kind, payload, channel, status, attempts, created_at,"
        f" next_attempt_at) VALUES ({', '.join([mark] * 8)})"
    )

    def run(work: Work) -> None:
        event, stamps, delivery = _values(work)
        connection.execute(begin)
        try:
            connection.execute(load, (work.number,)).fetchone()
            connection.execute(
                add_event,
                (work.number, stamp_of(event["at"]), work.buyer, "update", UPDATE_TEXT, None),
            )
            now = stamp_of(stamps["updated_at"])
            connection.execute(stamp, (now, now, work.number))
            connection.execute(
                queue,
                (
                    delivery["lane"], "thread", json.dumps(delivery["payload"]), work.channel,
                    "pending", 0, now, now,
                ),
            )  # fmt: skip
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise

    return run


def cpu_per_call(run: Callable[[Any], object], items: list[Any]) -> float:
    """CPU milliseconds of this process per call of `run`, over `items`."""
    started = time.process_time()
    for item in items:
        run(item)
    return (time.process_time() - started) * 1000 / len(items)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: temp SQLite)")
    parser.add_argument("--commands", type=int, default=3000, help="commands per round")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)

    with (
        tempfile.TemporaryDirectory(prefix="podbot-cost-") as tmp,
        fresh_database(args.database_url) as (url, label),
        SlackApiServer(valid_tokens={TOKEN}, strict_channels=False) as api,
    ):
        config_path = Path(tmp) / "podbot.toml"
        config_path.write_text(config_toml(8), encoding="utf-8")
        work = prepare(url, config_path, 250)
        settings = Settings(
            bot_token=TOKEN, signing_secret=SIGNING_SECRET, api_url=api.url, database_url=url
        )
        db = Database(url)
        # The app alone, dispatched on this thread: nothing of the process is started.
        process = open_process(load_config(config_path), settings, Plan(serves=Serves.HTTP), db=db)
        app = process.app
        assert app is not None
        slack = SlackClient("http://podbot.invalid", SIGNING_SECRET)
        n = args.commands
        items = [work[i % len(work)] for i in range(n)]

        def dispatch(request: BoltRequest) -> None:
            response = app.dispatch(request)
            if response.status != 200 or "posted" not in response.body:
                raise SystemExit(f"unexpected answer: {response.status} {response.body}")

        def dispatch_help(request: BoltRequest) -> None:
            if app.dispatch(request).status != 200:
                raise SystemExit("help failed")

        targets: dict[str, Callable[[], float]] = {
            "podbot update": lambda: cpu_per_call(
                dispatch, [signed(slack, f"update REQ-{w.number} {UPDATE_TEXT}", w) for w in items]
            ),
            "podbot help": lambda: cpu_per_call(
                dispatch_help, [signed(slack, "help", w) for w in items]
            ),
            "core": lambda: cpu_per_call(core_transaction(db), items),
            "driver": lambda: cpu_per_call(driver_transaction(url), items),
        }
        print(f"database: {label}")
        print(f"{n:,} commands per round, {args.rounds} rounds, alternating; one thread")
        for run in targets.values():  # warm up: caches, prepared statements, pool
            run()
        ticks = cpu_ticks()
        figures: dict[str, list[float]] = {name: [] for name in targets}
        for _ in range(args.rounds):
            for name, run in targets.items():
                figures[name].append(run())
        stolen = steal_since(ticks)
        db.dispose()

    print(f"{'':<15} {'CPU ms per command (each round)':<36} median")
    for name, values in figures.items():
        rounds = " ".join(f"{v:.3f}" for v in values)
        print(f"{name:<15} {rounds:<36} {statistics.median(values):.3f}")
    update_ms = statistics.median(figures["podbot update"])
    help_ms = statistics.median(figures["podbot help"])
    core_ms = statistics.median(figures["core"])
    driver_ms = statistics.median(figures["driver"])
    print(
        f"shares of podbot update: Bolt and router {help_ms / update_ms:.0%}, the transaction"
        f" in Core {core_ms / update_ms:.0%} (of which the driver {driver_ms / update_ms:.0%});"
        f" the rest ({(update_ms - help_ms - core_ms) / update_ms:.0%}) is the ORM and"
        " podbot's own work"
    )
    print(f"host: {stolen}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
