"""What a card or a claim message shows, read from the database at the moment it is sent."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, TypedDict
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.blocks.cards import CardData
from bot.blocks.claims import ApprovedClaim, ClaimView
from bot.blocks.text import escape_mrkdwn
from bot.db.approvals import claim_progress
from bot.db.benchmarks import deals, request_seats
from bot.db.compliance import checklist_of, find_vendor, vendor_file
from bot.db.holds import open_hold
from bot.db.models import CaseStudy, Request, SavingsClaim
from bot.db.people import names_of
from bot.db.requests import open_step, quote_count
from bot.db.savings import effective_claims, tool_benchmark
from bot.db.stalls import stalled_since
from bot.db.usage import latest_usage
from bot.domain.compliance import checklist_line, file_line
from bot.domain.holds import held_days
from bot.domain.money import Money
from bot.domain.names import name_key
from bot.domain.pricing import RECENT_MONTHS, band_of, benchmark_line, final_unit_price
from bot.domain.procurement import DEFAULT_STEP_WEEKS, step_clock
from bot.domain.reminders import qualification_badge, tat_badge, update_badge
from bot.domain.usage import usage_line
from bot.domain.vocabulary import OPEN_STAGES, ClaimStatus, RequestType, Role, Stage
from bot.domain.working_time import add_working_hours

if TYPE_CHECKING:
    from bot.config import Config


class _Clocks(TypedDict, total=False):
    """The card's clock fields that apply to the request (the others keep their defaults)."""

    last_update_at: datetime
    next_update_due_at: datetime
    update_badge: str | None
    qualification_badge: str | None
    tat_badge: str | None
    tat_met: bool
    pending_claim: Money
    pending_claim_since: datetime


