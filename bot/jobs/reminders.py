"""`reminders`: hourly on working days, the reminder, warning and digest DMs and the em's
approval queue (SPEC §5).

Digests: each person gets at most one DM per kind per working day, inside the POD's office
hours, listing every item of that kind still open — (a) a buyer's negotiating requests without
an update for 24 working hours, (b) a member's mentions unanswered for 24, (c) an analyst's open
breaches, (d) an em's savings claims pending for 24 (with the thread's Approve / Reject
buttons), (e) a buyer's and the analysts' negotiations whose TAT is due in 3 days (each request
once), (f) an em's escalations: the POD's mentions unanswered for 48, not the em's own nor
(unless `[reminders] escalate_outsider_mentions`) those written by someone in no POD. Items
never listed before are marked 🆕. A `digest` reminder row per (person, kind, POD, local day)
is written in the run's transaction, so two schedulers or a rerun never send twice; a snooze
re-arms that day's digest once, at the snooze's time.

Besides: past 48 working hours a pending claim is raised in its request's thread (one ledger
run per claim); the analysts get one DM listing won requests whose new term is unrecorded 24
working hours after the close (once). Those one-off DMs (and the pre-approval reminder) are
queued in the POD's hours and held in the outbox until their reader's own (`reader_hours`).
Item rows (kind, subject, user, window — the due instant) record what was listed. What it sends
lives in `bot/digests.py`, shared with `member-digests` (a job imports no other job).
"""

from __future__ import annotations

from collections import defaultdict

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import select

from bot.blocks import reminders as dm_blocks
from bot.blocks.reminders import DigestLine
from bot.blocks.text import plural
from bot.db.absences import away_in
from bot.db.models import PodRow
from bot.digests import (
    Due,
    _escalate_claims,
    _key,
    _remember,
    _send_preapproval_reminders,
    _still_to_send,
    _term_reminders,
    digest_items,
    own_hours,
    reader_hours,
    routed,
    routed_dues,
    send_digests,
    send_lever_reminders,
)
from bot.domain.lifecycle import TERM_RECORD_HOURS
from bot.domain.reminders import in_office_hours
from bot.jobs import register
from bot.jobs.runner import JobContext, JobSpec, working_hour

NAME = "reminders"


def _body(context: JobContext) -> str:
    team_url = None if context.dry_run else context.runtime.slack.team_url()
    pod = context.pod
    escalated = _escalate_claims(context)  # thread posts, not DMs: any working hour
    if not in_office_hours(pod.calendar, context.runtime.config.schedule.office_hours, context.now):
        return f"0 reminder DMs (outside office hours), {plural(escalated, 'claim escalation')}"
    with context.runtime.db.reading() as session:
        pod_id = session.scalars(select(PodRow.id).where(PodRow.key == pod.key)).one()
    with context.runtime.db.reading() as session:
        away = away_in(session, pod, context.now)
    # Members with hours of their own get their digests from `member-digests` (issue 30):
    # routed first, so that what goes to the POD-hours cover of one of them away comes here.
    own = own_hours(context)
    items = [i for i in routed(digest_items(context, team_url), away) if i.user not in own]
    sent = send_digests(context, pod_id, items)
    slot = reader_hours(context, own)
    # One DM per analyst listing the won requests whose new term is still unrecorded.
    by_analyst: dict[str, list[Due]] = defaultdict(list)
    for due in _still_to_send(context, routed_dues(_term_reminders(context, team_url), away)):
        by_analyst[due.user].append(due)
    for analyst, dues in by_analyst.items():
        lines = [DigestLine(d.kind.value, d.subject, d.line) for d in dues]
        text, blocks = dm_blocks.term_digest(lines, TERM_RECORD_HOURS)
        # A one-off DM: held in the outbox until the analyst's own office hours.
        context.dm(
            analyst, text, blocks, reminders=[_key(d) for d in dues], not_before=slot(analyst)
        )
        _remember(context, dues)
        sent += 1
    # The customer silent after a pre-approval: one DM to the analyst, ever.
    sent += _send_preapproval_reminders(context, team_url, slot)
    # A won request's levers unnamed a working day after the close: its buyer, once.
    sent += send_lever_reminders(context, team_url, slot)
    extra = f", {plural(escalated, 'claim escalation')}" if escalated else ""
    return f"{plural(sent, 'reminder DM')}{extra}"


SPEC = register(
    JobSpec(
        name=NAME,
        summary="digest DMs in office hours (updates, mentions, breaches, approvals, TAT warnings)",
        trigger=lambda config, pod: CronTrigger(
            day_of_week=",".join(pod.workdays), minute=0, timezone=pod.zone
        ),
        describe=lambda config, pod: f"hourly on working days ({pod.timezone})",
        period=working_hour,
        body=_body,
        overdue=lambda config, pod, now: True,
    )
)
