"""`renewal-calendar`: next quarter's renewals, posted once a quarter with a CSV and an ICS file.

It runs at 09:00 POD time on the last working day on or before (next quarter's start −
`renewal_calendar_days_before` days). The cron fires on every workday; `period` names the
quarter only on its post day, so on every other day the job does nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from bot.blocks.pages import ReportMessage
from bot.blocks.renewal_calendar import renewal_csv, renewal_ics, renewal_messages
from bot.blocks.text import plural
from bot.config import Config, Pod
from bot.db.contracts import open_renewal_requests, pod_ids
from bot.db.models import Contract, PodRow
from bot.domain.money import Money
from bot.domain.quarters import Quarter, calendar_post_day, quarter_of
from bot.domain.renewals import RenewalCalendar, RenewalContract, renewal_calendar
from bot.jobs import register
from bot.jobs.runner import JobContext, JobSpec, local_time_reached

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime

NAME = "renewal-calendar"
# SPEC §5 fixes the time of day; only the days before the quarter are configurable.
POST_AT = time(9, 0)


def quarter_contracts(session: Session, pod_key: str, quarter: Quarter) -> list[RenewalContract]:
    """The POD's contracts renewing within the quarter."""
    rows = session.scalars(
        select(Contract)
        .join(PodRow, PodRow.id == Contract.pod_id)
        .where(PodRow.key == pod_key)
        .where(Contract.renewal_date.between(quarter.start, quarter.end))
        .order_by(Contract.renewal_date, Contract.id)
    ).all()
    return [
        RenewalContract(
            contract_id=row.id,
            customer=row.customer,
            tool=row.tool,
            annual=Money(row.annual_amount, row.currency),
            renewal_date=row.renewal_date,
            billing_cycle=row.billing_cycle,
            notice_days=row.notice_days,
            auto_renew=row.auto_renew,
        )
        for row in rows
    ]


def build_calendar(
    runtime: Runtime, pod: Pod, quarter: Quarter, today: date
) -> tuple[RenewalCalendar, list[ReportMessage]]:
    """The quarter's renewal calendar for one POD as of `today`, and its messages."""
    with runtime.db.transaction() as session:
        contracts = quarter_contracts(session, pod.key, quarter)
        requests = open_renewal_requests(session, pod_ids(session, [pod.key])[pod.key])
    tat_days = runtime.config.clocks.tat_days["renewal"]
    calendar = renewal_calendar(contracts, requests, quarter, today, tat_days)
    return calendar, renewal_messages(pod.name, calendar, tat_days=tat_days, timezone=pod.timezone)


def quarter_posted_on(config: Config, pod: Pod, day: date) -> Quarter | None:
    """The quarter whose calendar is posted on `day` (a POD-local date), if any."""
    days_before = config.schedule.renewal_calendar_days_before
    # With 0 days before, the post day can lie in the quarter itself; with 90, two ahead of it.
    candidate = quarter_of(day, pod.fiscal_year_start_month)
    for _ in range(3):
        if calendar_post_day(candidate, pod.calendar, days_before) == day:
            return candidate
        candidate = candidate.next()
    return None


def quarter_due(config: Config, pod: Pod, day: date) -> Quarter | None:
    """The quarter whose calendar is due on working day `day`: from its post day until the
    quarter starts, so a post day the bot missed (downtime) is made up on the next one."""
    if not pod.calendar.is_working_day(day):
        return None
    days_before = config.schedule.renewal_calendar_days_before
    candidate = quarter_of(day, pod.fiscal_year_start_month)
    due = None
    for _ in range(3):
        if calendar_post_day(candidate, pod.calendar, days_before) <= day < candidate.start:
            due = candidate
        candidate = candidate.next()
    return due


def _period(config: Config, pod: Pod, now: datetime) -> str | None:
    quarter = quarter_due(config, pod, now.astimezone(pod.zone).date())
    return None if quarter is None else str(quarter)


def _overdue(config: Config, pod: Pod, now: datetime) -> bool:
    day = now.astimezone(pod.zone).date()
    quarter = quarter_due(config, pod, day)
    if quarter is None:
        return False
    post_day = calendar_post_day(
        quarter, pod.calendar, config.schedule.renewal_calendar_days_before
    )
    return day > post_day or local_time_reached(pod, now, POST_AT)


def _body(context: JobContext) -> str:
    pod = context.pod
    today = context.now.astimezone(pod.zone).date()
    quarter = quarter_due(context.runtime.config, pod, today)
    assert quarter is not None, "the runner only calls the body when a calendar is due"
    calendar, messages = build_calendar(context.runtime, pod, quarter, today)
    parent = context.post(pod.channel, messages[0].text, messages[0].blocks)
    for message in messages[1:]:
        context.post(pod.channel, message.text, message.blocks, thread=parent)
    title = f"Renewals {pod.name} {quarter}"
    context.upload(
        pod.channel,
        f"renewals-{pod.key}-{quarter}.csv",
        renewal_csv(calendar),
        title=f"{title} (CSV)",
        thread=parent,
    )
    context.upload(
        pod.channel,
        f"renewals-{pod.key}-{quarter}.ics",
        renewal_ics(pod.name, calendar, context.now.astimezone(UTC)),
        title=f"{title} (calendar)",
        thread=parent,
    )
    return (
        f"queued {plural(len(calendar.lines), 'renewal')} in "
        f"{plural(len(messages), 'message')} with CSV and ICS"
    )


SPEC = register(
    JobSpec(
        name=NAME,
        summary="next quarter's renewals by month, with CSV and ICS",
        trigger=lambda config, pod: CronTrigger(
            day_of_week=",".join(pod.workdays),
            hour=POST_AT.hour,
            minute=POST_AT.minute,
            timezone=pod.zone,
        ),
        describe=lambda config, pod: (
            f"{POST_AT:%H:%M} {pod.timezone} on the last working day on or before "
            f"(next quarter's start − {config.schedule.renewal_calendar_days_before} days)"
        ),
        period=_period,
        body=_body,
        overdue=_overdue,
    )
)
