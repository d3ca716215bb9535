"""`bundles` (issue 34): on working days at the POD's check-in time, customers of any POD
renewing the same tool within 90 days are proposed as one bundle to their PODs' ems (a DM with
the combined seats and annual value, the best unit price paid at that size, the resellers that
quoted before, and an Accept button: `bot/actions/bundles.py`).

A bundle is proposed by the run of the first POD (by key) among its customers', so two PODs'
runs never propose it twice; a contract's renewal is in one bundle at most (the schema's unique
key), so a later run proposes it again only for its next renewal. One ledger run per POD and
day (job `bundles`, the POD, `<YYYY-MM-DD>`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from apscheduler.triggers.cron import CronTrigger

from bot.actions import Work
from bot.actions.bundles import bundles_to_propose, propose_bundles
from bot.blocks.text import plural
from bot.config import Config, Pod
from bot.db.bundles import unbundled_renewals
from bot.domain.playbooks import BUNDLE_DAYS
from bot.jobs import register
from bot.jobs.runner import JobContext, JobSpec

NAME = "bundles"


def _body(context: JobContext) -> str:
    pod = context.pod
    today = context.now.astimezone(pod.zone).date()
    with context.runtime.db.reading() as session:
        renewals = unbundled_renewals(session, today, today + timedelta(days=BUNDLE_DAYS))
    due = bundles_to_propose(renewals, pod.key, today)
    if not due:
        return "no bundle to propose"

    def propose(work: Work) -> None:
        propose_bundles(work, pod.key, today)

    context.change(propose)
    return f"proposed {plural(len(due), 'bundle')}"


def _period(config: Config, pod: Pod, now: datetime) -> str | None:
    # Scheduled on working days; a run by hand (`podbot jobs run bundles`) works any day.
    return now.astimezone(pod.zone).date().isoformat()


def _overdue(config: Config, pod: Pod, now: datetime) -> bool:
    return now.astimezone(pod.zone).time() >= pod.checkin_time


SPEC = register(
    JobSpec(
        name=NAME,
        summary="customers renewing the same tool within 90 days proposed as a bundle to ems",
        trigger=lambda config, pod: CronTrigger(
            day_of_week=",".join(pod.workdays),
            hour=pod.checkin_time.hour,
            minute=pod.checkin_time.minute,
            timezone=pod.zone,
        ),
        describe=lambda config, pod: f"working days at {pod.checkin_time:%H:%M} {pod.timezone}",
        period=_period,
        body=_body,
        overdue=_overdue,
    )
)
