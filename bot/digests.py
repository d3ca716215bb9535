"""The digest DMs and reminders the `reminders` job sends (SPEC §5), shared with
`member-digests` (issue 30: each person's digests inside their own office hours): a job
imports no other job, so what both send lives here. The jobs themselves are
`bot/jobs/reminders.py` and `bot/jobs/member_digests.py`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import Block
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks import reminders as dm_blocks
from bot.blocks.claims import claim_noun, headline
from bot.blocks.people_matrix import repeat_dq_line
from bot.blocks.playbooks import levers_reminder
from bot.blocks.reminders import DigestLine, QueuedClaim
from bot.blocks.text import escape_mrkdwn, plural, slack_date
from bot.db.absences import away_in
from bot.db.approvals import Step, claim_progress
from bot.db.content import claim_view
from bot.db.holds import not_held
from bot.db.models import (
    PendingResponse,
    PodRow,
    PreapprovalAsk,
    Reminder,
    ReminderKind,
    RepeatDisqualificationFlag,
    Request,
    ResponseState,
    SavingsClaim,
    Vendor,
    VendorDocument,
)
from bot.db.open_items import breach_key, breached_requests, late_terms, pending_claims
from bot.db.people import zones_of
from bot.db.people_matrix import openers_of
from bot.db.playbooks import unanswered_wins
from bot.db.requests import record_event
from bot.db.stalls import NOTICE_DAYS, notices
from bot.domain.absences import Absence, route
from bot.domain.compliance import DOCUMENT_KINDS, EXPIRY_WARNING_DAYS, vendor_expiry_window
from bot.domain.dates import add_days
from bot.domain.hours import PersonHours, person_hours
from bot.domain.procurement import preapproval_wait_due
from bot.domain.reminders import (
    APPROVAL_HOURS,
    TAT_WARNING_DAYS,
    Digest,
    DigestKind,
    Item,
    approval_escalation_due,
    digests,
    local_day,
    office_slot,
    tat_warning_at,
)
from bot.domain.vocabulary import OPEN_STAGES, EventKind, Role, Stage
from bot.domain.working_time import add_working_hours
from bot.jobs.runner import JobContext
from bot.slack.outbox import mentions
from bot.slack.web_api import SlackApi

APPROVAL_ESCALATION_JOB = "approval-escalation"


@dataclass(frozen=True)
class Due:
    """One reminder that is due now: what about, to whom, and the window it belongs to."""

    kind: ReminderKind
    subject: int
    user: str
    window: datetime
    line: str


def _window(instant: datetime) -> str:
    return instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _still_to_send(context: JobContext, candidates: list[Due]) -> list[Due]:
    """Drop reminders already sent for their window, unless a snooze has run out."""
    if not candidates:
        return []
    with context.runtime.db.transaction() as session:
        rows = session.scalars(
            select(Reminder).where(
                Reminder.kind.in_({d.kind.value for d in candidates}),
                Reminder.subject.in_({d.subject for d in candidates}),
            )
        ).all()
    sent = {(r.kind, r.subject, r.user_id, r.window): r for r in rows}
    keep = []
    for due in candidates:
        row = sent.get((due.kind.value, due.subject, due.user, _window(due.window)))
        if row is None or (row.snoozed_until is not None and row.snoozed_until <= context.now):
            keep.append(due)
    return keep


def _key(due: Due) -> list[Any]:
    """The reminder's unique key, as its DM's outbox row carries it."""
    return [due.kind.value, due.subject, due.user, _window(due.window)]


def _upsert(
    session: Session, now: datetime, kind: str, subject: int, user: str, window: str
) -> None:
    row = session.scalars(
        select(Reminder).where(
            Reminder.kind == kind,
            Reminder.subject == subject,
            Reminder.user_id == user,
            Reminder.window == window,
        )
    ).one_or_none()
    if row is None:
        row = Reminder(kind=kind, subject=subject, user_id=user, window=window, sent_at=now)
        session.add(row)
    row.sent_at, row.snoozed_until = now, None


def _remember(context: JobContext, dues: list[Due]) -> None:
    """Record the reminders as sent (or re-sent after a snooze), in the run's transaction; the
    DM that carries them records where it landed when the worker sends it."""

    def write(session: Session) -> None:
        for due in dues:
            _upsert(
                session, context.now, due.kind.value, due.subject, due.user, _window(due.window)
            )
        session.flush()

    context.write(write)


def _card_link(team_url: str | None, request: Request) -> str:
    link = (
        SlackApi.archive_link(team_url, request.card_channel, request.card_ts)
        if request.card_channel and request.card_ts
        else None
    )
    return f"<{link}|{request.key}>" if link else request.key


def _names(request: Request) -> str:
    return f"{escape_mrkdwn(request.customer)} · {escape_mrkdwn(request.tool)}"


# -- the open items of each digest kind -----------------------------------------------------


def _update_items(context: JobContext, team_url: str | None) -> list[Item[str]]:
    when = _when(context)
    pod = context.pod
    hours = context.runtime.config.clocks.update_hours
    with context.runtime.db.transaction() as session:
        requests = session.scalars(
            select(Request)
            .join(PodRow, PodRow.id == Request.pod_id)
            .where(PodRow.key == pod.key, Request.stage == Stage.NEGOTIATING)
            .order_by(Request.id)
        ).all()
    items = []
    for request in requests:
        if request.last_update_at is None or request.buyer_id is None:
            continue
        due = add_working_hours(pod.calendar, request.last_update_at, hours)
        line = (
            f"• {_card_link(team_url, request)} {_names(request)} — "
            f"last update {when(request.last_update_at)}, due {when(due)}"
        )
        items.append(Item(DigestKind.UPDATE, request.id, request.buyer_id, due, line))
    return items


def _open_mentions(context: JobContext) -> list[PendingResponse]:
    with context.runtime.db.transaction() as session:
        return list(
            session.scalars(
                select(PendingResponse)
                .join(PodRow, PodRow.id == PendingResponse.pod_id)
                .where(
                    PodRow.key == context.pod.key,
                    PendingResponse.state == ResponseState.OPEN.value,
                )
                .order_by(PendingResponse.id)
            )
        )


def _mention_place(team_url: str | None, p: PendingResponse) -> str:
    link = SlackApi.archive_link(team_url, p.channel, p.message_ts)
    if link and p.thread_ts != p.message_ts:
        link += f"?thread_ts={p.thread_ts}&cid={p.channel}"
    return f"<{link}|this message>" if link else "a message"


def _when(context: JobContext) -> Callable[[datetime], str]:
    """A date and time as a Slack date token, the POD's as fallback."""
    timezone = context.pod.timezone
    return lambda instant: slack_date(instant, timezone, with_time=True)


