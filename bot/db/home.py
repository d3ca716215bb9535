"""What a person's App Home shows, read from the database at send time (`OutboxKind.HOME`).

One section per POD the person is in, by role (SPEC §3a): a buyer's negotiations and quota, an
analyst's intake, breaches, unrecorded terms and unrequested renewals, an em's pending claims,
POD savings and old breaches. A Home reads what it shows (issue 26): each list its first
`LIST_CAP` items (LIMIT, in the order it is shown) and a COUNT for "and N more", and each figure
by one aggregate (`bot.db.kpis.quarter_savings`), whatever the history's length.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from sqlalchemy import exists, func, literal_column, or_, select

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
from bot.db.absences import away_in
from bot.db.approvals import claim_progress
from bot.db.compliance import last_step_gaps
from bot.db.contracts import open_renewal_requests
from bot.db.covering import away_line, covering_sections
from bot.db.csm_home import load_csm
from bot.db.customer_updates import quiet_accounts
from bot.db.forecast import deciding_first, em_home_forecast
from bot.db.holds import not_held, open_holds
from bot.db.kpis import member_target, pod_target, quarter_savings
from bot.db.models import AbsenceRow, ClaimApproval, Contract, PodRow, Request, SavingsClaim
from bot.domain import kpis
from bot.domain.aging import days_left
from bot.domain.money import Money
from bot.domain.quarters import Quarter, quarter_of
from bot.domain.renewals import RenewalContract, renewal_calendar
from bot.domain.vocabulary import ClaimStatus, Outcome, Stage
from bot.domain.working_time import (
    WorkCalendar,
    add_working_hours,
    next_working_time,
    working_hours_between,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from sqlalchemy import Select
    from sqlalchemy.orm import Session

    from bot.config import Config, Pod

# An em sees a breach once it has stood this long (as a mention is escalated after 48 h).
OLD_BREACH_HOURS = 24
_HOUR = Decimal(3600)
# Written out, not bound: SQLite's planner takes a partial index only for its own condition.
PENDING = SavingsClaim.status == literal_column(f"'{ClaimStatus.PENDING.value}'")
# A claim at its first step (the em's, else a fallback approver's): no approval recorded yet.
AT_FIRST_STEP = ~exists().where(ClaimApproval.claim_id == SavingsClaim.id)


def load_home(session: Session, config: Config, user: str, now: datetime) -> HomeData:
    """The user's Home as of `now`: a section per POD (config order), by their role in it."""
    sections: list[Section] = []
    # Every absence recorded (a few rows): who is away, and whom `user` covers for.
    absences = session.scalars(select(AbsenceRow)).all()
    for pod, role in config.memberships(user):
        pod_id = session.scalar(select(PodRow.id).where(PodRow.key == pod.key))
        if pod_id is None:  # configured but not synced yet
            continue
        if role == "buyer":
            sections.append(_buyer(session, config, pod, pod_id, user, now))
        elif role == "analyst":
            sections.append(_analyst(session, config, pod, pod_id, now))
        elif role == "em":
            sections.append(_em(session, config, pod, pod_id, user, now, absences))
        else:
            sections.append(CsmHome(pod.name, load_csm(session, config, pod, pod_id, user, now)))
    for pod in config.pods:
        if user in pod.fallback_approvers:
            pod_id = session.scalar(select(PodRow.id).where(PodRow.key == pod.key))
            if pod_id is not None:
                sections.append(_fallback(session, pod, pod_id, user))
        if any(user in rule.then for rule in pod.approval_rules):
            pod_id = session.scalar(select(PodRow.id).where(PodRow.key == pod.key))
            if pod_id is not None:
                sections.append(_approver(session, pod, pod_id, user, now, absences))
    sections += covering_sections(session, config, user, now, absences)
    return HomeData(
        user,
        tuple(sections),
        config.slack.command,
        away_line(session, config, user, now, absences),
    )


def _pending_claims(
    session: Session, pod_id: int, *where: Any
) -> tuple[list[tuple[SavingsClaim, Request]], int]:
    """The POD's first LIST_CAP pending claims (oldest first) matching `where`, and how many
    there are."""
    query = (
        select(SavingsClaim, Request)
        .join(Request, Request.id == SavingsClaim.request_id)
        .where(Request.pod_id == pod_id, PENDING, *where)
    )
    rows = session.execute(
        query.order_by(SavingsClaim.created_at, SavingsClaim.id).limit(LIST_CAP)
    ).all()
    return [(claim, request) for claim, request in rows], _count(session, query)


