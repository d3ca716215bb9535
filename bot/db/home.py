"""What a person's App Home shows, read from the database at send time (`OutboxKind.HOME`).

One section per POD the person is in, by role (SPEC §3a): a buyer's negotiations and quota, an
analyst's intake, breaches, unrecorded terms and unrequested renewals, an em's pending claims,
POD savings and old breaches. Lists are read whole but handed on capped (`LIST_CAP`) with
their totals, so the builder shows "and N more".
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING

from sqlalchemy import select

from bot.blocks.home import (
    LIST_CAP,
    AnalystHome,
    BreachItem,
    BuyerHome,
    ClaimItem,
    CsmHome,
    EmHome,
    FallbackHome,
    HomeData,
    IntakeItem,
    NegotiationItem,
    RenewalItem,
    Section,
    TermItem,
)
from bot.db.contracts import open_renewal_requests
from bot.db.kpis import load_facts
from bot.db.models import Contract, PodRow, Request, SavingsClaim
from bot.domain import kpis
from bot.domain.aging import days_left
from bot.domain.money import Money
from bot.domain.quarters import Quarter, quarter_of
from bot.domain.renewals import RenewalContract, renewal_calendar
from bot.domain.vocabulary import ClaimStatus, Outcome, Stage
from bot.domain.working_time import add_working_hours, working_hours_between

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.config import Config, Pod

# An em sees a breach once it has stood this long (as a mention is escalated after 48 h).
OLD_BREACH_HOURS = 24
_HOUR = Decimal(3600)


def load_home(session: Session, config: Config, user: str, now: datetime) -> HomeData:
    """The user's Home as of `now`: a section per POD (config order), by their role in it."""
    sections: list[Section] = []
    for pod, role in config.memberships(user):
        pod_id = session.scalar(select(PodRow.id).where(PodRow.key == pod.key))
        if pod_id is None:  # configured but not synced yet
            continue
        if role == "buyer":
            sections.append(_buyer(session, config, pod, pod_id, user, now))
        elif role == "analyst":
            sections.append(_analyst(session, config, pod, pod_id, now))
        elif role == "em":
            sections.append(_em(session, config, pod, pod_id, user, now))
        else:
            sections.append(CsmHome(pod.name))
    for pod in config.pods:
        if user in pod.fallback_approvers:
            pod_id = session.scalar(select(PodRow.id).where(PodRow.key == pod.key))
            if pod_id is not None:
                sections.append(_fallback(session, pod, pod_id, user))
    return HomeData(user, tuple(sections), config.slack.command)


def _pending_claims(session: Session, pod_id: int) -> list[tuple[SavingsClaim, Request]]:
    rows = session.execute(
        select(SavingsClaim, Request)
        .join(Request, Request.id == SavingsClaim.request_id)
        .where(Request.pod_id == pod_id, SavingsClaim.status == ClaimStatus.PENDING.value)
        .order_by(SavingsClaim.created_at, SavingsClaim.id)
    ).all()
    return [(claim, request) for claim, request in rows]


def _claim_item(claim: SavingsClaim, request: Request) -> ClaimItem:
    saved = claim.baseline - claim.final
    return ClaimItem(
        claim.id, request.key, request.customer, request.tool,
        Money(saved, claim.currency), saved * 100 / claim.baseline,
        claim.created_by, claim.created_at, claim.kind,
    )  # fmt: skip


def _fallback(session: Session, pod: Pod, pod_id: int, user: str) -> FallbackHome:
    """The claims routed to `user` as one of the POD's fallback approvers."""
    rows = [
        (claim, request)
        for claim, request in _pending_claims(session, pod_id)
        if (approvers := pod.claim_approvers(claim.created_by)).fallback and user in approvers.users
    ]
    items = tuple(_claim_item(c, r) for c, r in rows[:LIST_CAP])
    return FallbackHome(pod.name, items, len(rows), pod.timezone)


def _quarter(pod: Pod, now: datetime) -> Quarter:
    return quarter_of(now.astimezone(pod.zone).date(), pod.fiscal_year_start_month)


def _buyer(
    session: Session, config: Config, pod: Pod, pod_id: int, user: str, now: datetime
) -> BuyerHome:
    rows = session.scalars(
        select(Request).where(
            Request.pod_id == pod_id,
            Request.stage == Stage.NEGOTIATING.value,
            Request.buyer_id == user,
        )
    ).all()
    calendar, hours = pod.calendar, config.clocks.update_hours
    items = []
    for r in rows:
        since = r.last_update_at or r.assigned_at
        due = add_working_hours(calendar, since, hours) if since is not None else None
        items.append(
            NegotiationItem(
                request_id=r.id, key=r.key, customer=r.customer, tool=r.tool,
                update_due_at=due, update_overdue=due is not None and due <= now,
                tat_days_left=days_left(r.tat_due_at, now, pod.timezone)
                if r.tat_due_at is not None else None,
            )
        )  # fmt: skip
    # The most overdue update first; a request never updated (no clock) last.
    items.sort(key=lambda i: (i.update_due_at is None, i.update_due_at or now, i.request_id))
    quarter = _quarter(pod, now)
    facts = load_facts(session, config, pod, quarter, now)
    target = next((t.target for t in facts.targets if t.buyer_id == user), None)
    quota = kpis.buyer_savings_quota(
        facts.claims, user, target, facts.calendar, quarter, facts.as_of_day
    )
    return BuyerHome(
        pod.name, str(quarter), tuple(items[:LIST_CAP]), len(items), quota, pod.timezone
    )