def card_data(
    session: Session, config: Config, request: Request, now: datetime | None = None
) -> CardData:
    """The card's content for a request, from the database and its POD's config. With `now`
    (the domain clock): its clocks' badges as of then (overdue, breached, due soon) and the day
    of the procurement step under way (day n of lower–upper)."""
    # A POD removed from the config keeps its row, name and zone: its cards still render.
    configured = config.find_pod(request.pod.key)
    pod = configured or request.pod
    clocks: _Clocks = {}
    hold = open_hold(session, request.id)
    if configured is not None:
        calendar = configured.calendar
        if request.stage == Stage.NEGOTIATING and request.last_update_at is not None:
            next_due = add_working_hours(
                calendar, request.last_update_at, config.clocks.update_hours
            )
            clocks["last_update_at"] = request.last_update_at
            clocks["next_update_due_at"] = next_due
            if now is not None:
                clocks["update_badge"] = update_badge(now, next_due)
        if now is not None and request.stage == Stage.INTAKE and hold is None:
            clocks["qualification_badge"] = qualification_badge(
                calendar, now, request.qualification_due_at
            )
        if (
            now is not None
            and request.stage == Stage.NEGOTIATING
            and request.tat_due_at
            and hold is None  # a held clock is stopped: no badge (bot/domain/holds.py)
        ):
            clocks["tat_badge"] = tat_badge(now, request.tat_due_at)
    if request.stage == Stage.CLOSED and request.tat_due_at is not None and request.closed_at:
        clocks["tat_met"] = request.closed_at <= request.tat_due_at
    pending = session.scalars(
        select(SavingsClaim)
        .where(
            SavingsClaim.request_id == request.id,
            SavingsClaim.status == ClaimStatus.PENDING.value,
        )
        .order_by(SavingsClaim.id.desc())
        .limit(1)
    ).first()
    if pending is not None:
        clocks["pending_claim"] = Money(pending.baseline - pending.final, pending.currency)
        clocks["pending_claim_since"] = pending.created_at
    # The claims that count now: the request's claim of each kind and any marked additional.
    # A claim may be in another currency than the request (a €-claim on a USD request):
    # the savings are the claim's, so they carry the claim's currency, summed per currency.
    totals: dict[str, Decimal] = {}
    for claim in effective_claims(session, request.id):
        totals[claim.currency] = totals.get(claim.currency, Decimal(0)) + (
            claim.baseline - claim.final
        )
    approved = tuple(Money(amount, currency) for currency, amount in totals.items())
    procurement = None
    step = open_step(session, request.id) if request.stage == Stage.NEGOTIATING else None
    if step is not None and now is not None:
        weeks = config.procurement_stages.get(step.stage, DEFAULT_STEP_WEEKS[step.stage])
        procurement = step_clock(step.stage, step.started_at, now, pod.timezone, weeks)
    # Whom the qualified card's picker offers, by the names in the people cache (kept by the
    # people-refresh job and user_change; an id where podbot has no name yet).
    buyers: tuple[str, ...] = ()
    if configured is not None and request.stage == Stage.QUALIFIED:
        buyers = tuple(configured.members_with(Role.BUYER))
    buyer_names = names_of(session, buyers) if buyers else {}
    # An open hold shows as its own line with a Resume button; a pre-approval's hold is the
    # card's Pre-approval line already ("waiting on the customer since …").
    shown_hold = hold if hold is not None and request.preapproved_at is None else None
    # Issue 33: the vendor file (when the vendor has a record) and the contract checklist
    # (negotiating), on open requests only.
    vendor_line = checklist = None
    vendor_expired = False
    if request.stage in OPEN_STAGES:
        today = (now or request.updated_at).astimezone(ZoneInfo(pod.timezone)).date()
        if find_vendor(session, request.tool) is not None:
            state = vendor_file(session, request.tool, today)
            vendor_line, vendor_expired = file_line(state), bool(state.expired)
        if configured is not None and request.stage == Stage.NEGOTIATING and configured.checklist:
            checklist = checklist_line(checklist_of(session, request.id, configured.checklist))
    usage = None
    if request.kind == RequestType.RENEWAL:
        found = latest_usage(session, request.customer, request.tool)
        if found is not None:
            today = (now or request.updated_at).astimezone(ZoneInfo(pod.timezone)).date()
            usage = usage_line(found, config.usage_headroom, today)
    return CardData(
        key=request.key,
        pod_name=pod.name,
        timezone=pod.timezone,
        customer=request.customer,
        tool=request.tool,
        kind=request.kind,
        stage=request.stage,
        outcome=request.outcome,
        amount=Money(request.amount, request.currency) if request.amount is not None else None,
        renewal_date=request.renewal_date,
        created_by=request.created_by,
        analyst_id=request.analyst_id,
        buyer_id=request.buyer_id,
        created_at=request.created_at,
        qualification_due_at=request.qualification_due_at,
        tat_due_at=request.tat_due_at,
        closed_at=request.closed_at,
        resolution_note=request.resolution_note,
        approved_savings=approved[0] if approved else None,
        more_savings=approved[1:],
        notes=request.notes,
        term_recorded_by=request.term_recorded_by,
        **clocks,
        request_id=request.id,
        preapproved_at=request.preapproved_at,
        preapproved_by=request.preapproved_by,
        procurement=procurement,
        buyers=buyers,
        buyer_names=buyer_names,
        hold_party=shown_hold.party if shown_hold else None,
        hold_since=shown_hold.started_at if shown_hold else None,
        hold_days=held_days(shown_hold.started_at, now, pod.timezone)
        if shown_hold and now is not None
        else 0,
        stalled_since=stalled_since(session, config, request, now, held=hold is not None),
        vendor_line=vendor_line,
        vendor_expired=vendor_expired,
        checklist_line=checklist,
        usage_line=usage,
        case_study_by=session.scalar(
            select(CaseStudy.marked_by).where(CaseStudy.request_id == request.id)
        ),
    )


