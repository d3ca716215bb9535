"""`tat-alerts`: every 15 minutes, one alert per newly breached qualification or negotiation TAT.

Each breach is a run of its own in the ledger (job `tat-alert`, the POD,
`REQ-12/negotiation/<due>`), recorded in the transaction that queues its thread alert and its
timeline event, so it is alerted once ever, across restarts and processes; a reassignment that
moves the due date is a new breach. A breach still open 24 working hours after its alert is
raised once more in the thread, mentioning the em(s) (job `tat-escalation`, same period). The
analysts hear of open breaches in their daily breach digest (`reminders`), in office hours.

Issue 30: the same run raises long holds and stalls once each (`reviews_and_stalls`: a ledger
run whose detail records whom the notice is for, told in their digest DMs by `bot/digests.py`,
the thread getting a line naming nobody), and notices absences that ran out without
`/proc back` (`absences_over`: `AbsenceChanged` once, so claim messages stop saying "covering
for …").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.text import escape_mrkdwn, plural, slack_date
from bot.db.absences import away_in, ended
from bot.db.holds import open_holds
from bot.db.models import JobRun, PodRow, ProcurementStep, Request, RunStatus
from bot.db.open_items import breach_key, breached_requests
from bot.db.requests import record_event
from bot.db.stalls import (
    HOLD_REVIEW_JOB,
    NOTICE_JOBS,
    QUIET_JOB,
    STEP_WARNING_JOB,
    Notice,
    last_activities,
    quiet_since,
)
from bot.domain.events import AbsenceChanged, ClockCrossed
from bot.domain.holds import held_days, hold_review_due
from bot.domain.procurement import DEFAULT_STEP_WEEKS, step_clock, step_words
from bot.domain.reminders import BREACH_ESCALATION_HOURS, breach_escalation_due
from bot.domain.stalls import (
    QUIET_DAYS,
    STEP_ESCALATION_HOURS,
    is_stalled,
    step_escalation_due,
)
from bot.domain.vocabulary import EventKind, Role, Stage
from bot.domain.working_time import WorkCalendar
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
    flagged = reviews_and_stalls(context)
    returned = absences_over(context)
    return (
        f"{plural(sent, 'new breach alert')}"
        + (f", {plural(raised, 'escalation')}" if raised else "")
        + (f", {plural(flagged, 'hold or stall')} raised" if flagged else "")
        + (f", {plural(returned, 'absence')} over" if returned else "")
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


# --- absences that ran out (issue 30) --------------------------------------------------------

ABSENCE_OVER_JOB = "absence-over"


def absences_over(context: JobContext) -> int:
    """An absence whose return day has started (not ended with `/proc back`, which says so
    itself) changes who decides the POD's pending claims: their messages stop saying
    "covering for …", and the Homes drop the away line. One ledger run per absence and POD
    (`U…/<until>`), so once ever; `AbsenceChanged`'s consequences do the redrawing."""
    with context.runtime.db.reading() as session:
        over = ended(session, context.pod, context.now)
    periods = [f"{a.user}/{a.until.isoformat()}" for a in over]
    done = {period for (_job, period) in _recorded_any(context, [ABSENCE_OVER_JOB], periods)}
    count = 0
    for absence, period in zip(over, periods, strict=True):
        if period in done:
            continue
        who = (absence.user, *([absence.cover] if absence.cover else []))
        context.record(AbsenceChanged((context.pod.key,), who))
        count += context.queue(ABSENCE_OVER_JOB, period)
    return count


# --- holds under review and stalls (issue 30) ----------------------------------------------


