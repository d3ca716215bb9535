"""Customer updates in the database (issue 32): the facts an account's update says, read in one
session (`update_facts`), the drafts (`customer_updates`), and which accounts have gone quiet."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import (
    Account,
    Contract,
    CustomerUpdate,
    Hold,
    ProcurementStep,
    Request,
    SavingsClaim,
)
from bot.db.savings import effective_claim
from bot.domain.customer_update import (
    QUIET_DAYS,
    RENEWAL_DAYS,
    SENT_STATUSES,
    ClosedItem,
    OpenItem,
    RenewalItem,
    UpdateFacts,
    UpdateStatus,
    WaitingItem,
    decision_day,
)
from bot.domain.dates import add_days
from bot.domain.holds import HoldParty
from bot.domain.money import Money
from bot.domain.procurement import step_words
from bot.domain.vocabulary import FINISHED_STAGES, OPEN_STAGES, ClaimKind, Outcome, Stage


def last_sent(session: Session, account_id: int) -> CustomerUpdate | None:
    """The account's last update sent (emailed or marked sent), or None."""
    return session.scalars(
        select(CustomerUpdate)
        .where(
            CustomerUpdate.account_id == account_id,
            CustomerUpdate.status.in_([s.value for s in SENT_STATUSES]),
        )
        .order_by(CustomerUpdate.sent_at.desc(), CustomerUpdate.id.desc())
        .limit(1)
    ).first()


def last_sent_by_account(session: Session, account_ids: Iterable[int]) -> dict[int, datetime]:
    """When each of these accounts last had an update sent (absent: never)."""
    ids = list(account_ids)
    if not ids:
        return {}
    rows = session.execute(
        select(CustomerUpdate.account_id, func.max(CustomerUpdate.sent_at))
        .where(
            CustomerUpdate.account_id.in_(ids),
            CustomerUpdate.status.in_([s.value for s in SENT_STATUSES]),
        )
        .group_by(CustomerUpdate.account_id)
    ).all()
    return {account_id: at for account_id, at in rows if at is not None}


@dataclass(frozen=True)
class QuietAccount:
    customer: str
    last: datetime | None  # the last update sent; None: never


def quiet_accounts(session: Session, pod_id: int, now: datetime) -> list[QuietAccount]:
    """The POD's handed-over accounts with no update sent for `QUIET_DAYS` days (handed over
    at least that long ago), by customer."""
    accounts = list(
        session.scalars(
            select(Account)
            .where(Account.pod_id == pod_id, Account.handover.is_not(None))
            .order_by(Account.customer_key)
        )
    )
    sent = last_sent_by_account(session, [a.id for a in accounts])
    cutoff = now - timedelta(days=QUIET_DAYS)
    quiet = []
    for account in accounts:
        last = sent.get(account.id)
        handover = account.handover
        assert handover is not None
        if last is None and (now.date() - handover).days < QUIET_DAYS:
            continue
        if last is None or last <= cutoff:
            quiet.append(QuietAccount(account.customer, last))
    return quiet


