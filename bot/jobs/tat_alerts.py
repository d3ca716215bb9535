"""`tat-alerts`: every 15 minutes, one alert per newly breached qualification or negotiation TAT.

Each breach is a run of its own in the ledger (job `tat-alert`, the POD,
`REQ-12/negotiation/<due>`), recorded in the transaction that queues its thread alert and its
timeline event, so it is alerted once ever, across restarts and processes; a reassignment that
moves the due date is a new breach. A breach still open 24 working hours after its alert is
raised once more in the thread, mentioning the em(s) (job `tat-escalation`, same period). The
analysts hear of open breaches in their daily breach digest (`reminders`), in office hours.
"""

from __future__ import annotations

from datetime import datetime

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.text import escape_mrkdwn, plural, slack_date
from bot.db.absences import away_in
from bot.db.models import JobRun, Request, RunStatus
from bot.db.open_items import breach_key, breached_requests
from bot.db.requests import record_event
from bot.domain.events import ClockCrossed
from bot.domain.reminders import BREACH_ESCALATION_HOURS, breach_escalation_due
from bot.domain.vocabulary import EventKind, Role
from bot.jobs import register
from bot.jobs.runner import JobContext, JobSpec
from bot.slack.outbox import mentions

NAME = "tat-alerts"
BREACH_JOB = "tat-alert"
ESCALATION_JOB = "tat-escalation"


def breached(context: JobContext) -> list[Request]:
    """The POD's open requests whose qualification or negotiation TAT has passed."""
    with context.runtime.db.transaction() as session:
        return breached_requests(session, context.pod.key, context.now)


def _alert(context: JobContext, request: Request) -> bool:
    pod, now = context.pod, context.now
    period, what, due = breach_key(request)
    analysts = list(
        dict.fromkeys([*pod.members_with(Role.ANALYST), *filter(None, [request.analyst_id])])
    )
    people = [*analysts, *([request.buyer_id] if request.buyer_id else [])]
    # Names are stored as plain text (a modal's are not escaped by Slack).
    names = f"{escape_mrkdwn(request.customer)} · {escape_mrkdwn(request.tool)}"
    text = (
        f":rotating_light: *TAT breached* — {request.key} ({names}): "
        f"the {what} was due {slack_date(due, pod.timezone, with_time=True)}. {mentions(people)}"
    )
    context.reply(request, text)
    # The card's TAT (or qualification) line gets its badge: edited once, with the breach's run.
    context.record(ClockCrossed(request.id))

    def on_the_timeline(session: Session) -> None:
        row = session.get(Request, request.id)
        assert row is not None
        record_event(session, row, at=now, actor="podbot", kind=EventKind.TAT_BREACHED, text=what)

    context.write(on_the_timeline)
    # Each breach is a run of its own: alerted once ever, whatever the 15-minute slot.
    return context.queue(BREACH_JOB, period)


def _escalate(context: JobContext, request: Request, alerted: datetime | None) -> bool:
    """A breach still open 24 working hours after its alert (`alerted`, None when this run
    alerted it) is raised once more in its thread, mentioning the em(s): a ledger run of its
    own (job `tat-escalation`), so once ever."""
    pod, now = context.pod, context.now
    period, what, due = breach_key(request)
    if alerted is None or breach_escalation_due(pod.calendar, alerted) > now:
        return False
    names = f"{escape_mrkdwn(request.customer)} · {escape_mrkdwn(request.tool)}"
    with context.runtime.db.reading() as session:
        away = away_in(session, pod, now)  # an escalation skips an em away (`/proc away`)
    present = [em for em in pod.members_with(Role.EM) if em not in away]
    ems = mentions(present) or (
        "The POD's em is away." if pod.members_with(Role.EM) else "The POD has no em."
    )
    context.reply(
        request,
        f":rotating_light: *TAT breach still open* — {request.key} ({names}): the {what} was "
        f"due {slack_date(due, pod.timezone, with_time=True)} and is still open "
        f"{BREACH_ESCALATION_HOURS} working hours after its alert. {ems}",
    )

    def on_the_timeline(session: Session) -> None:
        row = session.get(Request, request.id)
        assert row is not None
        record_event(session, row, at=now, actor="podbot", kind=EventKind.TAT_ESCALATED, text=what)

    context.write(on_the_timeline)
    return context.queue(ESCALATION_JOB, period)


def _recorded(context: JobContext, periods: list[str]) -> dict[tuple[str, str], datetime]:
    """(job, period) → when it was recorded, for the breach alerts and escalations of these
    periods already in the ledger: one query, so a run with nothing new to say is cheap."""
    if not periods:
        return {}
    with context.runtime.db.reading() as session:
        rows = session.execute(
            select(JobRun.job, JobRun.period, JobRun.finished_at).where(
                JobRun.job.in_((BREACH_JOB, ESCALATION_JOB)),
                JobRun.scope == context.pod.key,
                JobRun.period.in_(periods),
                JobRun.status == RunStatus.DONE.value,
            )
        ).all()
    # A done run has finished (`finished_at` is set with the status).
    return {(job, period): at for job, period, at in rows if at is not None}


def _body(context: JobContext) -> str:
    open_breaches = breached(context)
    done = _recorded(context, [breach_key(request)[0] for request in open_breaches])
    sent = sum(
        _alert(context, request)
        for request in open_breaches
        if (BREACH_JOB, breach_key(request)[0]) not in done
    )
    raised = sum(
        _escalate(context, request, done.get((BREACH_JOB, breach_key(request)[0])))
        for request in open_breaches
        if (ESCALATION_JOB, breach_key(request)[0]) not in done
    )
    return f"{plural(sent, 'new breach alert')}" + (
        f", {plural(raised, 'escalation')}" if raised else ""
    )


SPEC = register(
    JobSpec(
        name=NAME,
        summary="one alert per newly breached qualification or negotiation TAT",
        trigger=lambda config, pod: CronTrigger(minute="*/15", timezone=pod.zone),
        describe=lambda config, pod: f"every 15 minutes ({pod.timezone})",
        period=lambda config, pod, now: now.strftime("%Y-%m-%dT%H:%M"),
        body=_body,
        claims_period=False,
    )
)
