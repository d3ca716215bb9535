"""The run ledger: a job run claims (job, scope, period) in the database before it posts.

A claim is a row with a unique key, so of several processes only one inserts it. A run that
crashed after claiming leaves its row `claimed`; once its lease has expired another run takes
it over (a conditional UPDATE, so again only one wins) and *recovers*: each step of the run
looks for its own message in Slack (tagged with message metadata) before posting again.
A `failed` run is taken over at once.
"""

from __future__ import annotations

import json
import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, text, update
from sqlalchemy.exc import IntegrityError

from bot.db.models import JobRun, RunStatus
from bot.db.session import Database

LEASE = timedelta(minutes=10)
WORKER = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True)
class Claim:
    """A run this process now owns; `recovering` when it took over an unfinished one."""

    run_id: int
    recovering: bool
    detail: dict[str, Any]


def claim(
    db: Database, job: str, scope: str, period: str, now: datetime, lease: timedelta = LEASE
) -> Claim | None:
    """Own the run (job, scope, period), or None when it is done or being run elsewhere."""
    try:
        with db.transaction() as session:
            run = JobRun(
                job=job,
                scope=scope,
                period=period,
                status=RunStatus.CLAIMED.value,
                claimed_at=now,
                claimed_by=WORKER,
                detail={},
            )
            session.add(run)
            session.flush()
            return Claim(run.id, recovering=False, detail={})
    except IntegrityError:
        pass
    with db.transaction() as session:
        key = (JobRun.job == job, JobRun.scope == scope, JobRun.period == period)
        taken = session.execute(
            update(JobRun)
            .where(*key)
            .where(
                or_(
                    JobRun.status == RunStatus.FAILED.value,
                    (JobRun.status == RunStatus.CLAIMED.value) & (JobRun.claimed_at < now - lease),
                )
            )
            .values(status=RunStatus.CLAIMED.value, claimed_at=now, claimed_by=WORKER)
            .execution_options(synchronize_session=False)
        )
        if taken.rowcount != 1:
            return None
        run = session.scalars(select(JobRun).where(*key)).one()
        return Claim(run.id, recovering=True, detail=dict(run.detail or {}))


# Set one step inside the row's JSON in the database: one statement, no read first, and two
# writers (a run taken over while its first owner still finishes a step) keep both steps.
_SET_STEP = {
    "postgresql": text(
        "UPDATE job_runs SET detail = jsonb_set("
        "CASE WHEN jsonb_typeof(detail::jsonb) = 'object' THEN detail::jsonb ELSE '{}' END, "
        "ARRAY[CAST(:step AS text)], CAST(:value AS jsonb))::json WHERE id = :id"
    ),
    "sqlite": text(
        "UPDATE job_runs SET detail = json_set("
        "CASE WHEN json_type(detail) = 'object' THEN detail ELSE '{}' END, "
        "'$.\"' || :step || '\"', json(:value)) WHERE id = :id"
    ),
}


def record_step(db: Database, run_id: int, step: str, value: Any) -> None:
    """Remember that a step of the run is done (and its result, e.g. a message ts)."""
    if '"' in step or "\\" in step:
        raise ValueError(f"a step name is plain text: {step!r}")
    with db.statements() as connection:
        statement = _SET_STEP[connection.dialect.name]
        connection.execute(statement, {"id": run_id, "step": step, "value": json.dumps(value)})


def finish(db: Database, run_id: int, now: datetime, *, failed: str | None = None) -> None:
    """Mark the run done (or failed, so that it is retried)."""
    with db.transaction() as session:
        run = session.get(JobRun, run_id, with_for_update=True)
        assert run is not None
        run.status = RunStatus.FAILED.value if failed else RunStatus.DONE.value
        run.finished_at = now
        if failed:
            run.detail = {**(run.detail or {}), "error": failed[:500]}


def is_done(db: Database, job: str, scope: str, period: str) -> bool:
    """Whether the run (job, scope, period) has completed."""
    with db.transaction() as session:
        status = session.scalar(
            select(JobRun.status).where(
                JobRun.job == job, JobRun.scope == scope, JobRun.period == period
            )
        )
    return status == RunStatus.DONE.value