def _raise_once(context: JobContext, job: str, period: str, request: Request, line: str,
                notice: Notice) -> bool:  # fmt: skip
    """A notice raised once per (job, period) ever — a ledger run of its own, whose detail
    records whom it is for and its words: each of them is told in their next digest DM (in
    their own hours, the cover while they are away: `bot/digests.py`). The thread gets a
    short line naming nobody, and the timeline a `stall_flagged`/`hold_reviewed` event."""
    now = context.now
    # The card is not edited here: its stall and hold lines follow the daily aging report's
    # redraw (and any change to the request), as the procurement stage's day does.
    context.reply(request, line)
    kind = EventKind.HOLD_REVIEWED if job == HOLD_REVIEW_JOB else EventKind.STALL_FLAGGED

    def on_the_timeline(session: Session) -> None:
        row = session.get(Request, request.id)
        assert row is not None
        record_event(session, row, at=now, actor="podbot", kind=kind, text=notice.words)

    context.write(on_the_timeline)
    return context.queue(job, period, notice.detail())


@dataclass(frozen=True)
class _Raise:
    """A notice to raise once: its ledger period, its thread line, and the notice."""

    period: str
    line: str
    notice: Notice


def _warn_then_escalate(
    context: JobContext,
    job: str,
    request: Request,
    done: Mapping[str, datetime],
    escalation_due: Callable[[WorkCalendar, datetime], datetime],
    first: _Raise,
    then: _Raise,
) -> int:
    """`first` once; `then` once, when `escalation_due` of when `first` was raised has come."""
    if first.period not in done:
        return _raise_once(context, job, first.period, request, first.line, first.notice)
    due = escalation_due(context.pod.calendar, done[first.period])
    if then.period not in done and due <= context.now:
        return _raise_once(context, job, then.period, request, then.line, then.notice)
    return 0


def _names(request: Request) -> str:
    return f"{escape_mrkdwn(request.customer)} · {escape_mrkdwn(request.tool)}"


def _open_requests(context: JobContext) -> list[Request]:
    with context.runtime.db.reading() as session:
        return list(
            session.scalars(
                select(Request)
                .join(PodRow, PodRow.id == Request.pod_id)
                .where(PodRow.key == context.pod.key)
                .where(Request.stage.in_((Stage.INTAKE.value, Stage.NEGOTIATING.value)))
                .order_by(Request.id)
            )
        )