def _breaches(session: Session, pod: Pod, pod_id: int, now: datetime) -> list[BreachItem]:
    """The POD's requests past their qualification or negotiation TAT, longest past first."""
    rows = session.scalars(
        select(Request).where(
            Request.pod_id == pod_id,
            Request.stage.in_([Stage.INTAKE.value, Stage.NEGOTIATING.value]),
        )
    ).all()
    found = []
    for r in rows:
        if (
            r.stage == Stage.INTAKE.value
            and r.qualification_due_at <= now
            and r.preapproved_at is None  # a pre-approval meets the qualification clock
        ):
            found.append(
                BreachItem(r.key, r.customer, r.tool, "qualification", r.qualification_due_at,
                           r.analyst_id or r.created_by)
            )  # fmt: skip
        elif r.stage == Stage.NEGOTIATING.value and r.tat_due_at and r.tat_due_at <= now:
            found.append(
                BreachItem(r.key, r.customer, r.tool, "negotiation", r.tat_due_at, r.buyer_id)
            )
    found.sort(key=lambda b: (b.due_at, b.key))
    return found


def _hours(delta: timedelta) -> Decimal:
    return Decimal(int(delta.total_seconds())) / _HOUR


def _analyst(session: Session, config: Config, pod: Pod, pod_id: int, now: datetime) -> AnalystHome:
    calendar = pod.calendar
    intake_rows = session.scalars(
        select(Request)
        .where(Request.pod_id == pod_id, Request.stage == Stage.INTAKE.value)
        .order_by(Request.qualification_due_at, Request.id)
    ).all()
    intake = [
        IntakeItem(
            r.key, r.customer, r.tool,
            _hours(working_hours_between(calendar, now, r.qualification_due_at))
            if r.qualification_due_at > now
            else -_hours(working_hours_between(calendar, r.qualification_due_at, now)),
            preapproved=r.preapproved_at is not None,
        )
        for r in intake_rows[:LIST_CAP]
    ]  # fmt: skip
    breaches = _breaches(session, pod, pod_id, now)
    term_rows = session.scalars(
        select(Request)
        .where(
            Request.pod_id == pod_id,
            Request.stage == Stage.CLOSED.value,
            Request.outcome == Outcome.WON.value,
            Request.term_recorded_at.is_(None),
        )
        .order_by(Request.closed_at, Request.id)
    ).all()
    terms = [
        TermItem(r.key, r.customer, r.tool, r.closed_at.astimezone(pod.zone).date())
        for r in term_rows[:LIST_CAP]
        if r.closed_at is not None
    ]
    renewals, quarter = _unrequested_renewals(session, config, pod, pod_id, now)
    return AnalystHome(
        pod.name,
        tuple(intake), len(intake_rows),
        tuple(breaches[:LIST_CAP]), len(breaches),
        tuple(terms), len(term_rows),
        str(quarter), tuple(renewals[:LIST_CAP]), len(renewals), pod.timezone,
    )  # fmt: skip


def _unrequested_renewals(
    session: Session, config: Config, pod: Pod, pod_id: int, now: datetime
) -> tuple[list[RenewalItem], Quarter]:
    """Next quarter's renewals of the POD's SaaS stack with no renewal request open."""
    quarter = _quarter(pod, now).next()
    contracts = [
        RenewalContract(
            contract_id=c.id,
            customer=c.customer,
            tool=c.tool,
            annual=Money(c.annual_amount, c.currency),
            renewal_date=c.renewal_date,
            billing_cycle=c.billing_cycle,
        )
        for c in session.scalars(
            select(Contract)
            .where(Contract.pod_id == pod_id)
            .where(Contract.renewal_date.between(quarter.start, quarter.end))
            .order_by(Contract.renewal_date, Contract.id)
        )
    ]
    requests = open_renewal_requests(session, pod_id)
    today = now.astimezone(pod.zone).date()
    calendar = renewal_calendar(
        contracts, requests, quarter, today, config.clocks.tat_days["renewal"]
    )
    items = [
        RenewalItem(
            line.contract.contract_id,
            line.contract.customer,
            line.contract.tool,
            line.contract.renewal_date,
            line.contract.annual,
        )
        for line in calendar.lines
        if line.request is None
    ]
    return items, quarter


def _em(
    session: Session, config: Config, pod: Pod, pod_id: int, user: str, now: datetime
) -> EmHome:
    # The claims this em may decide: not their own (those go to another em or a fallback).
    rows = [(c, r) for c, r in _pending_claims(session, pod_id) if c.created_by != user]
    claims = [_claim_item(claim, request) for claim, request in rows[:LIST_CAP]]
    quarter = _quarter(pod, now)
    facts = load_facts(session, config, pod, quarter, now)
    savings = kpis.pod_net_savings(
        facts.claims, facts.pod_target, pod.currency, facts.calendar, quarter, facts.as_of_day
    )
    old = [
        b
        for b in _breaches(session, pod, pod_id, now)
        if add_working_hours(pod.calendar, b.due_at, OLD_BREACH_HOURS) <= now
    ]
    return EmHome(
        pod.name, str(quarter), tuple(claims), len(rows), savings,
        tuple(old[:LIST_CAP]), len(old), pod.timezone,
    )  # fmt: skip
