"""Requests along SPEC §2's lifecycle: qualify, disqualify, assign (or reassign) and close.

Each use case: the request loaded (row-locked), the actor authorized, the stage advanced, the
timeline written, the domain events recorded; the outcome says what happened, as facts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.actions import Work, unconfirmed
from bot.actions.access import authorize, load_request, require_stage
from bot.actions.holds import end_on_hold, start_on_hold
from bot.actions.people_matrix import flag_repeat_disqualifications
from bot.actions.preapprovals import ask_customer
from bot.actions.terms import inline_row, record_term
from bot.blocks.limits import MAX_MESSAGE_TEXT
from bot.blocks.text import escape_mrkdwn, slack_date, split_markup
from bot.config import Pod
from bot.db import request_clocks
from bot.db.compliance import agreed_notice_days, close_facts
from bot.db.holds import open_hold
from bot.db.models import Quote, Request
from bot.db.requests import latest_quote, quote_count, record_event
from bot.domain.compliance import Missing, missing_for_close
from bot.domain.events import (
    LeversAsked,
    NegotiationStarted,
    RequestChanged,
    RequestReassigned,
    TermAsked,
    ThreadLine,
)
from bot.domain.grammar import Close
from bot.domain.holds import HeldClock, HoldParty
from bot.domain.lifecycle import Action, StageError, negotiation_due, next_stage
from bot.domain.mentions import defuse_broadcasts
from bot.domain.money import Money, format_money, out_of_scale
from bot.domain.renewals import past_renewal
from bot.domain.vocabulary import EventKind, Outcome, Role, Stage
from bot.errors import NotPermitted, Refusal, UsageError, WrongStage


def advance(stage: str, action: Action, key: str) -> str:
    """The stage `action` moves a request in `stage` to; WrongStage (with the reason) when the
    stage does not allow it."""
    try:
        return next_stage(stage, action, key)
    except StageError as exc:
        raise WrongStage(exc.message) from None


# -- qualify ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Qualify:
    number: int


@dataclass(frozen=True)
class Qualified:
    key: str


def qualify(work: Work, user: str, given: Qualify) -> Qualified:
    """Intake → qualified; the qualifier becomes the request's analyst."""
    request, pod = load_request(work.session, work.config, given.number)
    authorize(work.config, user, request, pod, Action.QUALIFY)
    request.stage = advance(request.stage, Action.QUALIFY, request.key)
    request.qualified_at = work.now
    request.analyst_id = user
    end_on_hold(work, request, pod, user, thread=False)
    record_event(work.session, request, at=work.now, actor=user, kind=EventKind.QUALIFIED)
    work.record(
        RequestChanged(request.id, "qualified"),
        ThreadLine(request.id, f":white_check_mark: Qualified by <@{user}>."),
    )
    return Qualified(request.key)


# -- disqualify ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Disqualify:
    number: int
    reason: str  # mrkdwn


@dataclass(frozen=True)
class Disqualified:
    key: str


def disqualify(work: Work, user: str, given: Disqualify) -> Disqualified:
    """Intake → disqualified, with the reason (`/proc disqualify` and the disqualify modal)."""
    request, pod = load_request(work.session, work.config, given.number)
    authorize(work.config, user, request, pod, Action.DISQUALIFY)
    request.stage = advance(request.stage, Action.DISQUALIFY, request.key)
    end_on_hold(work, request, pod, user, thread=False)
    request.analyst_id = request.analyst_id or user
    request.resolution_note = given.reason
    record_event(
        work.session,
        request,
        at=work.now,
        actor=user,
        kind=EventKind.DISQUALIFIED,
        text=given.reason,
    )
    work.record(
        RequestChanged(request.id, "disqualified"),
        ThreadLine(
            request.id,
            f":no_entry: Disqualified by <@{user}>: {defuse_broadcasts(given.reason)}",
        ),
    )
    # Issue 35: the third disqualification in 30 days flags the customer, once.
    flag_repeat_disqualifications(work, request, pod)
    return Disqualified(request.key)