def _count(session: Session, query: Select[*tuple[Any, ...]]) -> int:
    """How many rows `query` (no LIMIT, GROUP BY or DISTINCT) finds: `SELECT count(*)` over
    its own FROM and WHERE, not over a subquery of every column it selects (cheaper to build,
    to key in the statement cache and to run)."""
    counted = query.with_only_columns(func.count(), maintain_column_froms=True).order_by(None)
    return session.scalar(counted) or 0


def _claim_item(claim: SavingsClaim, request: Request) -> ClaimItem:
    saved = claim.baseline - claim.final
    return ClaimItem(
        claim.id, request.key, request.customer, request.tool,
        Money(saved, claim.currency), saved * 100 / claim.baseline,
        claim.created_by, claim.created_at, claim.kind,
    )  # fmt: skip


def _fallback(session: Session, pod: Pod, pod_id: int, user: str) -> FallbackHome:
    """The claims routed to `user` as one of the POD's fallback approvers: those of the
    claimants whose claims the POD routes to its fallback approvers, `user` among them."""
    claimants = session.scalars(
        select(SavingsClaim.created_by)
        .join(Request, Request.id == SavingsClaim.request_id)
        .where(Request.pod_id == pod_id, PENDING)
        .distinct()
    ).all()
    routed = sorted(
        who
        for who in claimants
        if (approvers := pod.claim_approvers(who)).fallback and user in approvers.users
    )
    rows, total = _pending_claims(
        session, pod_id, SavingsClaim.created_by.in_(routed), AT_FIRST_STEP
    )
    items = tuple(_claim_item(c, r) for c, r in rows)
    return FallbackHome(pod.name, items, total, pod.timezone)


def _approver(
    session: Session,
    pod: Pod,
    pod_id: int,
    user: str,
    now: datetime,
    absences: Sequence[AbsenceRow],
) -> FallbackHome:
    """The claims at `user`'s step as an approver `pods[].approval_rules` names: of the POD's
    claims past their first step (few: those above a threshold), the ones waiting for them;
    while someone of the POD is away, of all its pending claims (a cover decides any step)."""
    away = bool(away_in(session, pod, now, absences))
    rows, total = _waiting_for(session, pod, pod_id, user, now, () if away else (~AT_FIRST_STEP,))
    items = tuple(_claim_item(c, r) for c, r in rows)
    return FallbackHome(pod.name, items, total, pod.timezone, role="approver")


def _waiting_for(
    session: Session, pod: Pod, pod_id: int, user: str, now: datetime, where: tuple[Any, ...]
) -> tuple[list[tuple[SavingsClaim, Request]], int]:
    """The first LIST_CAP of the POD's pending claims matching `where` that wait for `user`
    at `now` (`claim_progress`: their step's decider, or who stands in for one away), and how
    many there are. Read whole: who decides a claim is the config's rules and the absences."""
    candidates = session.execute(
        select(SavingsClaim, Request)
        .join(Request, Request.id == SavingsClaim.request_id)
        .where(Request.pod_id == pod_id, PENDING, *where)
        .order_by(SavingsClaim.created_at, SavingsClaim.id)
    ).all()
    rows = [
        (claim, request)
        for claim, request in candidates
        if user in claim_progress(session, pod, claim, now).progress.waiting
    ]
    return rows[:LIST_CAP], len(rows)


def _quarter(pod: Pod, now: datetime) -> Quarter:
    return quarter_of(now.astimezone(pod.zone).date(), pod.fiscal_year_start_month)


