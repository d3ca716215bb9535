"""Alembic, driven from code: `podbot db upgrade` and the schema check `serve` runs first."""

from __future__ import annotations

import functools
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


class SchemaOutOfDate(Exception):
    """The database schema is not at the code's migration head."""


def alembic_config(engine: Engine | None = None) -> AlembicConfig:
    """An Alembic config pointing at podbot's migrations (and at `engine`, if given)."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    if engine is not None:
        config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    return config


@functools.cache
def head_revision() -> str:
    """The newest migration this code ships (read once: the scripts do not change while a
    process runs, and reading them cost ~10 ms per /readyz)."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "no migrations found"
    return head


def current_revision(engine: Engine) -> str | None:
    """The migration the database is at, or None for an empty database."""
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine, revision: str = "head") -> tuple[str | None, str]:
    """Apply migrations up to `revision`; returns (before, after)."""
    before = current_revision(engine)
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
    return before, current_revision(engine) or ""


def check_schema(engine: Engine) -> None:
    """Raise SchemaOutOfDate unless the database is at the migration head."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        state = "empty" if current is None else f"at {current}"
        raise SchemaOutOfDate(
            f"The database schema is {state}, but this podbot needs {head}: "
            "run `podbot db upgrade` first."
        )
