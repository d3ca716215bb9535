"""What a command reads of the outbox before its ack is an index lookup, whatever the backlog.

The statements are the ones `/proc update` really sends (captured on the engine while the
command is driven over signed HTTP), explained by the database that runs them: SQLite's
`EXPLAIN QUERY PLAN` with no statistics (podbot's state until `PRAGMA optimize` has run), and
PostgreSQL's `EXPLAIN` of the prepared statement's generic plan (what psycopg's prepared
statements run after five executions) with sequential scans off, beside a backlog of 3,000
pending rows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from psycopg import sql
from sqlalchemy import event, insert

from bot.db.models import OutboxKind, OutboxRow
from bot.db.session import Database
from bot.slack.worker import OutboxWorker
from tests.commands.conftest import ALPHA, ANALYST, BUYER, Proc
from tests.conftest import RunningBot

INDEX = "ix_deliveries_pending_lane_kind"


def _backlog(db: Database, rows: int) -> None:
    """Pending rows of other lanes, cards, Homes and posts, not due for an hour; on
    PostgreSQL analyzed, as autovacuum does after such an insert, so its planner knows the
    backlog is there (on a table of a few rows every plan costs about the same)."""
    later = datetime.now(UTC) + timedelta(hours=1)
    kinds = [
        (OutboxKind.CARD, "req:9{}"),
        (OutboxKind.HOME, "home:U0OTHER{}"),
        (OutboxKind.MESSAGE, "run:9{}"),
    ]
    with db.engine.begin() as connection:
        connection.execute(
            insert(OutboxRow.__table__),
            [
                {
                    "lane": lane.format(n), "kind": kind.value, "payload": {}, "channel": None,
                    "status": "pending", "attempts": 0, "created_at": later,
                    "next_attempt_at": later,
                }
                for n in range(rows)
                for kind, lane in [kinds[n % len(kinds)]]
            ],
        )  # fmt: skip
        if db.dialect == "postgresql":
            connection.exec_driver_sql("ANALYZE deliveries")


def _sqlite_plan(db: Database, statement: str, parameters: Any) -> list[str]:
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return [str(row[-1]) for row in rows]


def _postgres_plan(db: Database, statement: str, parameters: dict[str, Any]) -> list[str]:
    # psycopg's `%(name)s` placeholders as the server's `$n`, prepared, then its generic plan.
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    prepared = re.sub(r"%\((\w+)\)s", number, statement).replace("%%", "%")
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE collapse_check AS {prepared}")
        values = sql.SQL(", ").join(sql.Literal(parameters[name]) for name in names)
        cursor.execute(sql.SQL("EXPLAIN EXECUTE collapse_check({})").format(values))
        plan = [str(row[0]) for row in cursor.fetchall()]
        raw.rollback()
        return plan
    finally:
        raw.close()


def _walks_of_deliveries(db: Database, statement: str, parameters: Any) -> list[str]:
    """The plan's steps that read `deliveries` other than by the pending-lane index."""
    if db.dialect == "sqlite":
        steps = [s for s in _sqlite_plan(db, statement, parameters) if "deliveries" in s]
        wanted = re.compile(
            rf"SEARCH deliveries USING (COVERING )?INDEX {INDEX} \(lane=\? AND kind=\?\)"
        )
    else:
        steps = [
            s.strip().removeprefix("->").strip() for s in _postgres_plan(db, statement, parameters)
        ]
        steps = [s for s in steps if re.search(r"\bon deliveries\b|Seq Scan", s)]
        wanted = re.compile(rf"(Index (Only )?Scan using|Bitmap Index Scan on) {INDEX}\b")
    assert steps, f"no step reads deliveries in the plan of {statement!r}"
    return [step for step in steps if not wanted.match(step)]


def test_the_collapse_checks_of_an_update_look_up_the_lanes_pending_rows_not_the_backlog(
    start_bot: Callable[..., RunningBot], database_url: str
) -> None:
    bot = start_bot(database_url)
    proc = Proc(bot)
    for text in ("new Acme | Figma | new", "qualify 1", f"assign 1 <@{BUYER}>"):
        proc(ANALYST, text)
    # A worker that is not running: the update's rows stay pending beside a backlog, and the
    # engine runs the command's statements only.
    bot.runtime.outbox_worker.stop()
    runtime = bot.runtime
    worker = runtime.outbox_worker = OutboxWorker(runtime.db, runtime.slack, runtime.config)
    worker.hold(*OutboxKind)  # and stay so: nothing is due at teardown
    _backlog(bot.db, 3000)

    statements: list[tuple[str, Any]] = []

    def record(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        statements.append((statement, parameters))

    event.listen(bot.db.engine, "before_cursor_execute", record)
    try:
        response = bot.slack.slash_command(
            "update 1 Vendor came back at 45k", user_id=BUYER, channel_id=ALPHA
        )
        assert response.status == 200 and "Update posted" in response.json()["text"]
        assert bot.executor.wait_idle()
    finally:
        event.remove(bot.db.engine, "before_cursor_execute", record)

    reads = [
        (statement, parameters)
        for statement, parameters in statements
        if statement.lstrip().upper().startswith("SELECT") and "FROM deliveries" in statement
    ]
    values = [v for _, p in reads for v in (p.values() if isinstance(p, dict) else p)]
    # Both checks ran (the card's and the Homes'), so the plans below are theirs.
    assert OutboxKind.CARD.value in values and OutboxKind.HOME.value in values, reads
    for statement, parameters in reads:
        assert _walks_of_deliveries(bot.db, statement, parameters) == [], statement