def _mention_items(
    pending: list[PendingResponse], team_url: str | None, timezone: str
) -> list[Item[str]]:
    def when(instant: datetime) -> str:
        return slack_date(instant, timezone, with_time=True)

    return [
        Item(
            DigestKind.MENTION,
            p.id,
            p.member,
            p.due_at,
            f":speech_balloon: <@{p.author}> mentioned you in <#{p.channel}> "
            f"({_mention_place(team_url, p)}) {when(p.mentioned_at)} and is waiting for your "
            f"reply (due {when(p.due_at)}).",
        )
        for p in pending
    ]


def _escalation_items(
    context: JobContext, pending: list[PendingResponse], team_url: str | None
) -> list[Item[str]]:
    """Each em's items of the escalation digest: the POD's mentions unanswered at their
    escalation instant (48 working hours) — not the em's own mentions (of them or written by
    them), nor, unless configured, those written by someone in no POD."""
    config = context.runtime.config
    outsiders = config.reminders.escalate_outsider_mentions
    items = []
    for p in pending:
        if not outsiders and not config.in_a_pod(p.author):
            continue
        line = (
            f":rotating_light: <@{p.member}> has not answered <@{p.author}>'s mention in "
            f"<#{p.channel}> ({_mention_place(team_url, p)}) for 48 working hours."
        )
        for em in context.pod.members_with(Role.EM):
            if em not in (p.member, p.author):
                items.append(Item(DigestKind.ESCALATION, p.id, em, p.escalate_at, line))
    return items


def _breach_items(context: JobContext, team_url: str | None) -> list[Item[str]]:
    when = _when(context)
    items = []
    with context.runtime.db.transaction() as session:
        late = breached_requests(session, context.pod.key, context.now)
    for request in late:
        _period, what, due = breach_key(request)
        line = (
            f"• {_card_link(team_url, request)} {_names(request)} — the {what} was due {when(due)}"
        )
        for analyst in context.pod.members_with(Role.ANALYST):
            items.append(Item(DigestKind.BREACH, request.id, analyst, due, line))
    return items


