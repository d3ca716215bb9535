"""What the `podbot import …` tests share: the environment that points podbot at the test
config and a database, a CSV written from its header and lines, and the stored rows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Row, select

from bot.db.session import Database
from tests.conftest import TEST_CONFIG


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
