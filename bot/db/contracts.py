"""The SaaS stack in the database: contracts upserted by customer and tool, by `name_key`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import Contract, PodRow, Request
from bot.db.session import Database
from bot.domain.contracts import ContractRow, conversion_day
from bot.domain.money import Money
from bot.domain.names import name_key
from bot.domain.renewals import RequestItem
from bot.domain.vocabulary import OPEN_STAGES, RequestType

T = TypeVar("T")
Outcome = Literal["inserted", "updated", "unchanged"]


@dataclass(frozen=True)
class Terms:
    """Everything stored about one contract except its bookkeeping times."""

    pod_id: int
    customer: str
    tool: str
    annual_amount: Decimal
    currency: str
    renewal_date: date
    billing_cycle: str
    auto_renew: bool | None
    notice_days: int | None

    @property
    def amount(self) -> Money:
        """The annual amount as Money."""
        return Money(self.annual_amount, self.currency)


@dataclass(frozen=True)
class Saved:
    """What saving one row did, and the terms it replaced (None for a new contract)."""

    outcome: Outcome
    terms: Terms
    before: Terms | None


def open_renewal_requests(session: Session, pod_id: int) -> list[RequestItem]:
    """The POD's open renewal requests, oldest first: what its contracts are matched with (the
    Home's renewals, the renewal calendar, `/proc renewals`, the renewal reminders). Only the
    POD's own: another POD's request for the same customer and tool is not this POD's renewal,
    and must neither hide it nor show its key and stage here."""
    rows = session.execute(
        select(Request.id, Request.customer, Request.tool, Request.kind, Request.stage)
        .where(Request.pod_id == pod_id)
        .where(Request.kind == RequestType.RENEWAL.value)
        .where(Request.stage.in_([s.value for s in OPEN_STAGES]))
        .order_by(Request.id)
    ).all()
    return [RequestItem(r.id, r.customer, r.tool, r.kind, r.stage) for r in rows]


def pod_ids(session: Session, keys: Iterable[str]) -> dict[str, int]:
    """The database ids of the PODs with these config keys."""
    wanted = list(keys)
    found = session.execute(select(PodRow.key, PodRow.id).where(PodRow.key.in_(wanted)))
    return {key: pod_id for key, pod_id in found}


def find_contract(
    session: Session, customer: str, tool: str, *, for_update: bool = False
) -> Contract | None:
    """The contract for this customer and tool, compared the way the unique index compares."""
    query = select(Contract).where(
        Contract.customer_key == name_key(customer), Contract.tool_key == name_key(tool)
    )
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def upsert_contract(session: Session, row: ContractRow, pod_id: int, now: datetime) -> Saved:
    """Insert or update one contract; one identical to what is stored is not written at all."""
    contract = find_contract(session, row.customer, row.tool, for_update=True)
    before = _terms(contract) if contract is not None else None
    wanted = Terms(
        pod_id=pod_id,
        customer=row.customer,
        tool=row.tool,
        annual_amount=row.amount.amount,
        currency=row.amount.currency,
        renewal_date=row.renewal_date,
        billing_cycle=_stated(row, "billing_cycle", before),
        auto_renew=_stated(row, "auto_renew", before),
        notice_days=_stated(row, "notice_days", before),
    )
    if before == wanted:
        return Saved("unchanged", wanted, before)
    if contract is None:
        contract = Contract(created_at=now)
        session.add(contract)
    for name, value in vars(wanted).items():
        setattr(contract, name, value)
    contract.updated_at = now
    return Saved("inserted" if before is None else "updated", wanted, before)


def upsert_contracts(
    session: Session, rows: Iterable[ContractRow], pod_ids: Mapping[str, int], now: datetime
) -> tuple[int, int, int]:
    """Upsert every row in the caller's transaction; returns (inserted, updated, unchanged)."""
    counts: dict[Outcome, int] = {"inserted": 0, "updated": 0, "unchanged": 0}
    for row in rows:
        counts[upsert_contract(session, row, pod_ids[row.pod], now).outcome] += 1
    return counts["inserted"], counts["updated"], counts["unchanged"]


def saving_upserts(db: Database, work: Callable[[Session], T]) -> T:
    """Run `work` (an upsert of contracts, accounts or targets) in one transaction, once more if
    a concurrent insert took the same row."""
    try:
        with db.transaction() as session:
            return work(session)
    except IntegrityError:
        # Two writers inserted the same key (a customer and tool, a customer, a target): the
        # second attempt finds the row.
        with db.transaction() as session:
            return work(session)


def _terms(contract: Contract) -> Terms:
    return Terms(
        pod_id=contract.pod_id,
        customer=contract.customer,
        tool=contract.tool,
        annual_amount=contract.annual_amount,
        currency=contract.currency,
        renewal_date=contract.renewal_date,
        billing_cycle=contract.billing_cycle,
        auto_renew=contract.auto_renew,
        notice_days=contract.notice_days,
    )


def _stated(row: ContractRow, name: str, before: Terms | None) -> Any:
    """The row's value for an optional field, or the stored one when the row left it out."""
    if name in row.unstated and before is not None:
        return getattr(before, name)
    return getattr(row, name)


@dataclass(frozen=True)
class TermSaved:
    """What recording a won request's new term did to its contract."""

    saved: Saved
    converted: bool  # this term moved the contract from monthly to annual (counted once)


def save_term(
    session: Session, row: ContractRow, pod_id: int, now: datetime, today: date
) -> TermSaved:
    """Write a new term into the SaaS stack (update the contract, or create it) and record a
    monthly→annual conversion on `today`, the POD's local day, once per contract."""
    existing = find_contract(session, row.customer, row.tool, for_update=True)
    before_cycle = existing.billing_cycle if existing is not None else None
    already = existing.converted_on if existing is not None else None
    saved = upsert_contract(session, row, pod_id, now)
    contract = existing or find_contract(session, row.customer, row.tool)
    if contract is None:  # inserted just now, not flushed yet
        session.flush()
        contract = find_contract(session, row.customer, row.tool)
    assert contract is not None
    converted_on = conversion_day(before_cycle, saved.terms.billing_cycle, already, today)
    contract.converted_on = converted_on
    return TermSaved(saved, converted=already is None and converted_on is not None)