# -- pre-approval --------------------------------------------------------------------------


@dataclass(frozen=True)
class Preapprove:
    number: int
    note: str | None  # mrkdwn


@dataclass(frozen=True)
class Preapproved:
    key: str
    asked_in: str | None = None  # the customer channel it was put to the customer in


def preapprove(work: Work, user: str, given: Preapprove) -> Preapproved:
    """A pre-approval went to the customer of an intake request: the qualification clock is
    met, and the customer has the ball (a customer hold on that clock, unless one is open)."""
    request, pod = load_request(work.session, work.config, given.number)
    authorize(work.config, user, request, pod, Action.PREAPPROVAL)
    advance(request.stage, Action.PREAPPROVAL, request.key)
    if request.preapproved_at is not None:
        raise WrongStage(f"{request.key} was already pre-approved by <@{request.preapproved_by}>.")
    request.preapproved_at, request.preapproved_by = work.now, user
    request.analyst_id = request.analyst_id or user
    # The customer has the ball: a customer hold on the qualification clock (issue 30),
    # unless one is open already; the pre-approval's thread line says so.
    if open_hold(work.session, request.id) is None:
        start_on_hold(
            work, request, pod, HeldClock.QUALIFICATION, HoldParty.CUSTOMER,
            "pre-approval sent", user, thread=False,
        )  # fmt: skip
    hours = work.config.clocks.preapproval_hours
    record_event(
        work.session, request, at=work.now, actor=user, kind=EventKind.PREAPPROVAL,
        text=given.note,
    )  # fmt: skip
    note = given.note
    # Put to the customer in their channel, when the account names one (issue 32).
    asked = ask_customer(work, request, user, note)
    work.record(
        RequestChanged(request.id, "pre-approved"),
        ThreadLine(
            request.id,
            f":envelope_with_arrow: Pre-approval sent to the customer by <@{user}>; waiting on "
            f"the customer (reminder after {hours} working hours)."
            + (f"\n>{defuse_broadcasts(note)}" if note else ""),
        ),
    )
    return Preapproved(request.key, asked.channel if asked is not None else None)


# -- assign ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Assign:
    number: int
    buyer: str


@dataclass(frozen=True)
class Assigned:
    key: str
    buyer: str
    tat_due: datetime
    timezone: str  # the POD's


def buyers_of(pod: Pod) -> str:
    """The POD's buyers (those `assign` offers), as mentions."""
    buyers = pod.members_with(Role.BUYER)
    return ", ".join(f"<@{user}>" for user in buyers) or "none yet"


