"""`aging-report`: each working day at 09:00 POD time, the POD's open requests by stage."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import TYPE_CHECKING

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from bot.blocks.aging_report import ReportMessage, aging_csv, aging_messages
from bot.blocks.text import plain_date, plural
from bot.config import Config, Pod
from bot.db.compliance import last_step_gaps
from bot.db.models import PodRow, Request
from bot.db.open_items import late_terms, open_items, waiting_claims
from bot.db.people import names_of
from bot.domain.aging import (
    AgingLine,
    aging_lines,
)
from bot.domain.events import ClockCrossed
from bot.jobs import register
from bot.jobs.runner import JobContext, JobSpec, local_time_reached
from bot.slack.web_api import SlackApi

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.runtime import Runtime

NAME = "aging-report"
# Reports are built one at a time in a process. Building is CPU work under one GIL: fifty PODs
# built side by side all finish together, late; built in turn, each POD posts as soon as its
# own report is ready, and the posts already paced are not held up by the builders.
log = logging.getLogger(__name__)
_BUILDING = threading.Lock()


def build_report(
    runtime: Runtime, pod: Pod, now: datetime
) -> tuple[list[AgingLine], list[ReportMessage]]:
    """The report's lines and messages for one POD at `now`."""
    with _BUILDING:
        with runtime.db.reading() as session:
            items = open_items(session, pod.key, runtime.config.procurement_stages)
            terms = late_terms(session, pod, now)
            waiting = waiting_claims(session, runtime.config, pod, now)
            gaps = last_step_gaps(session, pod.key, pod.checklist)
            links = _card_links(session, runtime, pod)
        clocks = runtime.config.clocks
        lines = aging_lines(items, now, pod.calendar, clocks.update_hours)
        messages = aging_messages(
            pod.name,
            lines,
            now,
            pod.timezone,
            update_hours=clocks.update_hours,
            qualification_hours=clocks.qualification_hours,
            unrecorded=terms,
            waiting=waiting,
            links=links,
            gaps=gaps,
        )
    return lines, messages


def _card_links(session: Session, runtime: Runtime, pod: Pod) -> dict[str, str]:
    """Each of the POD's posted cards' permalink, by request key (no workspace URL: none)."""
    try:
        team_url = runtime.slack.team_url()
    except Exception:  # the report goes out with plain keys rather than not at all
        log.warning("no workspace URL for the aging report's links", exc_info=True)
        return {}
    links: dict[str, str] = {}
    for number, channel, ts in session.execute(
        select(Request.id, Request.card_channel, Request.card_ts)
        .join(PodRow, PodRow.id == Request.pod_id)
        .where(PodRow.key == pod.key, Request.card_ts.is_not(None))
    ):
        if channel is None or ts is None:  # never: a posted card has both
            continue
        link = SlackApi.archive_link(team_url, channel, ts)
        if link:
            links[f"REQ-{number}"] = link
    return links


def _body(context: JobContext) -> str:
    pod = context.pod
    lines, messages = build_report(context.runtime, pod, context.now)
    # A snapshot: a newer day's report queued while this one waits for Slack replaces it.
    parent = context.post(
        pod.channel, messages[0].text, messages[0].blocks, snapshot=f"aging-report:{pod.key}"
    )
    for message in messages[1:]:
        context.post(pod.channel, message.text, message.blocks, thread=parent)
    if len(messages) > 1:
        day = context.now.astimezone(pod.zone).date().isoformat()
        with context.runtime.db.reading() as session:
            names = names_of(session, {line.item.owner for line in lines if line.item.owner})
        context.upload(
            pod.channel,
            f"aging-{pod.key}-{day}.csv",
            aging_csv(lines, pod.timezone, names),
            title=f"Aging report {pod.name} {plain_date(context.now, pod.timezone)}",
            thread=parent,
        )
    # A procurement stage's "day n of a–b" moves with the calendar: the report's run edits the
    # cards of the requests waiting in one, so each shows today's day (and the Homes that list
    # them, as every card refresh does); so does a hold's age and a stall (issue 30).
    waiting = [line.item.number for line in lines if line.procurement is not None]
    # (A held or stalled request's card is redrawn only once posted: the report posts none.)
    later = [
        line.item.number
        for line in lines
        if line.procurement is None
        and (line.held_since is not None or line.stalled_since is not None)
    ]
    if later:
        with context.runtime.db.reading() as session:
            posted = set(
                session.scalars(
                    select(Request.id).where(Request.id.in_(later), Request.card_ts.is_not(None))
                )
            )
        waiting += [number for number in later if number in posted]
    for number in waiting:
        context.record(ClockCrossed(number))
    return f"queued {plural(len(lines), 'request')} in {plural(len(messages), 'message')}"


def _period(config: Config, pod: Pod, now: datetime) -> str | None:
    day = now.astimezone(pod.zone).date()
    return day.isoformat() if pod.calendar.is_working_day(day) else None


SPEC = register(
    JobSpec(
        name=NAME,
        summary="open requests by stage with ages, TAT and flags",
        trigger=lambda config, pod: CronTrigger(
            day_of_week=",".join(pod.workdays),
            hour=config.schedule.aging_report.hour,
            minute=config.schedule.aging_report.minute,
            timezone=pod.zone,
        ),
        describe=lambda config, pod: (
            f"working days ({', '.join(pod.workdays)}, not holidays) at "
            f"{config.schedule.aging_report:%H:%M} {pod.timezone}"
        ),
        period=_period,
        body=_body,
        overdue=lambda config, pod, now: local_time_reached(pod, now, config.schedule.aging_report),
    )
)
