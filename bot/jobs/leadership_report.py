"""`leadership-report` (issue 35): on the first working day of each month at 09:00 (the first
POD's calendar and time), one message across PODs in the `[leadership] channel` — each POD's
ATS change over four weeks, MSG and GDR standing, savings vs target, the forecast's at-risk
accounts and the customers' ROI where a fee is recorded (`bot/db/leadership.py`) — with, in
its thread, the CSV and the report as an `.eml` draft for leadership's email chain.

The job is scheduled for every POD but runs for the first configured one only (the report
covers them all): one ledger run per month (job `leadership-report`, that POD, `<YYYY-MM>`).
No `[leadership] channel`: no run."""

from __future__ import annotations

import html
from datetime import datetime, time

from apscheduler.triggers.cron import CronTrigger

from bot.blocks.leadership import leadership_blocks
from bot.config import Config, Pod
from bot.db.leadership import leadership_report
from bot.domain.leadership import first_working_day, leadership_csv, leadership_lines
from bot.jobs import register
from bot.jobs.runner import JobContext, JobSpec
from bot.mail.message import leadership_message

NAME = "leadership-report"
REPORT_AT = time(9, 0)


def _period(config: Config, pod: Pod, now: datetime) -> str | None:
    """`2027-01` on the month's first working day, for the first POD when a channel is set."""
    if config.leadership.channel is None or not config.pods or pod.key != config.pods[0].key:
        return None
    today = now.astimezone(pod.zone).date()
    if today != first_working_day(pod.calendar, today):
        return None
    return f"{today:%Y-%m}"


def _body(context: JobContext) -> str:
    runtime, now = context.runtime, context.now
    channel = runtime.config.leadership.channel
    assert channel is not None  # `_period` runs nothing without one
    with runtime.db.reading() as session:
        report = leadership_report(session, runtime.config, now)
    lines = leadership_lines(report)
    text = "\n".join(lines)
    blocks = leadership_blocks(lines)
    parent = context.post(channel, f"Leadership report {report.month}", blocks)
    context.upload(
        channel, f"leadership-{report.month}.csv", leadership_csv(report).encode("utf-8"),
        title=f"Leadership report {report.month}", thread=parent,
    )  # fmt: skip
    plain = text.replace("*", "")
    page = "<br>\n".join(html.escape(line.replace("*", "")) for line in lines)
    subject = f"Procurement PODs: leadership report {report.month}"
    message = leadership_message(
        runtime.config, month=report.month, subject=subject, text=plain,
        html=f"<html><body><p>{page}</p></body></html>", at=now,
    )  # fmt: skip
    context.upload(
        channel, f"leadership-{report.month}.eml", message.as_bytes(),
        title=f"Leadership report {report.month} (email draft)", thread=parent,
    )  # fmt: skip
    return f"queued the leadership report of {len(report.pods)} PODs with its CSV and .eml"


def _overdue(config: Config, pod: Pod, now: datetime) -> bool:
    return now.astimezone(pod.zone).time() >= REPORT_AT


SPEC = register(
    JobSpec(
        name=NAME,
        summary="the monthly leadership report across PODs, its CSV and .eml draft",
        trigger=lambda config, pod: CronTrigger(
            day="1-10", hour=REPORT_AT.hour, minute=REPORT_AT.minute, timezone=pod.zone
        ),
        describe=lambda config, pod: (
            f"the first working day of each month at {REPORT_AT:%H:%M} {pod.timezone}"
        ),
        period=_period,
        body=_body,
        overdue=_overdue,
    )
)