def assign(work: Work, user: str, given: Assign) -> Assigned:
    """Qualified → negotiating with a buyer (the TAT starts), or a negotiating request handed
    to another buyer (the TAT keeps running)."""
    buyer = given.buyer
    request, pod = load_request(work.session, work.config, given.number)
    authorize(work.config, user, request, pod, Action.ASSIGN)
    if pod.role_of(buyer) not in ("buyer", "em"):
        raise NotPermitted(
            f"<@{buyer}> is not a buyer in {pod.name}, so cannot be assigned; "
            f"{pod.name}'s buyers: {buyers_of(pod)}."
        )
    reassign = request.stage == Stage.NEGOTIATING
    request.stage = advance(request.stage, Action.ASSIGN, request.key)
    if reassign and request.buyer_id == buyer:
        raise WrongStage(f"{request.key} is already assigned to <@{buyer}>.")
    now = work.now
    days = work.config.clocks.tat_days[request.kind]
    if not reassign:
        # The TAT runs from the first handover; a reassignment keeps the clock.
        request.assigned_at = now
        request.tat_due_at = negotiation_due(pod.timezone, now, days)
        request.last_update_at = now
        # The clocks the KPI rules judge (`bot.db.request_clocks`): the TAT's due, the first
        # day of the update cadence.
        request.tat_due_by = request.tat_due_at
        request.cadence_from = request_clocks.cadence_from(pod.calendar, now)
    request.analyst_id = request.analyst_id or user
    previous, request.buyer_id = request.buyer_id, buyer
    due = request.tat_due_at
    assert due is not None
    due_text = slack_date(due, pod.timezone, with_time=True)
    if reassign:
        line = (
            f":arrows_counterclockwise: Reassigned from <@{previous}> to <@{buyer}> "
            f"by <@{user}>. TAT still due {due_text}."
        )
    else:
        line = (
            f":handshake: Assigned to <@{buyer}> by <@{user}>. "
            f"Negotiation TAT: {days} days, due {due_text}."
        )
    record_event(
        work.session, request, at=now, actor=user, kind=EventKind.ASSIGNED,
        text=f"to <@{buyer}>", data={"buyer": buyer, "previous": previous},
    )  # fmt: skip
    work.record(RequestReassigned(request.id, previous), ThreadLine(request.id, line))
    if not reassign:
        work.record(NegotiationStarted(request.id, buyer))  # the tool's playbook, for the buyer
    return Assigned(request.key, buyer, due, pod.timezone)


# -- update ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class PostUpdate:
    """A buyer's update, its text (mrkdwn) read once the request's POD is known (a form's
    relative dates are the POD's)."""

    number: int
    read: Callable[[Pod], str]


@dataclass(frozen=True)
class Updated:
    key: str
    channel: str  # the POD's


def update(work: Work, user: str, given: PostUpdate) -> Updated:
    """Log a negotiation update: on the timeline, in the thread (in as many replies as Slack's
    cap needs), the update clock reset."""
    request, pod = load_request(work.session, work.config, given.number)
    authorize(work.config, user, request, pod, Action.UPDATE)
    require_stage(request.stage, Action.UPDATE, request.key)
    text = given.read(pod)
    now = work.now
    record_event(
        work.session, request, at=now, actor=user, kind=EventKind.UPDATE, text=text,
        stamp={"last_update_at": now}, work_day=request_clocks.work_day(pod.calendar, now),
    )  # fmt: skip
    # The text is mrkdwn (command text as Slack sent it, or the form's fields escaped).
    body = "\n".join(f">{line}" for line in defuse_broadcasts(text).splitlines() or [""])
    head = f":memo: *Update* from <@{user}>"
    # The form's caps count characters as typed; escaped (`&` is five), a long update can pass
    # Slack's cap on one message, so it goes in as many as it needs, in order in the thread.
    parts = split_markup(body, MAX_MESSAGE_TEXT - len(f"{head} (99/99):\n"))
    for number, part in enumerate(parts, 1):
        count = f" ({number}/{len(parts)})" if len(parts) > 1 else ""
        work.record(ThreadLine(request.id, f"{head}{count}:\n{part}"))
    work.record(RequestChanged(request.id, "update"))
    return Updated(request.key, pod.channel)


# -- quote ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogQuote:
    """A quote: `read` gives the vendor (plain text) and amount once the POD (its currency) is
    known; `args` are the command's (`REQ-3 Crayon 41.5k`), run again as they are by "Yes, log
    it" when the amount is far from the request's."""

    number: int
    read: Callable[[Pod], tuple[str, Money]]
    args: str
    confirmed: bool = False


@dataclass(frozen=True)
class Quoted:
    key: str
    vendor: str  # plain text
    amount: Money
    was: Money | None  # the vendor's earlier quote this one revises