def _preapproval_answer_items(context: JobContext, team_url: str | None) -> list[Item[str]]:
    """Pre-approvals the customer answered in their channel (issue 32) on requests still in
    intake: to the request's analyst (else the POD's), listed once."""
    when = _when(context)
    items = []
    with context.runtime.db.transaction() as session:
        rows = session.execute(
            select(PreapprovalAsk, Request)
            .join(Request, Request.id == PreapprovalAsk.request_id)
            .join(PodRow, PodRow.id == Request.pod_id)
            .where(
                PodRow.key == context.pod.key,
                PreapprovalAsk.answered_at.is_not(None),
                Request.stage == Stage.INTAKE.value,
            )
            .order_by(PreapprovalAsk.answered_at, PreapprovalAsk.id)
        ).all()
        for ask, request in rows:
            assert ask.answered_at is not None
            verdict = "approved" if ask.answer == "approved" else "asked for changes to"
            why = f": {ask.reason}" if ask.reason else ""
            line = (
                f"• {_card_link(team_url, request)} {_names(request)} — the customer "
                f"(<@{ask.answered_by}>) {verdict} the pre-approval {when(ask.answered_at)}{why}"
            )
            analysts = [request.analyst_id] if request.analyst_id else []
            for analyst in analysts or context.pod.members_with(Role.ANALYST):
                items.append(
                    Item(DigestKind.PREAPPROVAL_ANSWER, request.id, analyst, ask.answered_at, line)
                )
    return items


def _tat_warning_items(context: JobContext, team_url: str | None) -> list[Item[str]]:
    when = _when(context)
    pod, now = context.pod, context.now
    with context.runtime.db.transaction() as session:
        requests = session.scalars(
            select(Request)
            .join(PodRow, PodRow.id == Request.pod_id)
            .where(
                PodRow.key == pod.key,
                Request.stage == Stage.NEGOTIATING,
                Request.tat_due_at > now,
                not_held(),  # a held TAT is stopped: no warning while it is
            )
            .order_by(Request.id)
        ).all()
    items = []
    for request in requests:
        assert request.tat_due_at is not None
        warn_at = tat_warning_at(request.tat_due_at)
        if warn_at > now:
            continue
        line = (
            f"• {_card_link(team_url, request)} {_names(request)} — the negotiation TAT is due "
            f"{when(request.tat_due_at)}"
        )
        people = [*filter(None, [request.buyer_id]), *pod.members_with(Role.ANALYST)]
        for person in dict.fromkeys(people):
            items.append(Item(DigestKind.TAT_WARNING, request.id, person, warn_at, line))
    return items


def _stall_items(context: JobContext, team_url: str | None) -> list[Item[str]]:
    """The stall and long-hold notices `tat-alerts` raised (the ledger's runs), one item per
    person each is for, while what it is about still holds; a kind listed once (each run's
    id its subject, when it was raised its window)."""
    with context.runtime.db.reading() as session:
        raised = notices(session, context.pod.key, context.now)
        if not raised:
            return []
        requests = {
            r.id: r
            for r in session.scalars(
                select(Request).where(Request.id.in_({n.request_id for n in raised}))
            )
        }
    items = []
    for notice in raised:
        request = requests[notice.request_id]
        line = (
            f"• {_card_link(team_url, request)} {_names(request)} — *{notice.title}*: "
            f"{notice.words}"
        )
        for user in notice.to:
            items.append(Item(DigestKind.STALL, notice.run, user, notice.raised_at, line))
    return items


def _repeat_dq_items(context: JobContext) -> list[Item[str]]:
    """The customers flagged for repeat incorrect requests (issue 35) in the last
    `NOTICE_DAYS`, one item per csm who opened requests for the customer and per em of the
    POD, told once (each flag's row its subject, when it was flagged its window)."""
    pod = context.pod
    since = context.now - timedelta(days=NOTICE_DAYS)
    with context.runtime.db.reading() as session:
        flags = session.scalars(
            select(RepeatDisqualificationFlag)
            .join(PodRow, PodRow.id == RepeatDisqualificationFlag.pod_id)
            .where(
                PodRow.key == pod.key,
                RepeatDisqualificationFlag.flagged_at >= since,
                RepeatDisqualificationFlag.flagged_at <= context.now,
            )
            .order_by(RepeatDisqualificationFlag.id)
        ).all()
        openers = {f.id: openers_of(session, f.pod_id, f.customer_key) for f in flags}
    items = []
    for flag in flags:
        reasons = [tuple(line.split(": ", 1)) for line in flag.reasons.splitlines()]
        line = repeat_dq_line(
            flag.customer, pod.name, [(r[0], r[1] if len(r) > 1 else "") for r in reasons]
        )
        csms = sorted(u for u in openers[flag.id] if pod.role_of(u) == Role.CSM)
        ems = [u for u in pod.members_with(Role.EM) if u not in csms]
        for user in [*csms, *ems]:
            items.append(Item(DigestKind.REPEAT_DQ, flag.id, user, flag.flagged_at, line))
    return items


