"""`customer-updates` (issue 32): on Mondays at the POD's check-in time, the bi-weekly customer
update of each account whose fortnight (from its handover) ends that day is drafted and DMed
to its analysts and csm with its `.eml` (`bot/actions/customer_updates.py`).

One ledger run per POD and day (job `customer-updates`, the POD, `<YYYY-MM-DD>`): a second run
or the catch-up drafts nothing again.
"""

from __future__ import annotations

from datetime import datetime

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from bot.actions import Work
from bot.actions.customer_updates import JOB, draft_for
from bot.blocks.text import plural
from bot.config import Config, Pod
from bot.db.models import Account, PodRow
from bot.domain.customer_update import update_due
from bot.jobs import register
from bot.jobs.runner import JobContext, JobSpec

NAME = "customer-updates"


def _body(context: JobContext) -> str:
    pod = context.pod
    today = context.now.astimezone(pod.zone).date()
    with context.runtime.db.reading() as session:
        due = [
            account.id
            for account in session.scalars(
                select(Account)
                .join(PodRow, PodRow.id == Account.pod_id)
                .where(PodRow.key == pod.key)
                .order_by(Account.customer_key)
            )
            if update_due(account.handover, today)
        ]

    def draft_each(work: Work) -> None:
        for account_id in due:
            account = work.session.get(Account, account_id)
            if account is not None:
                draft_for(work, account, pod, JOB, today)

    if not due:
        return "no account's fortnight ends today: nothing drafted"
    context.change(draft_each)
    return f"drafted {plural(len(due), 'customer update')}"


def _overdue(config: Config, pod: Pod, now: datetime) -> bool:
    local = now.astimezone(pod.zone)
    return local.weekday() == 0 and local.time() >= pod.checkin_time


SPEC = register(
    JobSpec(
        name=NAME,
        summary="every other Monday per account, its customer update drafted and DMed",
        trigger=lambda config, pod: CronTrigger(
            day_of_week="mon",
            hour=pod.checkin_time.hour,
            minute=pod.checkin_time.minute,
            timezone=pod.zone,
        ),
        describe=lambda config, pod: f"Mondays at {pod.checkin_time:%H:%M} {pod.timezone}",
        period=lambda config, pod, now: now.astimezone(pod.zone).date().isoformat(),
        body=_body,
        overdue=_overdue,
    )
)
