"""`checkin-pack`: weekly (the POD's `checkin_day` at `checkin_time`, default Monday 09:00), one
message per customer in the POD channel — open requests, closes and approved savings of the last
7 days, renewals in the next 90 days — with the same figures as a CSV in its thread.

Each customer's pack is a ledger run of its own (job `checkin-pack`, the POD,
`<ISO week>/<customer>`), so a second run or the catch-up the same week posts nothing again.
"""

from __future__ import annotations

import hashlib
from datetime import datetime

from apscheduler.triggers.cron import CronTrigger

from bot.blocks.checkin import checkin_blocks
from bot.blocks.text import plain_date
from bot.config import Config, Pod
from bot.db.checkin import customer_facts, pack_of, pod_customers
from bot.domain.checkin import checkin_csv, checkin_csv_name
from bot.domain.digest import week_period
from bot.jobs import ledger, register
from bot.jobs.runner import JobContext, JobSpec

NAME = "checkin-pack"


def customer_period(week: str, customer_key: str) -> str:
    digest = hashlib.sha1(customer_key.encode("utf-8")).hexdigest()[:12]
    return f"{week}/{customer_key[:30]}/{digest}"


def _body(context: JobContext) -> str:
    pod, now = context.pod, context.now
    week = week_period(now.astimezone(pod.zone).date())
    with context.runtime.db.reading() as session:
        customers = pod_customers(session, pod.key)
    posted = 0
    for key, name in customers.items():
        period = customer_period(week, key)
        if ledger.is_done(context.runtime.db, NAME, pod.key, period):
            continue
        with context.runtime.db.reading() as session:
            facts = customer_facts(session, pod.key, key, name)
        pack = pack_of(facts, pod.name, pod.zone, now)
        text, blocks = checkin_blocks(pack)
        parent = context.post(pod.channel, text, blocks)
        context.upload(
            pod.channel, checkin_csv_name(pod.key, pack),
            checkin_csv(pack).encode("utf-8"),
            title=f"Check-in {pack.customer} {plain_date(pack.as_of)}", thread=parent,
        )  # fmt: skip
        posted += context.queue(NAME, period)
    return f"{posted} check-in pack(s)"


def _overdue(config: Config, pod: Pod, now: datetime) -> bool:
    local = now.astimezone(pod.zone)
    return local.strftime("%a").lower() == pod.checkin_day and local.time() >= pod.checkin_time


SPEC = register(
    JobSpec(
        name=NAME,
        summary="one check-in pack per customer a week in the POD channel, with its CSV",
        trigger=lambda config, pod: CronTrigger(
            day_of_week=pod.checkin_day,
            hour=pod.checkin_time.hour,
            minute=pod.checkin_time.minute,
            timezone=pod.zone,
        ),
        describe=lambda config, pod: (
            f"{pod.checkin_day.capitalize()}s at {pod.checkin_time:%H:%M} {pod.timezone}"
        ),
        period=lambda config, pod, now: week_period(now.astimezone(pod.zone).date()),
        body=_body,
        overdue=_overdue,
        claims_period=False,
    )
)