def _vendor_expiry_items(context: JobContext, team_url: str | None) -> list[Item[str]]:
    """The vendor documents of the POD's open requests' vendors expiring within
    `EXPIRY_WARNING_DAYS` days and not yet expired (issue 33), one item per analyst, told once
    per document and expiry."""
    pod = context.pod
    today = context.now.astimezone(pod.zone).date()
    horizon = add_days(today, EXPIRY_WARNING_DAYS)
    with context.runtime.db.reading() as session:
        rows = session.execute(
            select(VendorDocument, Vendor.name, Request)
            .join(Vendor, Vendor.id == VendorDocument.vendor_id)
            .join(Request, Request.tool_key == Vendor.key)
            .join(PodRow, PodRow.id == Request.pod_id)
            .where(
                PodRow.key == pod.key,
                Request.stage.in_([s.value for s in OPEN_STAGES]),
                VendorDocument.expires_on.is_not(None),
                VendorDocument.expires_on >= today,
                VendorDocument.expires_on <= horizon,
            )
            .order_by(VendorDocument.expires_on, VendorDocument.id, Request.id)
        ).all()
    found: dict[int, tuple[VendorDocument, str, list[str]]] = {}
    for doc, vendor, request in rows:
        found.setdefault(doc.id, (doc, vendor, []))[2].append(_card_link(team_url, request))
    items = []
    for doc, vendor, requests in found.values():
        assert doc.expires_on is not None
        left = (doc.expires_on - today).days
        line = (
            f"• *{escape_mrkdwn(vendor)}*: {DOCUMENT_KINDS[doc.kind]} expires "
            f"{slack_date(doc.expires_on, pod.timezone)} ({plural(left, 'day')}) — "
            + ", ".join(requests)
        )
        due = vendor_expiry_window(doc.expires_on)
        for analyst in pod.members_with(Role.ANALYST):
            items.append(Item(DigestKind.VENDOR_EXPIRY, doc.id, analyst, due, line))
    return items


@dataclass(frozen=True)
class _Queued:
    claim: Any  # ClaimView
    request_id: int
    buyer: str | None
    link: str | None
    created_at: datetime


def _approval_items(context: JobContext, team_url: str | None) -> list[Item[_Queued]]:
    pod, config = context.pod, context.runtime.config
    items = []
    with context.runtime.db.reading() as session:
        for waiting in pending_claims(session, config, pod):
            claim = session.get(SavingsClaim, waiting.claim_id)
            request = session.get(Request, waiting.number)
            assert claim is not None and request is not None
            step = claim_progress(session, pod, claim, context.now)
            # Each step waits from its start: the claim's creation, else the previous approval.
            due = add_working_hours(pod.calendar, step.since, APPROVAL_HOURS)
            link = (
                SlackApi.archive_link(team_url, request.card_channel, request.card_ts)
                if request.card_channel and request.card_ts
                else None
            )
            queued = _Queued(
                claim_view(session, config, claim, context.now), request.id, waiting.buyer, link,
                claim.created_at,
            )  # fmt: skip
            # Whoever decides its current step: the other ems, else the POD's fallback
            # approvers; at a later step its named approver (`approval_rules`).
            for approver in step.progress.waiting:
                items.append(Item(DigestKind.APPROVAL, claim.id, approver, due, queued))
    return items


def _waiting_for(step: Step) -> str:
    """What a claim waits for: an em, or (a later step of `approval_rules`) an approval."""
    n, total = step.progress.step, step.progress.total
    return "Waiting for an em" if n == 0 else f"Waiting for approval {n + 1} of {total}"


def _escalate_claims(context: JobContext) -> int:
    """A claim pending for 48 working hours is raised in its request's thread, mentioning who
    decides it (the other ems, else the fallback approvers): one ledger run per claim, so once
    ever."""
    pod, now, config = context.pod, context.now, context.runtime.config
    with context.runtime.db.reading() as session:
        due = []
        for w in pending_claims(session, config, pod):
            claim = session.get(SavingsClaim, w.claim_id)
            assert claim is not None
            step = claim_progress(session, pod, claim, now)
            if approval_escalation_due(pod.calendar, step.since) <= now:
                due.append((w, session.get(Request, w.number), step))
    raised = 0
    for waiting, request, step in due:
        approvers = step.progress.waiting
        assert request is not None
        text = (
            f":rotating_light: *{_waiting_for(step)}* — the {claim_noun(waiting.kind)} of "
            f"{waiting.saved} on "
            f"{request.key} ({_names(request)}) has been pending for 48 working hours. "
            f"{mentions(list(approvers)) or 'Nobody in the POD can decide it.'}"
        )
        context.reply(request, text)

        def on_the_timeline(
            session: Session,
            request_id: int = request.id,
            claim: int = waiting.claim_id,
            kind: str = waiting.kind,
            saved: str = waiting.saved,
        ) -> None:
            row = session.get(Request, request_id)
            assert row is not None
            record_event(
                session, row, at=now, actor="podbot", kind=EventKind.APPROVAL_ESCALATED,
                text=f"{claim_noun(kind)} of {saved} pending 48 working hours",
                data={"claim": claim},
            )  # fmt: skip

        context.write(on_the_timeline)
        # One run per claim and step: a later step (`approval_rules`) is raised once too.
        n = step.progress.step
        period = f"claim/{waiting.claim_id}" + (f"/step/{n}" if n else "")
        raised += context.queue(APPROVAL_ESCALATION_JOB, period)
    return raised


