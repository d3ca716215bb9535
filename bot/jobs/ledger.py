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
from sqlalchemy.exc import IntegrityError
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
    run = JobRun(
        job=job,
        scope=scope,
        period=period,
        status=RunStatus.DONE.value,
        claimed_at=now,
        claimed_by=WORKER,
        finished_at=now,
        detail=detail or {},
    )
    try:
        # A savepoint: a key taken by another run fails this insert, not the transaction.
        with session.begin_nested():
            session.add(run)
            session.flush()
        return run.id
    except IntegrityError:
        pass
    key = (JobRun.job == job, JobRun.scope == scope, JobRun.period == period)
    # A run an older podbot left unfinished is taken over, once (the UPDATE is conditional).
    taken = session.execute(
        update(JobRun)
        .where(*key, JobRun.status != RunStatus.DONE.value)
        .values(
            status=RunStatus.DONE.value,
            claimed_at=now,
            claimed_by=WORKER,
            finished_at=now,
            detail=detail or {},
        )
        .execution_options(synchronize_session=False)
    )
    if taken.rowcount != 1:
        return None
    return session.scalars(select(JobRun.id).where(*key)).one()


def is_done(db: Database, job: str, scope: str, period: str) -> bool:
    """Whether the run (job, scope, period) is recorded (and so queued)."""
    with db.reading() as session:
        status = session.scalar(
            select(JobRun.status).where(
                JobRun.job == job, JobRun.scope == scope, JobRun.period == period
            )
        )
    return status == RunStatus.DONE.value
