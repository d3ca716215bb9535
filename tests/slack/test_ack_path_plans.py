"""What a command reads of the outbox before its ack is an index lookup, whatever the backlog.

The statements are the ones `/proc update` really sends (captured on the engine while the
command is driven over signed HTTP), explained by the database that runs them (tests/slack/
plans.py) beside a backlog of 3,000 pending rows: SQLite's with no statistics for the outbox
(the state before the worker's first ANALYZE sees rows there), PostgreSQL's generic plan.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event, insert

from bot.db.models import OutboxKind, OutboxRow
from bot.db.session import Database
from tests.commands.conftest import ALPHA, ANALYST, BUYER, Proc
from tests.conftest import RunningBot
from tests.helpers.plans import deliveries_steps, postgres_plan, sqlite_plan

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


def _walks_of_deliveries(db: Database, statement: str, parameters: Any) -> list[str]:
    """The plan's steps that read `deliveries` other than by the pending-lane index."""
    if db.dialect == "sqlite":
        wanted = re.compile(
            rf"SEARCH deliveries USING (COVERING )?INDEX {INDEX} \(lane=\? AND kind=\?\)"
        )
    else:
        wanted = re.compile(rf"(Index (Only )?Scan using|Bitmap Index Scan on) {INDEX}\b")
    steps = deliveries_steps(db, statement, parameters)
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
    bot.runtime.outbox_worker.hold(*OutboxKind)  # and stay so: nothing is due at teardown
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

    # The customer canvas's check (does the request's account name a customer channel?) runs
    # for every change to a request: a lookup in an index of accounts (by customer, unique, or
    # by POD), never a walk of the table.
    canvas = [
        (statement, parameters)
        for statement, parameters in statements
        if statement.lstrip().upper().startswith("SELECT") and "FROM accounts" in statement
    ]
    assert len(canvas) == 1, canvas
    statement, parameters = canvas[0]
    if bot.db.dialect == "sqlite":
        plan = sqlite_plan(bot.db, statement, parameters)
        assert any(re.match(r"SEARCH accounts USING (COVERING )?INDEX", s) for s in plan), plan
    else:
        plan = postgres_plan(bot.db, statement, parameters)
        assert any(re.search(r"Index (Only )?Scan using \w+ on accounts", s) for s in plan), plan
    assert not any(re.search(r"SCAN accounts\b|Seq Scan on accounts", step) for step in plan), plan