def claim_view(
    session: Session, config: Config, claim: SavingsClaim, now: datetime | None = None
) -> ClaimView:
    """The claim message's content, with the tool's current benchmark and quote count. With
    `now`, the deciders are those at `now`: someone away replaced by their cover."""
    request = session.get(Request, claim.request_id)
    assert request is not None
    pod = config.find_pod(request.pod.key)  # None: a POD no longer configured
    bench = tool_benchmark(session, request.tool, excluding_request=request.id)
    approvers = pod.claim_approvers(claim.created_by) if pod is not None else None
    progress = claim_progress(session, pod, claim, now).progress if pod is not None else None
    ems = approvers.users if approvers is not None else ()
    if progress is not None and progress.covering and progress.step == 0:
        ems = progress.waiting  # someone away: who decides instead
    return ClaimView(
        claim_id=claim.id,
        request_key=request.key,
        customer=request.customer,
        tool=request.tool,
        kind=claim.kind,
        baseline=Money(claim.baseline, claim.currency),
        final=Money(claim.final, claim.currency),
        status=claim.status,
        created_by=claim.created_by,
        benchmark_percent=bench.percent,
        benchmark_claims=bench.claims,
        benchmark_customers=bench.customers,
        quote_count=quote_count(session, request.id),
        ems=ems,
        covering=tuple(progress.covering.items()) if progress is not None else (),
        fallback_reason=approvers.reason if approvers is not None and approvers.fallback else None,
        decided_by=claim.decided_by,
        decided_at=claim.decided_at,
        reason=claim.reason,
        superseded_by=claim.superseded_by_id,
        timezone=request.pod.timezone,
        revises=_approved(session, claim.revises_id),
        additional=claim.additional,
        right_sizing=claim.right_sizing,
        usage_line=_claim_usage(session, config, request, claim, now),
        price_line=_claim_price(session, config, request, claim),
        revised_by=_approved(session, claim.revised_by_id),
        progress=progress if progress is not None and progress.total > 1 else None,
    )


def _claim_usage(
    session: Session, config: Config, request: Request, claim: SavingsClaim, now: datetime | None
) -> str | None:
    """A right-sizing claim's seat usage, for the em deciding it (None: not tagged, or none
    imported)."""
    if not claim.right_sizing:
        return None
    found = latest_usage(session, request.customer, request.tool)
    if found is None:
        return None
    today = (now or claim.created_at).astimezone(ZoneInfo(request.pod.timezone)).date()
    return usage_line(found, config.usage_headroom, today)


def _claim_price(
    session: Session, config: Config, request: Request, claim: SavingsClaim
) -> str | None:
    """Where the claim's final price landed (issue 34): its annual price per seat — the final
    amount ÷ the seats of the request's latest itemised quote line (else its contract's seats)
    — among the POD's other deals for the tool (and plan) in that seats' band, in the 24 months
    before the claim; None without seats, or with a claim in another currency than the POD's."""
    pod = config.find_pod(request.pod.key)
    if pod is None or claim.currency != pod.currency:
        return None
    seats = request_seats(session, request)
    if seats is None:
        return None
    unit = final_unit_price(claim.final, seats.quantity)
    band = band_of(seats.quantity)
    plan_key = name_key(seats.plan) if seats.plan else None
    window = claim.created_at - relativedelta(months=RECENT_MONTHS)
    found = deals(
        session, pod.key, request.tool_key, plan_key, band, window, pod.currency,
        excluding_request=request.id,
    )  # fmt: skip
    what = escape_mrkdwn(" ".join(part for part in (request.tool, seats.plan) if part))
    return "final " + benchmark_line(
        unit, [d.annual_unit_price for d in found], currency=pod.currency, unit="seat",
        what=what, band=band, min_deals=config.benchmark_min_deals,
    )  # fmt: skip


def _approved(session: Session, claim_id: int | None) -> ApprovedClaim | None:
    """Another claim of the request, named by its amount and approval (None: not approved)."""
    other = session.get(SavingsClaim, claim_id) if claim_id is not None else None
    if other is None or other.decided_by is None or other.decided_at is None:
        return None
    if other.status != ClaimStatus.APPROVED.value:
        return None
    saved = Money(other.baseline - other.final, other.currency)
    return ApprovedClaim(saved, other.decided_by, other.decided_at)
