"""Test helpers shared by several test modules: imports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, Row, event, select

from bot.cli import main
from bot.db.session import Database
from tests.conftest import TEST_CONFIG

# Moved here from tests/cli/imports.py by move_helpers.py (issue 28).


def import_env(database_url: str, **more: str) -> dict[str, str]:
    """podbot's environment for an import into `database_url` with the test config."""
    return {"PODBOT_CONFIG": str(TEST_CONFIG), "DATABASE_URL": database_url, **more}


def csv_file(path: Path, header: str, *lines: str) -> Path:
    """A UTF-8 CSV file: the header line, then the lines."""
    path.write_text("\n".join([header, *lines]) + "\n", encoding="utf-8")
    return path


def table_rows(database_url: str, model: Any) -> list[Row[Any]]:
    """Every stored row of `model`'s table, every column, in id order."""
    db = Database(database_url)
    try:
        with db.transaction() as session:
            table = model.__table__
            return list(session.execute(select(table).order_by(table.c.id)))
    finally:
        db.dispose()


def statements_of_import(
    monkeypatch: pytest.MonkeyPatch, database_url: str, *argv: str
) -> tuple[int, int]:
    """Run `podbot *argv` in this process on `database_url`: its exit status and how many SQL
    statements it sent (start-up included: the schema check, the PODs' sync)."""
    for name, value in import_env(database_url).items():
        monkeypatch.setenv(name, value)
    sent = 0

    def count(*_: Any) -> None:
        nonlocal sent
        sent += 1

    event.listen(Engine, "before_cursor_execute", count)
    try:
        status = main(list(argv))
    finally:
        event.remove(Engine, "before_cursor_execute", count)
    return status, sent