def _buyer(
    session: Session, config: Config, pod: Pod, pod_id: int, user: str, now: datetime
) -> BuyerHome:
    calendar, hours = pod.calendar, config.clocks.update_hours
    query = select(Request).where(
        Request.pod_id == pod_id,
        Request.stage == Stage.NEGOTIATING.value,
        Request.buyer_id == user,
    )
    # The most overdue update first: an update is due `hours` working hours after the last
    # one (or the assignment), so the order of that instant is the order of the due times.
    # A negotiating request always has an assignment (a schema check), so a clock.
    since = func.coalesce(Request.last_update_at, Request.assigned_at)
    rows = list(session.scalars(query.order_by(since, Request.id).limit(LIST_CAP)))
    if len(rows) == LIST_CAP:
        # Instants in the same non-working stretch share a due time, and ties go by request
        # id: the requests whose clock starts in the last one's stretch may rank before it.
        last = rows[-1].last_update_at or rows[-1].assigned_at
        assert last is not None  # a buyer's negotiation was assigned
        shown = [r.id for r in rows]
        rows += session.scalars(
            query.where(
                since >= last,
                since <= next_working_time(calendar, last),
                Request.id.not_in(shown),
            )
        )
    rows, deciding = deciding_first(session, pod_id, user, rows, LIST_CAP)
    held = open_holds(session, [r.id for r in rows])
    items = []
    for r in rows:
        start = r.last_update_at or r.assigned_at
        due = add_working_hours(calendar, start, hours) if start is not None else None
        items.append(
            NegotiationItem(
                request_id=r.id, key=r.key, customer=r.customer, tool=r.tool,
                update_due_at=due, update_overdue=due is not None and due <= now,
                tat_days_left=days_left(r.tat_due_at, now, pod.timezone)
                if r.tat_due_at is not None else None,
                held_by=held[r.id].party if r.id in held else None,
                decides_msg=r.id in deciding,
            )
        )  # fmt: skip
    items.sort(
        key=lambda i: (
            not i.decides_msg,
            i.update_due_at is None,
            i.update_due_at or now,
            i.request_id,
        )
    )
    total = _count(session, query) if len(rows) >= LIST_CAP else len(rows)
    quarter = _quarter(pod, now)
    target = member_target(session, pod_id, quarter, user)
    savings = quarter_savings(session, pod, pod_id, quarter, now, buyer_id=user)
    quota = kpis.buyer_quota_of(savings, user, target, quarter, _today(pod, now))
    return BuyerHome(pod.name, str(quarter), tuple(items[:LIST_CAP]), total, quota, pod.timezone)


def _today(pod: Pod, now: datetime) -> date:
    return now.astimezone(pod.zone).date()


def _breach_queries(pod_id: int, now: datetime) -> tuple[Select[Any], Select[Any]]:
    """The POD's requests past their qualification (not pre-approved: a pre-approval meets
    that clock) and past their negotiation TAT."""
    qualification = select(Request).where(
        Request.pod_id == pod_id,
        Request.stage == Stage.INTAKE.value,
        Request.qualification_due_at <= now,
        Request.preapproved_at.is_(None),
        not_held(),  # a held clock is stopped: no breach
    )
    negotiation = select(Request).where(
        Request.pod_id == pod_id,
        Request.stage == Stage.NEGOTIATING.value,
        Request.tat_due_at.is_not(None),
        Request.tat_due_at <= now,
        not_held(),
    )
    return qualification, negotiation


def _breaches(
    session: Session, pod_id: int, now: datetime, due_by: datetime | None = None
) -> tuple[list[BreachItem], int]:
    """The POD's first LIST_CAP breaches, longest past first (due by `due_by`, if given), and
    how many there are."""
    qualification, negotiation = _breach_queries(pod_id, now)
    if due_by is not None:
        qualification = qualification.where(Request.qualification_due_at <= due_by)
        negotiation = negotiation.where(Request.tat_due_at <= due_by)
    found: list[BreachItem] = []
    total = 0
    for query, due in (
        (qualification, Request.qualification_due_at),
        (negotiation, Request.tat_due_at),
    ):
        # Shown by due time, then key (REQ-10 before REQ-9): the first LIST_CAP by due time
        # and every tie of the last of them, in one statement — those due by the LIST_CAP-th
        # due time (all of them when there are fewer).
        cutoff = (
            query.with_only_columns(due, maintain_column_froms=True)
            .order_by(due, Request.id)
            .offset(LIST_CAP - 1)
            .limit(1)
            .scalar_subquery()
        )
        rows = list(
            session.scalars(query.where(or_(cutoff.is_(None), due <= cutoff)).order_by(due))
        )
        total += _count(session, query) if len(rows) >= LIST_CAP else len(rows)
        for r in rows:
            if due is Request.qualification_due_at:
                found.append(
                    BreachItem(r.key, r.customer, r.tool, "qualification",
                               r.qualification_due_at, r.analyst_id or r.created_by)
                )  # fmt: skip
            else:
                found.append(
                    BreachItem(r.key, r.customer, r.tool, "negotiation", r.tat_due_at, r.buyer_id)
                )
    found.sort(key=lambda b: (b.due_at, b.key))
    return found[:LIST_CAP], total


