"""`ats-snapshots` (issue 35): Mondays at 08:00 POD time, before the catch-up, each account's
ATS on the platform is written beside its ATS figure, one `ats_snapshots` row per account and
ISO week (`bot/db/ats.py::take_snapshots`), with the lines it was summed from.

One ledger run per POD and ISO week (job `ats-snapshots`, the POD, `<ISO week>`), and the
snapshots' unique key (account, week): two schedulers write a week's snapshot once."""

from __future__ import annotations

from datetime import time

from sqlalchemy.orm import Session

from bot.db.ats import pod_accounts, take_snapshots
from bot.db.requests import pod_row
from bot.domain.digest import week_period
from bot.jobs import register
from bot.jobs.runner import JobContext, weekly_job

NAME = "ats-snapshots"
SNAPSHOT_DAY = "mon"
SNAPSHOT_AT = time(8, 0)


def _body(context: JobContext) -> str:
    pod, now = context.pod, context.now
    today = now.astimezone(pod.zone).date()
    week = week_period(today)
    with context.runtime.db.reading() as session:
        count = len(pod_accounts(session, pod_row(session, pod.key).id))

    def write(session: Session) -> None:
        take_snapshots(session, pod_row(session, pod.key).id, week, today, now)

    context.write(write)
    return f"ATS snapshots of week {week} for {count} accounts"


SPEC = register(
    weekly_job(
        NAME,
        "each account's ATS on the platform and its ATS figure, once per ISO week",
        _body,
        day=lambda pod: SNAPSHOT_DAY,
        at=lambda pod: SNAPSHOT_AT,
    )
)
