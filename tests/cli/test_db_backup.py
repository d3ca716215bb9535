"""Issue 29 item 6: `podbot db backup` (online, while the bot writes) and its restore, and
`podbot db copy` from SQLite to an empty PostgreSQL, which the bot then runs on."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from bot.db.models import Base, Request
from bot.db.session import Database
from tests.commands.conftest import ALPHA, ANALYST, BUYER, Proc
from tests.conftest import RunningBot
from tests.helpers.commandline import podbot


def requests_in(url: str) -> dict[int, tuple[str, str, str]]:
    db = Database(url)
    try:
        with db.reading() as session:
            rows = session.execute(
                select(Request.id, Request.customer, Request.tool, Request.stage)
            )
            return {number: (customer, tool, stage) for number, customer, tool, stage in rows}
    finally:
        db.dispose()


def test_a_backup_taken_while_the_bot_writes_restores_and_upgrades(
    bot: RunningBot, sqlite_url: str, tmp_path: Path
) -> None:
    proc = Proc(bot)
    written = threading.Semaphore(0)
    stop = threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:  # a team at work: a new request, qualified, again and again
        n = 0
        try:
            while not stop.is_set():
                n += 1
                assert "REQ-" in proc(ANALYST, f"new Customer {n} | Tool {n} | new", ALPHA)
                proc(ANALYST, f"qualify {n}", ALPHA)
                written.release()
        except BaseException as exc:  # reported by the test, not lost in the thread
            failures.append(exc)
            written.release()

    thread = threading.Thread(target=writer, name="writer")
    thread.start()
    try:
        for _ in range(3):
            assert written.acquire(timeout=60)
        result = podbot(
            "db", "backup", str(tmp_path / "backup.db"), env={"DATABASE_URL": sqlite_url}
        )
        for _ in range(3):  # and the bot went on writing after it
            assert written.acquire(timeout=60)
    finally:
        stop.set()
        thread.join(timeout=60)
    assert not failures, failures
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"Backed up {sqlite_url} to {tmp_path / 'backup.db'} (")

    # Restore: the backup file where the database was (here a new place), then db upgrade.
    restored = tmp_path / "restored.db"
    shutil.copyfile(tmp_path / "backup.db", restored)
    url = f"sqlite:///{restored}"
    upgraded = podbot("db", "upgrade", env={"DATABASE_URL": url})
    assert upgraded.returncode == 0, upgraded.stderr
    assert upgraded.stdout.startswith("Database already at")
    live, backed_up = requests_in(sqlite_url), requests_in(url)
    assert 3 <= len(backed_up) < len(live)
    # The backup is the live database as it was at one instant: each request it has is the
    # live one (the newest perhaps caught between its `new` and its `qualify`).
    assert {n: live[n][:2] for n in backed_up} == {n: row[:2] for n, row in backed_up.items()}
    newest = max(backed_up)
    assert {row[2] for n, row in backed_up.items() if n != newest} == {"qualified"}


def test_a_backup_refuses_to_overwrite_and_points_postgresql_at_pg_dump(
    sqlite_url: str, tmp_path: Path
) -> None:
    there = tmp_path / "there.db"
    there.write_bytes(b"keep me")
    result = podbot("db", "backup", str(there), env={"DATABASE_URL": sqlite_url})
    assert result.returncode == 2
    assert result.stderr == f"podbot: {there} already exists; give the backup a new name\n"
    assert there.read_bytes() == b"keep me"
    pg = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
    result = podbot("db", "backup", str(tmp_path / "new.db"), env={"DATABASE_URL": pg})
    assert result.returncode == 2 and "pg_dump" in result.stderr and "pg_restore" in result.stderr


def counts(url: str) -> dict[str, int]:
    db = Database(url)
    try:
        with db.engine.connect() as connection:
            return {
                table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
                for table in Base.metadata.sorted_tables
            }
    finally:
        db.dispose()


@pytest.mark.postgres
def test_db_copy_moves_every_table_to_postgresql_and_the_bot_runs_on_it(
    start_bot: Callable[..., RunningBot], sqlite_url: str, empty_postgres_url: str
) -> None:
    on_sqlite = start_bot(sqlite_url)
    proc = Proc(on_sqlite)
    for n in (1, 2):
        proc(ANALYST, f"new Acme {n} | Figma | new", ALPHA)
        proc(ANALYST, f"qualify {n}", ALPHA)
    proc(ANALYST, f"assign 1 <@{BUYER}>", ALPHA)
    proc(BUYER, "update 1 vendor came back at 45k", ALPHA)
    proc(BUYER, "savings 1 48000 41000", ALPHA)
    on_sqlite.wait_idle()
    before = counts(sqlite_url)
    assert before["requests"] == 2 and before["deliveries"] and before["savings_claims"] == 1

    result = podbot("db", "copy", "--to", empty_postgres_url, env={"DATABASE_URL": sqlite_url})
    assert result.returncode == 0, result.stderr
    assert f"Copied {len(before)} tables" in result.stdout
    assert counts(empty_postgres_url) == before  # every table, every row
    # A second copy is refused: the target is not empty any more.
    again = podbot("db", "copy", "--to", empty_postgres_url, env={"DATABASE_URL": sqlite_url})
    assert again.returncode == 2 and "the target database is not empty" in again.stderr

    # The bot on PostgreSQL: the copied requests are there, new ones get the next numbers.
    on_postgres = start_bot(empty_postgres_url)
    proc = Proc(on_postgres)
    assert "Acme 1" in proc(BUYER, "status REQ-1", ALPHA)
    assert "REQ-3" in proc(ANALYST, "new Globex | Zoom | new", ALPHA)
    proc(ANALYST, "qualify 3", ALPHA)
    assert counts(empty_postgres_url)["requests"] == 3
    upgraded = podbot("db", "upgrade", env={"DATABASE_URL": empty_postgres_url})
    assert upgraded.stdout.startswith("Database already at")