def update_facts(
    session: Session,
    account: Account,
    now: datetime,
    timezone: str,
    config_weeks: dict[str, tuple[int, int]],
    signature: str,
) -> UpdateFacts:
    """What the account's update says as of `now` (days in the POD's `timezone`)."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()

    def local(at: datetime) -> date:
        return at.astimezone(zone).date()

    previous = last_sent(session, account.id)
    since = local(previous.sent_at) if previous is not None and previous.sent_at else None
    requests = list(
        session.scalars(
            select(Request)
            .where(Request.pod_id == account.pod_id, Request.customer_key == account.customer_key)
            .order_by(Request.id)
        )
    )
    ids = [r.id for r in requests]
    saved = _saved(session, ids, account.currency)
    by_request = _claims_by_request(session, ids, account.currency)
    steps = _open_steps(session, ids)
    holds = {
        hold.request_id: hold
        for hold in session.scalars(
            select(Hold).where(
                Hold.request_id.in_(ids),
                Hold.ended_at.is_(None),
                Hold.party == HoldParty.CUSTOMER.value,
            )
        )
    }
    open_items, waiting, closed = [], [], []
    window_start = since or add_days(today, -14)
    for request in requests:
        stage = Stage(request.stage)
        if stage in OPEN_STAGES:
            step = steps.get(request.id)
            next_date: date | None = None
            if stage == Stage.NEGOTIATING and step is not None:
                weeks = config_weeks.get(step.stage, (1, 2))
                next_date = add_days(local(step.started_at), 7 * weeks[1])
            elif stage == Stage.NEGOTIATING and request.tat_due_at is not None:
                next_date = local(request.tat_due_at)
            words = step_words(step.stage) if step is not None else None
            open_items.append(OpenItem(request.tool, stage, words, next_date))
            if stage == Stage.INTAKE and request.preapproved_at is not None:
                waiting.append(WaitingItem(request.tool, True, local(request.preapproved_at)))
            elif request.id in holds:
                waiting.append(
                    WaitingItem(request.tool, False, local(holds[request.id].started_at))
                )
        elif stage in FINISHED_STAGES:
            # A disqualified request has no close: its last change is when it was.
            on = local(request.closed_at or request.updated_at)
            if on >= window_start:
                outcome = Outcome(request.outcome) if request.outcome else None
                amount = by_request.get(request.id)
                money = Money(amount, account.currency) if amount else None
                closed.append(ClosedItem(request.tool, stage, outcome, on, money))
    renewals = [
        RenewalItem(c.tool, c.renewal_date, decision_day(c.renewal_date, c.notice_days))
        for c in session.scalars(
            select(Contract)
            .where(
                Contract.customer_key == account.customer_key,
                Contract.renewal_date >= today,
                Contract.renewal_date <= add_days(today, RENEWAL_DAYS),
            )
            .order_by(Contract.renewal_date, Contract.tool_key)
        )
    ]
    return UpdateFacts(
        customer=account.customer,
        as_of=today,
        saved=Money(saved, account.currency),
        msg=Money(account.msg, account.currency) if account.msg is not None else None,
        since=since,
        open=tuple(open_items),
        waiting=tuple(waiting),
        renewals=tuple(renewals),
        closed=tuple(sorted(closed, key=lambda item: (item.on, item.tool))),
        signature=signature,
    )


def _saved(session: Session, ids: list[int], currency: str) -> Decimal:
    if not ids:
        return Decimal(0)
    total = session.scalar(
        select(func.sum(SavingsClaim.baseline - SavingsClaim.final)).where(
            SavingsClaim.request_id.in_(ids),
            SavingsClaim.kind == ClaimKind.SAVINGS.value,
            SavingsClaim.currency == currency,
            effective_claim(),
        )
    )
    return Decimal(total or 0)


def _claims_by_request(session: Session, ids: list[int], currency: str) -> dict[int, Decimal]:
    if not ids:
        return {}
    rows = session.execute(
        select(SavingsClaim.request_id, func.sum(SavingsClaim.baseline - SavingsClaim.final))
        .where(
            SavingsClaim.request_id.in_(ids),
            SavingsClaim.currency == currency,
            effective_claim(),
        )
        .group_by(SavingsClaim.request_id)
    ).all()
    return {request_id: Decimal(total or 0) for request_id, total in rows}


def _open_steps(session: Session, ids: list[int]) -> dict[int, ProcurementStep]:
    """Each request's latest procurement step not done."""
    found: dict[int, ProcurementStep] = {}
    if not ids:
        return found
    for step in session.scalars(
        select(ProcurementStep)
        .where(ProcurementStep.request_id.in_(ids), ProcurementStep.done_at.is_(None))
        .order_by(ProcurementStep.id)
    ):
        found[step.request_id] = step
    return found


def other_customers(session: Session, account: Account) -> list[str]:
    """Every other account's customer name (for the wording check)."""
    return list(session.scalars(select(Account.customer).where(Account.id != account.id)))


def add_update(
    session: Session,
    account: Account,
    *,
    period: date,
    since: date | None,
    subject: str,
    text: str,
    html: str,
    recipients: list[str],
    by: str,
    now: datetime,
) -> CustomerUpdate:
    row = CustomerUpdate(
        account_id=account.id,
        period=period,
        since=since,
        subject=subject,
        body_text=text,
        body_html=html,
        recipients=", ".join(recipients),
        status=UpdateStatus.DRAFTED.value,
        drafted_at=now,
        drafted_by=by,
    )
    session.add(row)
    session.flush()
    return row


def locked_update(session: Session, update_id: int) -> CustomerUpdate | None:
    """The update, locked for the transaction (on PostgreSQL; SQLite has one writer)."""
    return session.scalars(
        select(CustomerUpdate).where(CustomerUpdate.id == update_id).with_for_update()
    ).one_or_none()
