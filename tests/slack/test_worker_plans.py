"""The delivery worker's takes find rows by index, whatever the backlog: a lane's next row, a
channel's next post, the rows with no channel (edits, Homes), the next Home and rows left in
flight by a dead process each search an index by their key instead of walking every open row.
On SQLite a take holds the one writer's lock, so a walk there is time every command waits.

Explained as each database plans them with statistics (podbot's worker has SQLite analyze a
database never analyzed when it starts, and runs `PRAGMA optimize` every OPTIMIZE_SECONDS;
PostgreSQL's autovacuum analyzes), beside
a backlog of 3,000 paced posts and a delivered history; PostgreSQL's plans
are the prepared statements' generic ones, sequential scans off.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import insert
from sqlalchemy.engine import make_url

from bot.db.models import OutboxKind, OutboxRow
from bot.db.session import Database
from bot.slack.worker import _takes
from tests.commands.conftest import ANALYST, Proc
from tests.conftest import RunningBot
from tests.helpers.plans import deliveries_steps, sent

CHANNELS = [f"C0PACED{n:02d}" for n in range(8)]


def _history(db: Database) -> None:
    now = datetime.now(UTC)
    row = {"kind": "message", "payload": {}, "attempts": 0, "created_at": now}
    rows = [
        # The backlog: posts due now in channels Slack's pace holds.
        {**row, "lane": f"run:{n}", "channel": CHANNELS[n % 8], "status": "pending",
         "next_attempt_at": now}
        for n in range(3000)
    ] + [
        # What was delivered before, in the lanes the takes below look at.
        {**row, "lane": lane, "channel": None, "status": "delivered", "next_attempt_at": now}
        for lane in ("req:1", "home:U0BUY0001")
        for _ in range(500)
    ]  # fmt: skip
    with db.engine.begin() as connection:
        connection.execute(insert(OutboxRow.__table__), rows)
    # As autovacuum does (PostgreSQL), and `PRAGMA optimize` once the outbox has grown (SQLite).
    with db.engine.begin() as connection:
        connection.exec_driver_sql("ANALYZE deliveries")


# Each take and the index its plan must search (by its key, not the status index's walk).
TAKES: dict[str, tuple[str, str]] = {
    "next_in_lane": ("ix_deliveries_open_lane", "a lane's first open row"),
    "in_channel": ("ix_deliveries_pending_channel", "a channel's next due post"),
    "unpaced": ("ix_deliveries_pending_channel", "the due rows with no channel"),
    "home": ("ix_deliveries_pending_channel", "the next due Home"),
    "taken_over": ("ix_deliveries_in_flight", "rows left in flight past their lease"),
}


def _values() -> dict[str, Any]:
    now = datetime.now(UTC)
    return {
        "now": now, "expired_before": now - timedelta(seconds=60), "skip": [], "busy": [],
        "left": ["home"], "n": 8, "lane": "req:1", "channel": CHANNELS[0],
    }  # fmt: skip


@pytest.mark.parametrize("take", list(TAKES))
def test_a_take_searches_its_index_not_the_backlog(
    start_bot: Callable[..., RunningBot], database_url: str, take: str
) -> None:
    bot = start_bot(database_url)
    # The running worker would send the backlog; a stopped one leaves it (and holds it, so
    # nothing is due at teardown).
    bot.runtime.outbox_worker.stop()
    bot.runtime.outbox_worker.hold(*OutboxKind)
    _history(bot.db)
    index, what = TAKES[take]
    statement = getattr(_takes(bot.db.dialect == "postgresql"), take)
    steps = deliveries_steps(bot.db, *sent(bot.db, statement, _values()))
    # The first step is the outer query's: it reads by `index` (a lane's row is then read by
    # its id, found by the lane's open rows in `index`).
    assert any(index in step for step in steps), (what, steps)
    walks = [s for s in steps if "ix_deliveries_status_next_attempt_at" in s or "SCAN" in s]
    assert walks == [], (what, steps)


def test_the_worker_gives_sqlites_planner_statistics_when_it_starts(
    start_bot: Callable[..., RunningBot], sqlite_url: str
) -> None:
    # A database with an outbox history and no statistics, as every one had before.
    path = make_url(sqlite_url).database
    assert path is not None
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        connection.executemany(
            "INSERT INTO deliveries (lane, kind, payload, status, attempts, created_at,"
            " next_attempt_at) VALUES (?, 'message', '{}', 'delivered', 1, ?, ?)",
            [(f"run:{n}", "2026-11-01 00:00:00.000000", "2026-11-01 00:00:00.000000")
             for n in range(200)],
        )  # fmt: skip
    bot = start_bot(sqlite_url)
    Proc(bot)(ANALYST, "new Acme | Figma | new")  # delivered: the worker's loop is under way
    with bot.db.engine.connect() as connection:
        analyzed = set(
            connection.exec_driver_sql(
                "SELECT idx FROM sqlite_stat1 WHERE tbl = 'deliveries'"
            ).scalars()
        )
    assert "ix_deliveries_lane_id" in analyzed
