"""`tat-alerts`: every 15 minutes, one alert per newly breached qualification or negotiation TAT.

Each breach claims its own ledger key (job `tat-alert`, the POD, `REQ-12/negotiation/<due>`),
so it is alerted once ever, across restarts and processes; a reassignment that moves the due
date is a new breach.
"""

from __future__ import annotations

from datetime import datetime

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import and_, or_, select

from bot.db.models import JobRun, Request
from bot.db.models import Pod as PodRow
from bot.db.requests import record_event
from bot.jobs import ledger, register
from bot.jobs.runner import JobContext, JobSpec
from bot.slack.claims import when
from bot.slack.outbox import mentions

NAME = "tat-alerts"
BREACH_JOB = "tat-alert"


def breach_key(request: Request) -> tuple[str, str, datetime]:
    """(ledger period, what was breached, when it was due) for a breached request."""
    if request.stage == "intake":
        return f"{request.key}/qualification", "qualification", request.qualification_due_at
    assert request.tat_due_at is not None
    due = request.tat_due_at
    return f"{request.key}/negotiation/{due:%Y%m%dT%H%MZ}", "negotiation TAT", due


def breached(context: JobContext) -> list[Request]:
    """The POD's open requests whose qualification or negotiation TAT has passed."""
    now = context.now
    with context.runtime.db.transaction() as session:
        return list(
            session.scalars(
                select(Request)
                .join(PodRow, PodRow.id == Request.pod_id)
                .where(PodRow.key == context.pod.key)
                .where(
                    or_(
                        and_(Request.stage == "intake", Request.qualification_due_at <= now),
                        and_(Request.stage == "negotiating", Request.tat_due_at <= now),
                    )
                )
                .order_by(Request.id)
            )
        )


def _alert(context: JobContext, request: Request) -> bool:
    pod, now = context.pod, context.now
    period, what, due = breach_key(request)
    analysts = list(
        dict.fromkeys([*pod.members_with("analyst"), *filter(None, [request.analyst_id])])
    )
    people = [*analysts, *([request.buyer_id] if request.buyer_id else [])]
    text = (
        f":rotating_light: *TAT breached* — {request.key} ({request.customer} · {request.tool}): "
        f"the {what} was due {when(due)}. {mentions(people)}"
    )
    dm_text = (
        f":rotating_light: {request.key} ({request.customer} · {request.tool}) in {pod.name} "
        f"breached its {what} (due {when(due)})."
    )
    if context.dry_run:
        if ledger.is_done(context.runtime.db, BREACH_JOB, pod.key, period):
            return False
        context.post("thread", request.card_channel or pod.channel, text, thread_ts=request.card_ts)
        for analyst in pod.members_with("analyst"):
            context.dm(f"dm:{analyst}", analyst, dm_text)
        return True
    claim = ledger.claim(context.runtime.db, BREACH_JOB, pod.key, period, now)
    if claim is None:
        return False
    run = context.under(claim)
    try:
        run.post("thread", request.card_channel or pod.channel, text, thread_ts=request.card_ts)
        for analyst in pod.members_with("analyst"):
            run.dm(f"dm:{analyst}", analyst, dm_text)
        if not claim.detail.get("event"):
            with context.runtime.db.transaction() as session:
                row = session.get(Request, request.id)
                assert row is not None
                record_event(session, row, at=now, actor="podbot", kind="tat_breached", text=what)
                job_run = session.get(JobRun, claim.run_id)
                assert job_run is not None
                job_run.detail = {**(job_run.detail or {}), "event": True}
    except Exception as exc:
        ledger.finish(context.runtime.db, claim.run_id, now, failed=repr(exc))
        raise
    ledger.finish(context.runtime.db, claim.run_id, now)
    return True


def _body(context: JobContext) -> str:
    sent = sum(_alert(context, request) for request in breached(context))
    return f"{sent} new breach alert(s)"


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
