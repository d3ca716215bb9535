"""`renewal-reminders`: for each contract of the POD's SaaS stack with no open renewal request,
one DM to each of the POD's analysts 90 and 60 days before its deadline — the notice deadline
(renewal date − notice days) when that comes first, else the renewal date — with **Open renewal
request** (the Home's button: the intake modal prefilled from the contract).

Each reminder is a ledger run of its own (job `renewal-reminder`, the POD,
`contract/<id>/<deadline>/<lead>d`), recorded in the transaction that queues its DMs: once per
contract, deadline and lead time, ever. A contract first seen inside 60 days gets the 60-day
reminder only (the 90-day one is recorded as passed). DMs are queued in the POD's office hours
and held in the outbox until each analyst's own (`bot.digests.reader_hours`); a
contract with an open renewal request for its customer and tool (in its POD) gets none.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from bot.blocks.reminders import RenewalReminder, renewal_reminder_dm
from bot.blocks.text import plural
from bot.db.absences import away_in
from bot.db.contracts import open_renewal_requests
from bot.db.models import Contract, PodRow
from bot.db.usage import latest_usage
from bot.digests import reader_hours
from bot.domain.absences import route
from bot.domain.money import Money, format_money
from bot.domain.reminders import in_office_hours
from bot.domain.renewals import match_key, reminder_deadline, reminders_due
from bot.domain.usage import usage_line
from bot.domain.vocabulary import Role
from bot.jobs import ledger, register
from bot.jobs.runner import JobContext, JobSpec, working_hour

NAME = "renewal-reminders"
REMINDER_JOB = "renewal-reminder"


def reminder_period(contract_id: int, deadline: date, lead: int) -> str:
    """The ledger period of one contract's reminder at one lead time."""
    return f"contract/{contract_id}/{deadline:%Y-%m-%d}/{lead}d"


def _contracts_without_request(context: JobContext) -> list[Contract]:
    with context.runtime.db.reading() as session:
        pod_id = session.scalars(select(PodRow.id).where(PodRow.key == context.pod.key)).one()
        open_keys = {match_key(r.customer, r.tool) for r in open_renewal_requests(session, pod_id)}
        contracts = session.scalars(
            select(Contract).where(Contract.pod_id == pod_id).order_by(Contract.id)
        ).all()
        return [c for c in contracts if match_key(c.customer, c.tool) not in open_keys]


def _body(context: JobContext) -> str:
    pod, now = context.pod, context.now
    if not in_office_hours(pod.calendar, context.runtime.config.schedule.office_hours, now):
        return "0 renewal reminders (outside office hours)"
    analysts = pod.members_with(Role.ANALYST)
    slot = reader_hours(context)
    today = now.astimezone(pod.zone).date()
    sent = 0
    for contract in _contracts_without_request(context):
        deadline = reminder_deadline(contract.renewal_date, contract.notice_days)
        due = [
            lead
            for lead in reminders_due(contract.renewal_date, contract.notice_days, today)
            if not ledger.is_done(
                context.runtime.db,
                REMINDER_JOB,
                pod.key,
                reminder_period(contract.id, deadline, lead),
            )
        ]
        if not due:
            continue
        *passed, lead = due  # longest first: only the nearest lead time is sent
        for earlier in passed:  # recorded as passed, nothing sent
            context.queue(REMINDER_JOB, reminder_period(contract.id, deadline, earlier))
        item = RenewalReminder(
            contract_id=contract.id,
            customer=contract.customer,
            tool=contract.tool,
            annual=format_money(Money(contract.annual_amount, contract.currency)),
            renewal_date=contract.renewal_date,
            deadline=deadline,
            days_left=(deadline - today).days,
            pod_name=pod.name,
            timezone=pod.timezone,
        )
        with context.runtime.db.reading() as session:
            usage = latest_usage(session, contract.customer, contract.tool)
        if usage is not None:
            item = replace(
                item, usage=usage_line(usage, context.runtime.config.usage_headroom, today)
            )
        text, blocks = renewal_reminder_dm(item)
        # Someone away gets nothing: their cover does, once (`/proc away`).
        with context.runtime.db.reading() as session:
            away = away_in(session, pod, context.now)
        # Each held in the outbox until the analyst's own office hours (issue 30).
        for analyst in dict.fromkeys(filter(None, (route(a, away) for a in analysts))):
            context.dm(analyst, text, blocks, renewal=contract.id, not_before=slot(analyst))
        sent += context.queue(REMINDER_JOB, reminder_period(contract.id, deadline, lead))
    return plural(sent, "renewal reminder")


SPEC = register(
    JobSpec(
        name=NAME,
        summary="DMs to the analysts 90 and 60 days before a renewal (or its notice deadline)",
        trigger=lambda config, pod: CronTrigger(
            day_of_week=",".join(pod.workdays), minute=5, timezone=pod.zone
        ),
        describe=lambda config, pod: f"hourly on working days, in office hours ({pod.timezone})",
        period=working_hour,
        body=_body,
        claims_period=False,
    )
)
