"""SQLite's planner gets statistics: podbot's hot statements (the ack path's collapse checks,
the delivery worker's takes) are served by partial indexes that a planner without them passes
over for a walk of every open row."""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path

from bot.db.migrate import upgrade
from bot.db.session import Database


def _analyzed(path: Path, table: str) -> set[str]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        rows = connection.execute("SELECT idx FROM sqlite_stat1 WHERE tbl = ?", (table,))
        return {str(idx) for (idx,) in rows}


def test_an_outbox_analyzed_while_empty_is_analyzed_once_it_has_rows(tmp_path: Path) -> None:
    path = tmp_path / "podbot.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)
    db.optimize(starting=True)  # a new database: analyzed, with nothing in the outbox yet
    assert _analyzed(path, "deliveries") == set()
    with contextlib.closing(sqlite3.connect(path)) as connection, connection:
        connection.executemany(
            "INSERT INTO deliveries (lane, kind, payload, channel, status, attempts, created_at,"
            " next_attempt_at) VALUES (?, 'message', '{}', 'C0ALPHA01', 'pending', 0, ?, ?)",
            [(f"run:{n}", "2026-11-01 00:00:00", "2026-11-01 00:00:00") for n in range(500)],
        )
    # SQLite's own `PRAGMA optimize` (before 3.46) never looks again at a table it analyzed
    # empty; closing the database (and the worker's periodic call) does.
    db.dispose()
    assert {"ix_deliveries_pending_channel", "ix_deliveries_open_lane"} <= _analyzed(
        path, "deliveries"
    )


def _rows_analyzed(path: Path, table: str) -> set[int]:
    with contextlib.closing(sqlite3.connect(path)) as connection:
        rows = connection.execute("SELECT stat FROM sqlite_stat1 WHERE tbl = ?", (table,))
        return {int(str(stat).split()[0]) for (stat,) in rows}


def test_a_table_ten_times_its_analyzed_size_is_analyzed_again(tmp_path: Path) -> None:
    """Statistics taken when a table was small (quote lines at 30) chose a walk of every line
    over the tool's own once it held hundreds; at ten times the size it is analyzed again."""
    path = tmp_path / "podbot.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db.engine)

    def add_rates(first: int, count: int) -> None:
        with contextlib.closing(sqlite3.connect(path)) as connection, connection:
            connection.executemany(
                "INSERT INTO exchange_rates (day, currency, to_currency, rate, imported_at) "
                "VALUES (date('2020-01-01', ? || ' days'), 'EUR', 'USD', 10825, "
                "'2026-11-01 00:00:00')",
                [(str(n),) for n in range(first, first + count)],
            )

    add_rates(0, 30)
    db.optimize(starting=True)
    assert _rows_analyzed(path, "exchange_rates") == {30}
    add_rates(30, 200)  # 230 rows: under ten times 30, left as it is
    db.optimize()
    assert _rows_analyzed(path, "exchange_rates") == {30}
    add_rates(230, 100)  # 330 rows: analyzed again
    db.optimize()
    assert _rows_analyzed(path, "exchange_rates") == {330}
    db.dispose()
