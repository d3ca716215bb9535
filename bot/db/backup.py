"""`podbot db backup` and `podbot db copy`: a database's data kept safe, and moved.

* `backup` copies a SQLite database online through SQLite's own backup API, in one step: the
  copy is one consistent snapshot (a WAL read transaction), taken while `podbot serve` goes on
  writing — its writers are not held up. It is written beside the target and renamed into
  place, so a copy that is there is whole. PostgreSQL has its own tool (`pg_dump`).
* `copy` moves every table of a database at podbot's schema head into another, empty one (the
  way from SQLite to PostgreSQL): the target is migrated to the head, the tables are copied
  parents before children, rows in key order, in one transaction, and PostgreSQL's sequences
  are set past the copied ids so new rows do not collide.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, Integer, func, insert, inspect, select, text
from sqlalchemy.engine import make_url

from bot.db.migrate import check_schema, upgrade
from bot.db.models import Base

# Rows read and written per round trip while copying.
COPY_BATCH = 1000


class BackupError(Exception):
    """The backup or copy cannot be made; the message is the one line to show."""


def sqlite_path(url: str) -> Path:
    """The file of a SQLite database URL; BackupError for any other database."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        raise BackupError(
            f"db backup copies SQLite files; for {parsed.get_backend_name()} use its own tool, "
            "e.g. pg_dump --format=custom --file podbot.dump DBNAME (restore: pg_restore "
            "--dbname DBNAME podbot.dump)"
        )
    if parsed.database in (None, "", ":memory:"):
        raise BackupError("an in-memory SQLite database has no file to back up")
    return Path(parsed.database)


def backup(url: str, target: Path) -> int:
    """Copy the SQLite database at `url` to the new file `target`, online; returns its size
    in bytes. Refuses an existing `target` (a backup never overwrites anything)."""
    source = sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    if target.exists():
        raise BackupError(f"{target} already exists; give the backup a new name")
    if not target.parent.is_dir():
        raise BackupError(f"{target.parent} is not a directory")
    partial = target.with_name(f".{target.name}.partial")
    partial.unlink(missing_ok=True)
    try:
        with (
            _closing(sqlite3.connect(source, timeout=30)) as reader,
            _closing(sqlite3.connect(partial)) as copy,
        ):
            # pages=-1: the whole database in one step, one read transaction. Stepwise copies
            # start over whenever another connection writes, and a busy bot always does.
            reader.backup(copy, pages=-1)
            (check,) = copy.execute("PRAGMA quick_check").fetchone()
            if check != "ok":
                raise BackupError(f"the copy failed SQLite's check: {check}")
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise BackupError(f"could not back up {source}: {exc}") from None
    finally:
        partial.unlink(missing_ok=True)
    return target.stat().st_size


class _closing:
    """`contextlib.closing` for sqlite3 connections (whose own `with` only commits)."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def __enter__(self) -> sqlite3.Connection:
        return self.connection

    def __exit__(self, *exc: object) -> None:
        self.connection.close()


@dataclass(frozen=True)
class Copied:
    table: str
    rows: int


def copy(
    source: Engine, target: Engine, progress: Callable[[Copied], None] | None = None
) -> list[Copied]:
    """Copy every podbot table from `source` (at the schema head) into the empty `target`."""
    check_schema(source)
    tables = Base.metadata.sorted_tables  # parents before children
    known = {table.name for table in tables}
    present = {
        name
        for name in inspect(source).get_table_names()
        if name != "alembic_version" and not name.startswith("sqlite_")
    }
    if unknown := sorted(present - known):
        raise BackupError(f"the source has tables podbot does not know: {', '.join(unknown)}")
    in_target = set(inspect(target).get_table_names()) & known
    with target.connect() as connection:
        filled = [
            name
            for name in sorted(in_target)
            if connection.execute(select(func.count()).select_from(text(_quoted(name)))).scalar()
        ]
    if filled:
        raise BackupError(
            f"the target database is not empty ({', '.join(filled)} have rows); "
            "copy into a new, empty database"
        )
    upgrade(target)
    copied: list[Copied] = []
    # One read transaction over every table: a snapshot (on SQLite a deferred BEGIN, as
    # `Database.reading` has, holding no writer's lock), written in one target transaction.
    snapshot = source.execution_options(podbot_read_only=True)
    with snapshot.connect() as reading, reading.begin(), target.begin() as writing:
        for table in tables:
            if table.name not in present:
                continue
            order = list(table.primary_key.columns) or list(table.columns)
            result = reading.execution_options(yield_per=COPY_BATCH).execute(
                select(table).order_by(*order)
            )
            rows = 0
            for batch in result.partitions(COPY_BATCH):
                writing.execute(insert(table), [dict(row._mapping) for row in batch])
                rows += len(batch)
            done = Copied(table.name, rows)
            copied.append(done)
            if progress is not None:
                progress(done)
        if target.dialect.name == "postgresql":
            _reset_sequences(writing)
    return copied


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _reset_sequences(connection) -> None:  # type: ignore[no-untyped-def]
    """Each serial key's sequence continues after the largest copied id (rows inserted with
    their ids leave PostgreSQL's sequences at 1)."""
    for table in Base.metadata.sorted_tables:
        for column in table.primary_key.columns:
            if not isinstance(column.type, Integer):
                continue
            sequence = connection.execute(
                text("SELECT pg_get_serial_sequence(:table, :column)"),
                {"table": _quoted(table.name), "column": column.name},
            ).scalar()
            if sequence is None:
                continue
            connection.execute(
                text(
                    f"SELECT setval(:sequence, COALESCE((SELECT MAX({_quoted(column.name)}) "
                    f"FROM {_quoted(table.name)}), 0) + 1, false)"
                ),
                {"sequence": sequence},
            )
