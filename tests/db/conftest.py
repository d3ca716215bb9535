"""Fixtures shared by the migration tests of tests/db."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.db.migrate import upgrade
from bot.db.session import Database


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def at_0033(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A database migrated to 0033 (before the request clocks, the claim verdicts and the
    contracts' plan keys), on SQLite and on PostgreSQL."""
    url = (
        f"sqlite:///{tmp_path / 'old.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("empty_postgres_url")
    )
    db = Database(url)
    upgrade(db.engine, "0033")
    yield db
    db.dispose()