# -- digests --------------------------------------------------------------------------------

_REMINDER_KIND = {
    DigestKind.UPDATE: ReminderKind.UPDATE,
    DigestKind.MENTION: ReminderKind.MENTION,
    DigestKind.BREACH: ReminderKind.BREACH,
    DigestKind.APPROVAL: ReminderKind.APPROVAL,
    DigestKind.TAT_WARNING: ReminderKind.TAT_WARNING,
    DigestKind.ESCALATION: ReminderKind.ESCALATION,
    DigestKind.STALL: ReminderKind.STALL,
    DigestKind.PREAPPROVAL_ANSWER: ReminderKind.PREAPPROVAL_ANSWER,
    DigestKind.REPEAT_DQ: ReminderKind.REPEAT_DQ,
    DigestKind.VENDOR_EXPIRY: ReminderKind.VENDOR_EXPIRY,
}
# The timeline event recorded when an item is first listed, by kind.
_FIRST_LISTED = {
    DigestKind.APPROVAL: (EventKind.APPROVAL_REMINDED, "on the em's approval queue"),
    DigestKind.TAT_WARNING: (EventKind.TAT_WARNED, f"TAT due in {TAT_WARNING_DAYS} days"),
}


def _digest_window(kind: str, day: Any) -> str:
    return f"{kind}:{day.isoformat()}"


def _history(
    context: JobContext,
    pod_id: int,
    items: list[Item[Any]],
    hours_of: Mapping[str, PersonHours] | None = None,
) -> tuple[set[tuple[str, int, str, datetime]], dict[tuple[str, str], bool]]:
    """Which items were listed before, and whose digests were sent today — each person's own
    local day (not snoozed out)."""
    now, pod_day = context.now, local_day(context.pod.calendar, context.now)
    own = hours_of or {}

    def day_of(user: str) -> Any:
        found = own.get(user)
        return local_day(found.calendar, now) if found is not None else pod_day

    users = {i.user for i in items}
    with context.runtime.db.reading() as session:
        rows = session.scalars(
            select(Reminder).where(
                Reminder.kind.in_([*(k.value for k in _REMINDER_KIND.values()), "digest"]),
                Reminder.user_id.in_(users),
            )
        ).all()
    by_key = {(r.kind, r.subject, r.user_id, r.window) for r in rows if r.kind != "digest"}
    listed = {
        i.key
        for i in items
        if (_REMINDER_KIND[i.kind].value, i.subject, i.user, _window(i.due)) in by_key
    }
    sent_today: dict[tuple[str, str], bool] = {}
    for r in rows:
        if r.kind == "digest" and r.subject == pod_id:
            kind, _, on = r.window.partition(":")
            if on == day_of(r.user_id).isoformat():
                snoozed_out = r.snoozed_until is not None and r.snoozed_until <= now
                sent_today[(r.user_id, kind)] = not snoozed_out
    return listed, sent_today


def _render(context: JobContext, digest: Digest[Any]) -> tuple[str, list[Block]]:
    config = context.runtime.config
    if digest.kind == DigestKind.APPROVAL:
        queued = [
            QueuedClaim(i.payload.claim, i.payload.buyer, i.payload.link, i.payload.created_at,
                        digest.is_new(i))
            for i in digest.items
        ]  # fmt: skip
        return dm_blocks.approval_queue(queued, APPROVAL_HOURS)
    # Each item's block is named after its reminder (kind and subject), for its own settling.
    lines = [
        DigestLine(_REMINDER_KIND[i.kind].value, i.subject, i.payload, digest.is_new(i))
        for i in digest.items
    ]
    if digest.kind == DigestKind.UPDATE:
        return dm_blocks.update_digest(lines, config.clocks.update_hours)
    if digest.kind == DigestKind.MENTION:
        return dm_blocks.mention_digest(lines)
    if digest.kind == DigestKind.ESCALATION:
        return dm_blocks.escalation_digest(lines)
    if digest.kind == DigestKind.BREACH:
        return dm_blocks.breach_digest(lines, context.pod.name)
    if digest.kind == DigestKind.STALL:
        return dm_blocks.stall_digest(lines)
    if digest.kind == DigestKind.PREAPPROVAL_ANSWER:
        return dm_blocks.preapproval_answer_digest(lines)
    if digest.kind == DigestKind.REPEAT_DQ:
        return dm_blocks.repeat_dq_digest(lines)
    if digest.kind == DigestKind.VENDOR_EXPIRY:
        return dm_blocks.vendor_expiry_digest(lines, EXPIRY_WARNING_DAYS)
    assert digest.kind == DigestKind.TAT_WARNING, digest.kind
    return dm_blocks.tat_warning_digest(lines, TAT_WARNING_DAYS)