def quote(work: Work, user_id: str, given: LogQuote) -> Quoted:
    """A competing quote (command, the card's Log quote modal and "Yes, log it"), posted in
    the thread; a vendor's later quote revises its earlier one. An amount far from the
    request's current spend is asked to be confirmed first (nothing written) unless
    `given.confirmed`."""
    session = work.session
    request, pod = load_request(session, work.config, given.number)
    vendor, money = given.read(pod)
    authorize(work.config, user_id, request, pod, Action.QUOTE)
    require_stage(request.stage, Action.QUOTE, request.key)
    # Names are stored as plain text; what is posted, and the timeline, is mrkdwn.
    shown = escape_mrkdwn(vendor)
    spend = Money(request.amount, request.currency) if request.amount is not None else None
    scale = out_of_scale(money, spend)
    if scale is not None and not given.confirmed and spend is not None:
        raise unconfirmed(
            work.config, "quote", given.args,
            f"A quote of {format_money(money)} from {shown} is {scale} {request.key}'s "
            f"current spend ({format_money(spend)}); nothing is logged yet.",
        )  # fmt: skip
    now = work.now
    earlier = latest_quote(session, request.id, vendor)
    session.add(
        Quote(
            request_id=request.id,
            vendor=vendor,
            amount=money.amount,
            currency=money.currency,
            created_by=user_id,
            created_at=now,
        )
    )
    session.flush()
    count = quote_count(session, request.id)
    so_far = f"{count} competing quote{'s' if count != 1 else ''} so far"
    now_quoted = format_money(money)
    if earlier is None:
        line = f":receipt: *Quote* recorded by <@{user_id}>: *{shown}* — {now_quoted} ({so_far})"
        event = f"{shown}: {now_quoted}"
    else:
        was = format_money(Money(earlier.amount, earlier.currency))
        line = (
            f":receipt: *Quote* revised by <@{user_id}>: *{shown}* revised {was} → "
            f"{now_quoted} ({so_far})"
        )
        event = f"{shown}: {now_quoted} (revised from {was})"
    record_event(
        session, request, at=now, actor=user_id, kind=EventKind.QUOTE, text=event,
        data={"vendor": vendor, "amount": str(money.amount), "currency": money.currency},
    )  # fmt: skip
    work.record(ThreadLine(request.id, line))
    earlier_amount = Money(earlier.amount, earlier.currency) if earlier is not None else None
    return Quoted(request.key, vendor, money, earlier_amount)


# -- close -----------------------------------------------------------------------------------


class Term(StrEnum):
    """What became of a closed request's new term."""

    NONE = "none"  # not won: no new term
    RECORDED = "recorded"  # given with the close: written to the SaaS stack
    ASKED = "asked"  # won without it: the analysts asked in the thread


@dataclass(frozen=True)
class CloseRequest:
    """A close, its fields read once the request's POD (its currency) is known."""

    number: int
    read: Callable[[Pod], Close]


@dataclass(frozen=True)
class Closed:
    key: str
    outcome: str
    term: Term
    # Issue 33: a won close's guards — met (True), overridden by an em (False), not judged
    # (None: not won, or the POD has none) — and what an override passed.
    guards_met: bool | None = None
    overridden: tuple[Missing, ...] = ()


class CloseRefused(Refusal):
    """A won close the POD's guards refuse: `missing` names each missing piece once, with the
    command or button that fixes it (nothing was written)."""

    def __init__(
        self, key: str, missing: tuple[Missing, ...], em_may_override: bool, command: str
    ) -> None:
        lines = "\n".join(f"• {m.what} — {m.fix}" for m in missing)
        tail = (
            f"\nOr, as an em: `{command} close {key} won override <reason>`."
            if em_may_override
            else "\nOnly an em may override the guards, with a reason."
        )
        super().__init__(f"{key} cannot close won yet; missing ({len(missing)}):\n{lines}{tail}")
        self.key = key
        self.missing = missing