def _latest_start(calendar: WorkCalendar, hours: int, now: datetime) -> datetime | None:
    """The latest instant `hours` working hours after which `now` has come (None when none
    within a year): adding working hours keeps order, so a bisection on the microsecond."""
    step = timedelta(microseconds=1)
    low, high = now - timedelta(days=366), now
    if add_working_hours(calendar, low, hours) > now:
        return None
    while high - low > step:
        middle = low + (high - low) // 2
        if add_working_hours(calendar, middle, hours) <= now:
            low = middle
        else:
            high = middle
    return high if add_working_hours(calendar, high, hours) <= now else low


def _hours(delta: timedelta) -> Decimal:
    return Decimal(int(delta.total_seconds())) / _HOUR


def _analyst(session: Session, config: Config, pod: Pod, pod_id: int, now: datetime) -> AnalystHome:
    calendar = pod.calendar
    intake_query = select(Request).where(
        Request.pod_id == pod_id, Request.stage == Stage.INTAKE.value
    )
    intake_rows = session.scalars(
        intake_query.order_by(Request.qualification_due_at, Request.id).limit(LIST_CAP)
    ).all()
    intake = [
        IntakeItem(
            r.key, r.customer, r.tool,
            _hours(working_hours_between(calendar, now, r.qualification_due_at))
            if r.qualification_due_at > now
            else -_hours(working_hours_between(calendar, r.qualification_due_at, now)),
            preapproved=r.preapproved_at is not None,
        )
        for r in intake_rows
    ]  # fmt: skip
    intakes = _count(session, intake_query) if len(intake_rows) == LIST_CAP else len(intake_rows)
    breaches, breach_count = _breaches(session, pod_id, now)
    term_query = select(Request).where(
        Request.pod_id == pod_id,
        Request.stage == Stage.CLOSED.value,
        Request.outcome == Outcome.WON.value,
        Request.term_recorded_at.is_(None),
    )
    term_rows = session.scalars(
        term_query.order_by(Request.closed_at, Request.id).limit(LIST_CAP)
    ).all()
    terms = [
        TermItem(r.key, r.customer, r.tool, r.closed_at.astimezone(pod.zone).date())
        for r in term_rows
        if r.closed_at is not None
    ]
    term_count = _count(session, term_query) if len(term_rows) == LIST_CAP else len(term_rows)
    renewals, quarter = _unrequested_renewals(session, config, pod, pod_id, now)
    return AnalystHome(
        pod.name,
        tuple(intake), intakes,
        tuple(breaches), breach_count,
        tuple(terms), term_count,
        str(quarter), tuple(renewals[:LIST_CAP]), len(renewals), pod.timezone,
        tuple(last_step_gaps(session, pod.key, pod.checklist)),
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
    session: Session,
    config: Config,
    pod: Pod,
    pod_id: int,
    user: str,
    now: datetime,
    absences: Sequence[AbsenceRow],
) -> EmHome:
    # The claims this em may decide: not their own (those go to another em or a fallback).
    # At a later approval step (`approval_rules`) a claim is its named approver's, not theirs.
    # While someone of the POD is away, who decides what is worked out claim by claim (their
    # cover, another em, the fallback approvers); else an em decides the claims at the first
    # step, one LIMIT and one COUNT.
    if away_in(session, pod, now, absences):
        rows, total = _waiting_for(
            session, pod, pod_id, user, now, (SavingsClaim.created_by != user,)
        )
    else:
        rows, total = _pending_claims(
            session, pod_id, SavingsClaim.created_by != user, AT_FIRST_STEP
        )
    claims = [_claim_item(claim, request) for claim, request in rows]
    quarter = _quarter(pod, now)
    savings = kpis.pod_net_savings_of(
        quarter_savings(session, pod, pod_id, quarter, now),
        pod_target(session, pod_id, quarter),
        pod.currency,
        quarter,
        _today(pod, now),
    )
    # A breach is old once it has stood OLD_BREACH_HOURS working hours: due by the latest
    # instant that many working hours before now.
    due_by = _latest_start(pod.calendar, OLD_BREACH_HOURS, now)
    old, old_count = ([], 0) if due_by is None else _breaches(session, pod_id, now, due_by)
    quiet = tuple((a.customer, a.last) for a in quiet_accounts(session, pod_id, now))
    return EmHome(
        pod.name, str(quarter), tuple(claims), total, savings,
        tuple(old), old_count, pod.timezone, quiet,
        forecast=em_home_forecast(session, pod_id, LIST_CAP),
    )  # fmt: skip
