"""0008 adds accounts, targets and target_changes, and takes them away again on downgrade."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import inspect

from bot.db.migrate import alembic_config, current_revision, upgrade
from bot.db.session import Database

NEW_TABLES = {"accounts", "targets", "target_changes"}


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    url = (
        f"sqlite:///{tmp_path / 'empty.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("empty_postgres_url")
    )
    db = Database(url)
    yield db
    db.dispose()


def _downgrade(db: Database, revision: str) -> None:
    config = alembic_config()
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, revision)


def _tables(db: Database) -> set[str]:
    return set(inspect(db.engine).get_table_names())


def test_downgrade_to_0007_drops_the_tables_and_upgrade_brings_them_back(
    empty_database: Database,
) -> None:
    upgrade(empty_database.engine, "0008")
    assert current_revision(empty_database.engine) == "0008"
    assert _tables(empty_database) >= NEW_TABLES

    _downgrade(empty_database, "0007")
    assert current_revision(empty_database.engine) == "0007"
    assert not NEW_TABLES & _tables(empty_database)

    upgrade(empty_database.engine, "0008")
    assert current_revision(empty_database.engine) == "0008"
    assert _tables(empty_database) >= NEW_TABLES
