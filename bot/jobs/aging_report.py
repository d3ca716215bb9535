"""`aging-report`: each working day at 09:00 POD time, the POD's open requests by stage."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from bot.blocks.aging_report import ReportMessage, aging_csv, aging_messages
from bot.blocks.claims import headline
from bot.blocks.text import plain_date, plural
from bot.config import Config, Pod
from bot.consequences import ClockCrossed
from bot.db.content import claim_view
from bot.db.models import PodRow, ProcurementStep, Request, SavingsClaim
from bot.db.people import names_of
from bot.domain.aging import (
    AgingItem,
    AgingLine,
    UnrecordedTerm,
    WaitingClaim,
    aging_lines,
    unrecorded_terms,
    waiting_for_an_em,
)
from bot.domain.lifecycle import TERM_RECORD_HOURS
from bot.domain.procurement import DEFAULT_STEP_WEEKS
from bot.domain.reminders import APPROVAL_HOURS
from bot.domain.vocabulary import OPEN_STAGES, ClaimStatus, Outcome, Stage
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


def open_items(
    session: Session, pod_key: str, stage_weeks: Mapping[str, tuple[int, int]] | None = None
) -> list[AgingItem]:
    """The POD's open requests as the report needs them: two queries (the requests, and the
    procurement steps under way), whatever their number."""
    rows = session.execute(
        select(
            Request.id,
            Request.customer,
            Request.tool,
            Request.kind,
            Request.stage,
            Request.buyer_id,
            Request.analyst_id,
            Request.created_by,
            Request.created_at,
            Request.qualification_due_at,
            Request.tat_due_at,
            Request.last_update_at,
            Request.preapproved_at,
        )
        .join(PodRow, PodRow.id == Request.pod_id)
        .where(PodRow.key == pod_key)
        .where(Request.stage.in_([s.value for s in OPEN_STAGES]))
        .order_by(Request.id)
    ).all()
    steps = open_steps(session, pod_key)
    weeks = stage_weeks if stage_weeks is not None else DEFAULT_STEP_WEEKS
    items = []
    # Unpacked positionally: attribute lookups by name on each row cost more than the rest.
    for (number, customer, tool, kind, stage, buyer, analyst, creator, created_at,
         qualification_due_at, tat_due_at, last_update_at, preapproved_at) in rows:  # fmt: skip
        step = steps.get(number) if stage == Stage.NEGOTIATING else None
        items.append(
            AgingItem(
                number=number,
                key=f"REQ-{number}",
                customer=customer,
                tool=tool,
                kind=kind,
                stage=stage,
                owner=(buyer if stage == Stage.NEGOTIATING else None) or analyst or creator,
                created_at=created_at,
                qualification_due_at=qualification_due_at,
                tat_due_at=tat_due_at,
                last_update_at=last_update_at,
                preapproved_at=preapproved_at,
                procurement_step=step[0] if step else None,
                procurement_started_at=step[1] if step else None,
                procurement_weeks=weeks[step[0]] if step else None,
            )
        )
    return items


def open_steps(session: Session, pod_key: str) -> dict[int, tuple[str, datetime]]:
    """The procurement step under way of each of the POD's negotiating requests (the latest
    started when more than one is): request id → (stage, started at)."""
    rows = session.execute(
        select(ProcurementStep.request_id, ProcurementStep.stage, ProcurementStep.started_at)
        .join(Request, Request.id == ProcurementStep.request_id)
        .join(PodRow, PodRow.id == Request.pod_id)
        .where(
            PodRow.key == pod_key,
            Request.stage == Stage.NEGOTIATING.value,
            ProcurementStep.done_at.is_(None),
        )
        .order_by(ProcurementStep.id)
    ).all()
    return {request_id: (stage, started_at) for request_id, stage, started_at in rows}


def unrecorded_term_items(session: Session, pod_key: str) -> list[UnrecordedTerm]:
    """The POD's won requests whose new term is not recorded yet (due or not)."""
    rows = session.execute(
        select(Request.id, Request.customer, Request.tool, Request.analyst_id, Request.closed_at)
        .join(PodRow, PodRow.id == Request.pod_id)
        .where(
            PodRow.key == pod_key,
            Request.stage == Stage.CLOSED.value,
            Request.outcome == Outcome.WON.value,
            Request.term_recorded_at.is_(None),
            Request.closed_at.is_not(None),
        )
        .order_by(Request.id)
    ).all()
    return [
        UnrecordedTerm(number, f"REQ-{number}", customer, tool, analyst, closed_at)
        for number, customer, tool, analyst, closed_at in rows
        if closed_at is not None  # as the query asks: a closed request has its time
    ]


def late_terms(session: Session, pod: Pod, now: datetime) -> list[UnrecordedTerm]:
    """The POD's won requests whose new term is unrecorded 24 working hours after the close."""
    items = unrecorded_term_items(session, pod.key)
    return unrecorded_terms(items, now, pod.calendar, TERM_RECORD_HOURS)


def pending_claims(session: Session, config: Config, pod: Pod) -> list[WaitingClaim]:
    """The POD's pending savings claims, with what the report and the approval queue show."""
    rows = session.execute(
        select(SavingsClaim, Request)
        .join(Request, Request.id == SavingsClaim.request_id)
        .join(PodRow, PodRow.id == Request.pod_id)
        .where(PodRow.key == pod.key, SavingsClaim.status == ClaimStatus.PENDING.value)
        .order_by(SavingsClaim.id)
    ).all()
    return [
        WaitingClaim(
            claim.id,
            request.id,
            request.key,
            request.customer,
            request.tool,
            request.buyer_id or claim.created_by,
            headline(claim_view(session, config, claim)),
            claim.created_at,
            claim.kind,
        )
        for claim, request in rows
    ]


def waiting_claims(session: Session, config: Config, pod: Pod, now: datetime) -> list[WaitingClaim]:
    """The POD's claims pending for 24 working hours or more: waiting for an em."""
    return waiting_for_an_em(
        pending_claims(session, config, pod), now, pod.calendar, APPROVAL_HOURS
    )


def build_report(
    runtime: Runtime, pod: Pod, now: datetime
) -> tuple[list[AgingLine], list[ReportMessage]]:
    """The report's lines and messages for one POD at `now`."""
    with _BUILDING:
        with runtime.db.reading() as session:
            items = open_items(session, pod.key, runtime.config.procurement_stages)
            terms = late_terms(session, pod, now)
            waiting = waiting_claims(session, runtime.config, pod, now)
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
    # them, as every card refresh does).
    for line in lines:
        if line.procurement is not None:
            context.record(ClockCrossed(line.item.number))
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