def judge_guards(
    work: Work, user: str, request: Request, pod: Pod, override: str | None
) -> tuple[bool | None, tuple[Missing, ...]]:
    """A won close's guards: (met, overridden) — None when the POD has none; refused
    (`CloseRefused`) when something is missing and no em overrides with a reason."""
    if not pod.close_guards:
        return None, ()
    facts = close_facts(work.session, request, pod.checklist, pod.today(work.now))
    missing = tuple(
        missing_for_close(facts, pod.close_guards, request.key, work.config.slack.command)
    )
    if not missing:
        return True, ()
    is_em = pod.role_of(user) == Role.EM
    if override is None:
        raise CloseRefused(request.key, missing, is_em, work.config.slack.command)
    if not is_em:
        raise NotPermitted(
            f"Only an em may override {pod.name}'s close guards; {request.key} still lacks: "
            + "; ".join(m.what for m in missing)
            + "."
        )
    return False, missing


def close(work: Work, user: str, given: CloseRequest) -> Closed:
    """Close a request won, lost or cancelled; a won close records the new term given with it,
    or asks the analysts for it in the thread."""
    request, pod = load_request(work.session, work.config, given.number)
    fields = given.read(pod)
    outcome, note = fields.outcome, fields.note
    action = Action.CANCEL if outcome == "cancelled" else Action.CLOSE
    authorize(work.config, user, request, pod, action)
    if fields.term is not None:
        authorize(work.config, user, request, pod, Action.RECORD_TERM)
        past = past_renewal(fields.term.renewal_date, pod.today(work.now))
        if past:
            raise UsageError(past)
    guards_met: bool | None = None
    overridden: tuple[Missing, ...] = ()
    if outcome == Outcome.WON:
        require_stage(request.stage, action, request.key)
        guards_met, overridden = judge_guards(work, user, request, pod, fields.override)
    # A hold ends with the request: the TAT it is judged by counts the time held.
    end_on_hold(work, request, pod, user, thread=False)
    request.stage = advance(request.stage, action, request.key)
    now = work.now
    request.guards_met = guards_met
    if overridden:
        assert fields.override is not None
        request.guards_override_by = user
        request.guards_override_reason = fields.override
        record_event(
            work.session, request, at=now, actor=user, kind=EventKind.GUARDS_OVERRIDDEN,
            text=fields.override, data={"missing": [m.what for m in overridden]},
        )  # fmt: skip
    request.outcome = outcome
    request.closed_at = now
    # The update cadence's last day (`bot.db.request_clocks`): the close day, not judged.
    request.cadence_stop = request_clocks.day_number(pod.calendar, now)
    request.resolution_note = note
    record_event(
        work.session, request, at=now, actor=user, kind=EventKind.CLOSED,
        text=outcome + (f": {note}" if note else ""), data={"outcome": outcome},
    )  # fmt: skip
    emoji = {"won": ":trophy:", "lost": ":x:", "cancelled": ":wastebasket:"}[outcome]
    work.record(
        RequestChanged(request.id, "closed"),
        ThreadLine(
            request.id,
            f"{emoji} Closed *{outcome}* by <@{user}>"
            + (f": {defuse_broadcasts(note)}" if note else "."),
        ),
    )
    if overridden:
        assert fields.override is not None
        work.record(
            ThreadLine(
                request.id,
                f":rotating_light: Close guards *overridden* by <@{user}>: "
                f"{defuse_broadcasts(fields.override)}\nMissing at the close: "
                + "; ".join(m.what for m in overridden),
            )
        )
    if outcome == Outcome.WON and request.buyer_id:
        # Issue 34's playbooks: the buyer is asked once which levers worked.
        work.record(LeversAsked(request.id, request.buyer_id))
    term = Term.NONE
    if fields.term is not None:
        notice = agreed_notice_days(work.session, request.id)
        record_term(work, user, request, pod, inline_row(request, pod, fields.term, notice))
        term = Term.RECORDED
    elif outcome == Outcome.WON:
        work.record(TermAsked(request.id))
        term = Term.ASKED
    return Closed(request.key, outcome, term, guards_met, overridden)