def _recording(keys: list[list[Any]], now: datetime) -> Any:
    """A run's write recording a digest and its items as sent."""

    def write(session: Session) -> None:
        for kind, subject, user, window in keys:
            _upsert(session, now, kind, subject, user, window)
        session.flush()

    return write


def send_digests(
    context: JobContext,
    pod_id: int,
    items: list[Item[Any]],
    hours_of: Mapping[str, PersonHours] | None = None,
) -> int:
    pod, now = context.pod, context.now
    own = hours_of or {}
    listed, sent_today = _history(context, pod_id, items, own)
    office = context.runtime.config.schedule.office_hours
    # Each person's digests inside their own office hours, on their own working days (issue
    # 30): the people with hours of their own one by one, everyone else on the POD's.
    theirs = [i for i in items if i.user not in own]
    out = digests(
        theirs, calendar=pod.calendar, hours=office, now=now, listed=listed,
        sent_today=sent_today,
    )  # fmt: skip
    for user, person in own.items():
        mine = [i for i in items if i.user == user]
        if mine:
            out += digests(
                mine, calendar=person.calendar, hours=person.hours, now=now, listed=listed,
                sent_today=sent_today,
            )  # fmt: skip
    out.sort(key=lambda d: (DigestKind.ALL.index(d.kind), d.user))
    # request → (digest kind, claim id, the claim as people read it: kind and amount)
    first_listed: dict[int, tuple[str, int | None, str | None]] = {}
    for digest in out:
        text, blocks = _render(context, digest)
        item_keys = [
            [_REMINDER_KIND[i.kind].value, i.subject, i.user, _window(i.due)] for i in digest.items
        ]
        digest_key = ["digest", pod_id, digest.user, _digest_window(digest.kind, digest.day)]
        # One digest of a kind per person when a queue drains: a newer day's replaces it —
        # but not stall notices, each told once: a newer one lists only the newer notices.
        snapshot = None if digest.kind in _TOLD_ONCE else f"digest:{pod_id}:{digest.kind}"
        context.dm(digest.user, text, blocks, reminders=[*item_keys, digest_key], snapshot=snapshot)
        for i in digest.items:
            if digest.is_new(i) and i.kind in _FIRST_LISTED:
                request_id = i.payload.request_id if i.kind == DigestKind.APPROVAL else i.subject
                claim, about = None, None
                if i.kind == DigestKind.APPROVAL:
                    view = i.payload.claim
                    claim, about = i.subject, f"{claim_noun(view.kind)} of {headline(view)}"
                first_listed.setdefault(request_id, (i.kind, claim, about))

        context.write(_recording([*item_keys, digest_key], now))

    def on_the_timeline(session: Session) -> None:
        for request_id, (kind, claim, about) in first_listed.items():
            row = session.get(Request, request_id)
            assert row is not None
            event, words = _FIRST_LISTED[kind]
            record_event(
                session, row, at=now, actor="podbot", kind=event,
                text=f"{about} {words}" if about else words,
                data={"claim": claim} if claim else None,
            )  # fmt: skip

    if first_listed:
        context.write(on_the_timeline)
    return len(out)


def _term_reminders(context: JobContext, team_url: str | None) -> list[Due]:
    """Won requests whose new term is unrecorded 24 working hours after the close: one
    reminder per analyst of the POD, its window the due instant (so it is sent once, ever)."""
    when = _when(context)
    pod, now = context.pod, context.now
    with context.runtime.db.reading() as session:
        late = late_terms(session, pod, now)
        places = {
            number: (channel, ts)
            for number, channel, ts in session.execute(
                select(Request.id, Request.card_channel, Request.card_ts).where(
                    Request.id.in_([item.number for item in late])
                )
            )
        }
    dues = []
    for item in late:
        assert item.due_at is not None
        channel, ts = places.get(item.number, (None, None))
        link = SlackApi.archive_link(team_url, channel, ts) if channel and ts else None
        key = f"<{link}|{item.key}>" if link else item.key
        line = (
            f"• {key} {escape_mrkdwn(item.customer)} · {escape_mrkdwn(item.tool)} — "
            f"won {when(item.closed_at)}"
        )
        for analyst in pod.members_with(Role.ANALYST):
            dues.append(Due(ReminderKind.TERM, item.number, analyst, item.due_at, line))
    return dues


