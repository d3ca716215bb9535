"""Imports written in batches, seen whole or not at all.

`podbot import requests` validates the whole file first, then writes it in short transactions
(`BATCH` requests each, with their timelines and their cards' outbox rows), so the serving bot
takes its turns at the database between them. Every row it writes carries the id of its
`imports` row, and until that row is `complete` no reader sees them (`bot.db.visible`).
Completing the import is one UPDATE of its `imports` row, so all of it appears at once. An
import that fails, or whose process died (not touched for `STALE_AFTER`), is marked `failed`
and its rows are deleted in batches by the next import (`purge_failed`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import CursorResult, delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import ImportRun, ImportState, OutboxRow, Request, RequestEvent

if TYPE_CHECKING:
    from bot.db.session import Database

BATCH = 250  # requests per transaction: tens of milliseconds of writing
PAUSE = 0.01  # seconds an import leaves SQLite to others after a batch, at least
# An import touches its row with every batch; one untouched this long has died.
STALE_AFTER = timedelta(minutes=2)


class ImportRunning(Exception):
    """Another import of the same kind is being written; the message says which."""


class ImportLost(Exception):
    """The import was failed by another (it was taken for dead); nothing more may be written."""

    def __init__(self, import_id: int) -> None:
        super().__init__(
            f"import {import_id} was stopped by another import, which took it for dead"
        )


@dataclass(frozen=True)
class Started:
    """An import begun: its id, and how many rows of imports that had died were deleted."""

    import_id: int
    purged: int


def begin(db: Database, kind: str, file_name: str, rows: int, now: datetime) -> Started:
    """Record an import of `rows` new rows as `importing`, after failing any import of the
    kind that has died and deleting the rows of failed imports. Raises ImportRunning while
    another import of the kind is alive."""
    with db.transaction() as session:
        running = session.scalars(
            select(ImportRun).where(
                ImportRun.kind == kind, ImportRun.state == ImportState.IMPORTING.value
            )
        ).one_or_none()
        if running is not None:
            if running.updated_at > now - STALE_AFTER:
                raise ImportRunning(_running_text(running))
            died = f"its process died: nothing written since {running.updated_at:%H:%M:%S} UTC"
            _finish(session, running.id, ImportState.FAILED, now, died)
    purged = purge_failed(db)
    try:
        with db.transaction() as session:
            run = ImportRun(
                kind=kind, file_name=file_name[:255], rows=rows, started_at=now, updated_at=now
            )  # fmt: skip
            session.add(run)
            session.flush()
            return Started(run.id, purged)
    except IntegrityError:
        # Another import of the kind began since we looked (the partial unique index).
        with db.reading() as session:
            other = session.scalars(
                select(ImportRun).where(
                    ImportRun.kind == kind, ImportRun.state == ImportState.IMPORTING.value
                )
            ).first()
        raise ImportRunning(_running_text(other)) from None


def _running_text(run: ImportRun | None) -> str:
    if run is None:
        return "another import is being written"
    return (
        f"import {run.id} ({run.file_name}) is still being written: {run.written} of "
        f"{run.rows} rows, last at {run.updated_at:%H:%M:%S} UTC; run this again when it has "
        f"finished (or, if its process is gone, {STALE_AFTER.seconds // 60} minutes after that)"
    )


@contextmanager
def batch(db: Database, import_id: int, rows: int, now: datetime) -> Iterator[Session]:
    """One batch of an import: a transaction that counts `rows` more written and touches the
    import, refused (ImportLost) if the import is no longer `importing` — failed by another
    import that took it for dead.

    On SQLite, after it commits, the import leaves the database alone for as long as the
    batch held it: the writers' queue is a lock the kernel wakes waiters for but does not
    hand over, so an import taking it again at once could starve the serving bot's writers.
    """
    began = time.monotonic()
    with db.transaction() as session:
        touched = session.execute(
            update(ImportRun)
            .where(ImportRun.id == import_id, ImportRun.state == ImportState.IMPORTING.value)
            .values(written=ImportRun.written + rows, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        assert isinstance(touched, CursorResult)  # what an UPDATE returns
        if touched.rowcount != 1:
            raise ImportLost(import_id)
        yield session
    if db.dialect == "sqlite":
        time.sleep(max(time.monotonic() - began, PAUSE))


def complete(db: Database, import_id: int, now: datetime) -> None:
    """Make every row of the import seen, at once."""
    with db.transaction() as session:
        if not _finish(session, import_id, ImportState.COMPLETE, now):
            raise ImportLost(import_id)


def fail(db: Database, import_id: int, now: datetime, error: str) -> int:
    """Mark the import failed (its rows stay unseen) and delete its rows; how many requests
    were deleted."""
    with db.transaction() as session:
        _finish(session, import_id, ImportState.FAILED, now, error)
    return purge_failed(db)


def _finish(
    session: Session, import_id: int, state: ImportState, now: datetime, error: str | None = None
) -> bool:
    result = session.execute(
        update(ImportRun)
        .where(ImportRun.id == import_id, ImportRun.state == ImportState.IMPORTING.value)
        .values(state=state.value, finished_at=now, updated_at=now, error=error)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)  # what an UPDATE returns
    return result.rowcount == 1


def purge_failed(db: Database, size: int = BATCH) -> int:
    """Delete the rows of failed imports, `size` requests (with their timelines) or outbox rows
    per transaction; how many requests were deleted."""
    failed = select(ImportRun.id).where(ImportRun.state == ImportState.FAILED.value)
    deleted = 0
    while True:
        with db.transaction() as session:
            run = session.connection().execute
            ids = list(
                run(select(Request.id).where(Request.import_id.in_(failed)).limit(size)).scalars()
            )
            cards = list(
                run(
                    select(OutboxRow.id).where(OutboxRow.import_id.in_(failed)).limit(size)
                ).scalars()
            )
            if not ids and not cards:
                return deleted
            if cards:
                run(delete(OutboxRow).where(OutboxRow.id.in_(cards)))
            if ids:
                run(delete(RequestEvent).where(RequestEvent.request_id.in_(ids)))
                run(delete(Request).where(Request.id.in_(ids)))
            deleted += len(ids)