def reviews_and_stalls(context: JobContext) -> int:
    """Holds open longer than `[clocks] hold_review_days` (raised to the analyst once, then,
    24 working hours on, to the em once), procurement steps past their upper bound (told to
    the buyer and analyst once, raised to the em 24 working hours on if still running), and
    negotiations quiet for 14 days (flagged once to the analyst): each recorded once in the
    ledger with whom it is for, who are told in their digest DMs; the thread gets a line
    naming nobody. Returns how many were raised."""
    pod, now, config = context.pod, context.now, context.runtime.config
    requests = _open_requests(context)
    if not requests:
        return 0
    ids = [r.id for r in requests]
    with context.runtime.db.reading() as session:
        holds = open_holds(session, ids)
        steps = {
            s.request_id: s
            for s in session.scalars(
                select(ProcurementStep)
                .where(ProcurementStep.request_id.in_(ids), ProcurementStep.done_at.is_(None))
                .order_by(ProcurementStep.id)
            )
        }
        active = last_activities(session, ids)
    quiet: dict[int, tuple[str, datetime]] = {}  # a stalled request's quiet spell
    periods: list[str] = []
    for r in requests:
        if r.id in holds:
            periods += [f"{r.key}/hold/{holds[r.id].id}/{who}" for who in ("analyst", "em")]
            continue  # a held request is not stalled: it waits on someone outside the POD
        if r.stage != Stage.NEGOTIATING:
            continue
        if r.id in steps:
            periods += [f"{r.key}/step/{steps[r.id].id}/{who}" for who in ("team", "em")]
        last = quiet_since(r, active)
        if last is not None and is_stalled(last, now):
            quiet[r.id] = (f"{r.key}/quiet/{last:%Y%m%dT%H%MZ}", last)
    done = {
        period: at
        for (_job, period), at in _recorded_any(
            context, [*NOTICE_JOBS], periods + [p for p, _ in quiet.values()]
        ).items()
    }
    raised = 0
    analysts = pod.members_with(Role.ANALYST)
    ems = tuple(pod.members_with(Role.EM))
    for r in requests:
        team = tuple(dict.fromkeys([*filter(None, [r.analyst_id]), *analysts]))
        head = f"{r.key} ({_names(r)})"
        hold = holds.get(r.id)
        if hold is not None:
            base = f"{r.key}/hold/{hold.id}"
            days = plural(held_days(hold.started_at, now, pod.timezone), "day")
            words = f"waiting on the {hold.party} for {days}"
            if hold_review_due(hold.started_at, config.clocks.hold_review_days) <= now:
                raised += _warn_then_escalate(
                    context, HOLD_REVIEW_JOB, r, done, breach_escalation_due,
                    _Raise(
                        f"{base}/analyst",
                        f"⏸ *Long hold* — {head} has waited on the {hold.party} for {days}: "
                        "the analysts are asked in their digest whether to resume it.",
                        Notice(0, HOLD_REVIEW_JOB, r.id, now, team, "Long hold",
                               f"{words}: still waiting, or time to `/proc resume {r.key}`?",
                               hold=hold.id),
                    ),
                    _Raise(
                        f"{base}/em",
                        f"⏸ *Long hold, still open* — {head} has waited on the {hold.party} "
                        f"for {days}: raised to the em in their digest.",
                        Notice(0, HOLD_REVIEW_JOB, r.id, now, ems, "Long hold, still open",
                               f"{words}, raised to the em", hold=hold.id),
                    ),
                )  # fmt: skip
            continue
        step = steps.get(r.id)
        if step is not None and r.stage == Stage.NEGOTIATING:
            weeks = config.procurement_stages.get(step.stage, DEFAULT_STEP_WEEKS[step.stage])
            clock = step_clock(step.stage, step.started_at, now, pod.timezone, weeks)
            if clock.over:
                base = f"{r.key}/step/{step.id}"
                words = step_words(step.stage)
                bound = f"{words} is on day {clock.day} of {clock.lower}–{clock.upper}"
                people = tuple(dict.fromkeys([*filter(None, [r.buyer_id]), *team]))
                raised += _warn_then_escalate(
                    context, STEP_WARNING_JOB, r, done, step_escalation_due,
                    _Raise(
                        f"{base}/team",
                        f":warning: *Procurement stage over its bound* — {head}: {bound}; "
                        "told to the buyer and analysts in their digests.",
                        Notice(0, STEP_WARNING_JOB, r.id, now, people,
                               "Procurement stage over its bound", bound, step=step.id),
                    ),
                    _Raise(
                        f"{base}/em",
                        f":warning: *Procurement stage still over its bound* — {head}: "
                        f"{bound}, {STEP_ESCALATION_HOURS} working hours after the warning; "
                        "raised to the em in their digest.",
                        Notice(0, STEP_WARNING_JOB, r.id, now, ems,
                               "Procurement stage still over its bound",
                               f"{bound}, {STEP_ESCALATION_HOURS} working hours after the "
                               "warning", step=step.id),
                    ),
                )  # fmt: skip
        spell = quiet.get(r.id)
        if spell is not None and spell[0] not in done:  # once per quiet spell
            period, last = spell
            idle = f"no update, quote, stage change or claim for {plural(QUIET_DAYS, 'day')}"
            raised += _raise_once(
                context, QUIET_JOB, period, r,
                f":zzz: *Stalled* — {head} has had {idle}; flagged to the analysts in their "
                "digest.",
                Notice(0, QUIET_JOB, r.id, now, team, "Stalled", idle, quiet=last),
            )  # fmt: skip
    return raised


def _recorded_any(
    context: JobContext, jobs: list[str], periods: list[str]
) -> dict[tuple[str, str], datetime]:
    if not periods:
        return {}
    with context.runtime.db.reading() as session:
        rows = session.execute(
            select(JobRun.job, JobRun.period, JobRun.finished_at).where(
                JobRun.job.in_(jobs),
                JobRun.scope == context.pod.key,
                JobRun.period.in_(periods),
                JobRun.status == RunStatus.DONE.value,
            )
        ).all()
    return {(job, period): at for job, period, at in rows if at is not None}
