"""The run ledger: a job run records (job, scope, period) in the transaction that queues it.

A run is a row with a unique key, written in the *same* transaction as the outbox rows of
everything the run sends (posts, thread continuations, DMs, files) and its other changes
(a breach on the request's timeline, the reminders sent). So a run is either not recorded and
nothing of it queued, or recorded and fully queued: of several processes only one inserts
the key, and the delivery worker sends what it queued exactly once, retries included.

Rows written by podbot before 0.6 may be left `claimed` or `failed` (a run that stopped
halfway); such a run is recorded again, and queued whole, by the next one that comes.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.db.models import JobRun, RunStatus
from bot.db.session import Database

WORKER = f"{socket.gethostname()}:{os.getpid()}"


def record(
    session: Session,
    job: str,
    scope: str,
    period: str,
    now: datetime,
    detail: dict[str, Any] | None = None,
) -> int | None:
    """Record the run (job, scope, period) in `session`'s transaction; its id, or None when
    another run recorded it first (the caller then queues nothing)."""
    values = {
        "job": job,
        "scope": scope,
        "period": period,
        "status": RunStatus.DONE.value,
        "claimed_at": now,
        "claimed_by": WORKER,
        "finished_at": now,
        "detail": detail or {},
    }
    connection = session.connection()
    insert = _INSERTS[connection.dialect.name]
    # INSERT … ON CONFLICT DO NOTHING: a key another run holds inserts nothing, without an
    # error that would end the transaction (on PostgreSQL it waits for that run's commit).
    run = connection.execute(insert, values).scalar_one_or_none()
    if run is not None:
        return int(run)
    key = (JobRun.job == job, JobRun.scope == scope, JobRun.period == period)
    # A run an older podbot left unfinished is taken over, once (the UPDATE is conditional).
    taken = connection.execute(
        update(JobRun)
        .where(*key, JobRun.status != RunStatus.DONE.value)
        .values({k: v for k, v in values.items() if k not in ("job", "scope", "period")})
        .returning(JobRun.id)
    ).scalar_one_or_none()
    return None if taken is None else int(taken)


_KEY = ["job", "scope", "period"]
_INSERTS = {
    "postgresql": postgresql.insert(JobRun)
    .on_conflict_do_nothing(index_elements=_KEY)
    .returning(JobRun.id),
    "sqlite": sqlite.insert(JobRun)
    .on_conflict_do_nothing(index_elements=_KEY)
    .returning(JobRun.id),
}


def is_done(db: Database, job: str, scope: str, period: str) -> bool:
    """Whether the run (job, scope, period) is recorded (and so queued)."""
    with db.reading() as session:
        status = session.scalar(
            select(JobRun.status).where(
                JobRun.job == job, JobRun.scope == scope, JobRun.period == period
            )
        )
    return status == RunStatus.DONE.value