# What goes to the cover of someone away (`/proc away`): the items about their requests (a
# stall notice raised to an em away goes to their cover too).
# Their mentions wait for them; escalations skip them; approvals are routed by who decides
# (`claim_progress`), so an approval item is already addressed to who stands in.
_TO_THE_COVER = frozenset(
    {
        DigestKind.UPDATE, DigestKind.BREACH, DigestKind.TAT_WARNING, DigestKind.STALL,
        DigestKind.REPEAT_DQ, DigestKind.VENDOR_EXPIRY,
    }
)  # fmt: skip
# Notices each told once: a newer digest of the kind lists only the newer ones, and does not
# replace an older one still queued (no snapshot).
_TOLD_ONCE = frozenset({DigestKind.STALL, DigestKind.REPEAT_DQ, DigestKind.VENDOR_EXPIRY})


def routed(items: list[Item[Any]], away: Mapping[str, Absence]) -> list[Item[Any]]:
    """The items with nothing for anyone away: theirs about their requests go to their cover
    (once, if the cover has it already), the rest wait until they are back."""
    if not away:
        return items
    out: list[Item[Any]] = []
    seen = {(i.kind, i.subject, i.user) for i in items if i.user not in away}
    for item in items:
        if item.user not in away:
            out.append(item)
            continue
        cover = route(item.user, away) if item.kind in _TO_THE_COVER else None
        if cover is not None and (item.kind, item.subject, cover) not in seen:
            seen.add((item.kind, item.subject, cover))
            out.append(replace(item, user=cover))
    return out


def routed_dues(dues: list[Due], away: Mapping[str, Absence]) -> list[Due]:
    """A reminder for someone away goes to their cover (once), or waits until they are back."""
    out = [d for d in dues if d.user not in away]
    seen = {(d.kind, d.subject, d.user) for d in out}
    for due in dues:
        cover = route(due.user, away) if due.user in away else None
        if cover is not None and (due.kind, due.subject, cover) not in seen:
            seen.add((due.kind, due.subject, cover))
            out.append(replace(due, user=cover))
    return out


def _preapproval_reminders(context: JobContext, team_url: str | None) -> list[Due]:
    """Intake requests pre-approved `preapproval_hours` working hours ago with no qualify or
    disqualify since: one reminder to the analyst (the request's, else who pre-approved it),
    its window the due instant, so it is sent once, ever."""
    when = _when(context)
    pod, now = context.pod, context.now
    hours = context.runtime.config.clocks.preapproval_hours
    with context.runtime.db.reading() as session:
        requests = session.scalars(
            select(Request)
            .join(PodRow, PodRow.id == Request.pod_id)
            .where(
                PodRow.key == pod.key,
                Request.stage == Stage.INTAKE,
                Request.preapproved_at.is_not(None),
            )
            .order_by(Request.id)
        ).all()
    dues = []
    for request in requests:
        assert request.preapproved_at is not None
        due = preapproval_wait_due(pod.calendar, request.preapproved_at, hours)
        if due > now:
            continue
        analyst = request.analyst_id or request.preapproved_by
        if analyst is None:
            continue
        line = (
            f":envelope_with_arrow: *Waiting on the customer* — {_card_link(team_url, request)} "
            f"{_names(request)}: the pre-approval went out {when(request.preapproved_at)} and "
            f"there has been no qualify or disqualify for {hours} working hours."
        )
        dues.append(Due(ReminderKind.PREAPPROVAL, request.id, analyst, due, line))
    return dues


def _send_preapproval_reminders(
    context: JobContext, team_url: str | None, slot: Callable[[str], datetime | None]
) -> int:
    now = context.now
    with context.runtime.db.reading() as session:
        away = away_in(session, context.pod, context.now)
    dues = _still_to_send(context, routed_dues(_preapproval_reminders(context, team_url), away))
    for due in dues:
        text, blocks = dm_blocks.preapproval_dm(due.line, due.subject)
        # Held in the outbox until the analyst's own office hours (`reader_hours`).
        context.dm(due.user, text, blocks, reminders=[_key(due)], not_before=slot(due.user))
    if not dues:
        return 0
    _remember(context, dues)

    def on_the_timeline(session: Session) -> None:
        for due in dues:
            row = session.get(Request, due.subject)
            assert row is not None
            record_event(
                session, row, at=now, actor="podbot", kind=EventKind.PREAPPROVAL_REMINDED,
                text=f"<@{due.user}> reminded: no response to the pre-approval",
            )  # fmt: skip

    context.write(on_the_timeline)
    return len(dues)


LEVERS_REMIND_HOURS = 24  # a won request's levers unanswered this long: the buyer reminded
LEVERS_REMIND_DAYS = 14  # …if won within this many days (older wins are not asked about)


def _lever_reminders(context: JobContext, team_url: str | None) -> list[Due]:
    """Won requests whose buyer has not said which levers worked 24 working hours after the
    close (issue 34): one reminder to the buyer, its window the due instant, so sent once,
    ever — whether the ask was skipped or left alone."""
    when = _when(context)
    pod, now = context.pod, context.now
    with context.runtime.db.reading() as session:
        won = unanswered_wins(session, pod.key, now - timedelta(days=LEVERS_REMIND_DAYS))
    dues = []
    for request in won:
        assert request.closed_at is not None and request.buyer_id is not None
        due = add_working_hours(pod.calendar, request.closed_at, LEVERS_REMIND_HOURS)
        if due > now:
            continue
        line = (
            f"• {_card_link(team_url, request)} {_names(request)} — won {when(request.closed_at)}"
        )
        dues.append(Due(ReminderKind.LEVERS, request.id, request.buyer_id, due, line))
    return dues


def send_lever_reminders(
    context: JobContext, team_url: str | None, slot: Callable[[str], datetime | None]
) -> int:
    """One DM per buyer listing their won requests whose levers are unnamed, each with its What
    worked… button; each request reminded once. How many DMs."""
    with context.runtime.db.reading() as session:
        away = away_in(session, context.pod, context.now)
    dues = _still_to_send(
        context, [d for d in _lever_reminders(context, team_url) if d.user not in away]
    )
    by_buyer: dict[str, list[Due]] = {}
    for due in dues:
        by_buyer.setdefault(due.user, []).append(due)
    for buyer, theirs in by_buyer.items():
        lines = [DigestLine(d.kind.value, d.subject, d.line) for d in theirs]
        text, blocks = levers_reminder(lines)
        # A one-off DM: held in the outbox until the buyer's own office hours.
        context.dm(buyer, text, blocks, reminders=[_key(d) for d in theirs], not_before=slot(buyer))
    if dues:
        _remember(context, dues)
    return len(by_buyer)


def digest_items(context: JobContext, team_url: str | None) -> list[Item[Any]]:
    """Every open item of every digest kind for the POD's people (due or not)."""
    pending = _open_mentions(context)
    return [
        *_update_items(context, team_url),
        *_mention_items(pending, team_url, context.pod.timezone),
        *_breach_items(context, team_url),
        *_approval_items(context, team_url),
        *_tat_warning_items(context, team_url),
        *_escalation_items(context, pending, team_url),
        *_stall_items(context, team_url),
        *_preapproval_answer_items(context, team_url),
        *_repeat_dq_items(context),
        *_vendor_expiry_items(context, team_url),
    ]


def reader_hours(
    context: JobContext, hours_of: Mapping[str, PersonHours] | None = None
) -> Callable[[str], datetime | None]:
    """When a one-off DM to a person may go (issue 30: each person's own hours): None when the
    run's instant is inside their office hours on one of their working days, else the next
    instant that is — their own zone and window (`own_hours`), else the POD's. The DM is queued
    now and held in the outbox until then (`JobContext.dm(not_before=…)`), not slept on."""
    own = own_hours(context) if hours_of is None else hours_of
    pod_calendar, office = context.pod.calendar, context.runtime.config.schedule.office_hours
    now = context.now

    def slot(user: str) -> datetime | None:
        person = own.get(user)
        calendar, hours = (person.calendar, person.hours) if person else (pod_calendar, office)
        at = office_slot(calendar, hours, now)
        return at if at > now else None

    return slot


def own_hours(context: JobContext) -> dict[str, PersonHours]:
    """The POD's members whose DM hours are not the POD's: another time zone in Slack (the
    people cache) or their own window in the config (`pods[].member_hours`)."""
    pod, config = context.pod, context.runtime.config
    with context.runtime.db.reading() as session:
        zones = zones_of(session, pod.members)
    found: dict[str, PersonHours] = {}
    calendar = pod.calendar
    for user in pod.members:
        person = person_hours(
            calendar, config.schedule.office_hours, zones.get(user), pod.member_hours.get(user)
        )
        if (
            person.calendar.timezone.key != pod.timezone
            or person.hours != config.schedule.office_hours
        ):
            found[user] = person
    return found
