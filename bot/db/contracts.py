"""The SaaS stack in the database: contracts upserted by customer and tool, by `name_key`."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal, TypeVar

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.db.models import Account, Contract, OfflinePurchase, PodRow, Request
from bot.db.offline import record_offline
from bot.db.session import Database
from bot.domain.contracts import ContractRow, conversion_day
from bot.domain.csv_table import RowError, RowsRefused
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
    seats: int | None = None
    plan: str | None = None

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
    wanted = _wanted(row, pod_id, before)
    if before == wanted:
        return Saved("unchanged", wanted, before)
    if contract is None:
        contract = Contract(created_at=now)
        session.add(contract)
    for name, value in vars(wanted).items():
        setattr(contract, name, value)
    contract.plan_key = _plan_key(wanted.plan)
    contract.updated_at = now
    return Saved("inserted" if before is None else "updated", wanted, before)


@dataclass(frozen=True)
class Changes:
    """What upserting a file's rows writes: the rows that insert or change something, and
    the parameters of the INSERT and the UPDATE that write them."""

    rows: list[Any]
    inserts: list[dict[str, Any]]
    updates: list[dict[str, Any]]
    # The contracts file's offline purchases (issue 35) that change something: (row, account).
    offline: list[tuple[ContractRow, Account]] = field(default_factory=list)

    def write(self, session: Session, table: Table, update_one: Any) -> tuple[int, int]:
        """One INSERT of the new rows and one UPDATE (by `row_id`) of the changed ones;
        returns (inserted, updated)."""
        if self.inserts:
            session.connection().execute(insert(table), self.inserts)
        if self.updates:
            session.connection().execute(update_one, self.updates)
        return len(self.inserts), len(self.updates)


def contract_changes(
    session: Session, rows: Iterable[ContractRow], pod_ids: Mapping[str, int], now: datetime,
    *, for_update: bool = True,
) -> Changes:  # fmt: skip
    """Which rows would insert or change a contract, the stored contracts of the file's
    customers read 500 customers a query (locked on PostgreSQL `for_update`)."""
    rows = list(rows)
    offline = [row for row in rows if row.offline]
    rows = [row for row in rows if not row.offline]
    customers = {name_key(row.customer) for row in rows}
    stored = {
        (found.customer_key, found.tool_key): found
        for found in bulk_rows(session, _CONTRACTS.c.customer_key, customers, for_update)
    }
    changes = Changes([], [], [])
    for row in rows:
        keys = {"customer_key": name_key(row.customer), "tool_key": name_key(row.tool)}
        found = stored.get((keys["customer_key"], keys["tool_key"]))
        before = _terms(found) if found is not None else None
        wanted = _wanted(row, pod_ids[row.pod], before)
        plan_key = {"plan_key": _plan_key(wanted.plan)}
        if found is None:
            changes.inserts.append(
                vars(wanted) | keys | plan_key | {"created_at": now, "updated_at": now}
            )
        elif before != wanted:
            changes.updates.append(
                vars(wanted) | plan_key | {"row_id": found.id, "updated_at": now}
            )
        else:
            continue
        changes.rows.append(row)
    for row, account in _offline_changes(session, offline):
        changes.offline.append((row, account))
        changes.rows.append(row)
    return changes


def _offline_changes(
    session: Session, rows: list[ContractRow]
) -> list[tuple[ContractRow, Account]]:
    """The offline rows that insert or change an offline purchase, with their accounts;
    RowsRefused naming each row whose customer has no account (or another currency)."""
    if not rows:
        return []
    accounts = {
        a.customer_key: a
        for a in session.scalars(
            select(Account).where(Account.customer_key.in_({name_key(r.customer) for r in rows}))
        )
    }
    stored = {
        (p.account_id, p.tool_key): p
        for p in session.scalars(
            select(OfflinePurchase).where(
                OfflinePurchase.account_id.in_([a.id for a in accounts.values()])
            )
        )
    }
    errors: list[RowError] = []
    changed: list[tuple[ContractRow, Account]] = []
    for row in rows:
        account = accounts.get(name_key(row.customer))
        if account is None:
            errors.append(
                RowError(row.line, f"{row.customer} has no account: an offline purchase is "
                         "recorded on the customer's account; import the account first.")
            )  # fmt: skip
            continue
        if row.amount.currency != account.currency:
            errors.append(
                RowError(row.line, f"{row.customer}'s figures are in {account.currency}; "
                         f"the offline purchase is in {row.amount.currency}.")
            )  # fmt: skip
            continue
        found = stored.get((account.id, name_key(row.tool)))
        if found is None or found.annual_amount != row.amount.amount or found.tool != row.tool:
            changed.append((row, account))
    if errors:
        raise RowsRefused(errors)
    return changed


def upsert_contracts(
    session: Session, rows: Iterable[ContractRow], pod_ids: Mapping[str, int], now: datetime
) -> tuple[int, int, int]:
    """Upsert every row in the caller's transaction; returns (inserted, updated, unchanged).

    In bulk, so that the transaction holds SQLite's writer lock briefly (10,000 rows one by
    one held it for seconds, stalling the serving bot): the stored contracts read in a few
    queries, then one INSERT and one UPDATE."""
    rows = list(rows)
    changes = contract_changes(session, rows, pod_ids, now)
    inserted, updated = changes.write(session, _CONTRACTS, _UPDATE_CONTRACT)
    for row, account in changes.offline:
        _, before = record_offline(session, account, row.tool, row.amount, None, "import", now)
        inserted, updated = (inserted + 1, updated) if before is None else (inserted, updated + 1)
    return inserted, updated, len(rows) - inserted - updated


_CONTRACTS = Contract.__table__
_UPDATE_CONTRACT = update(_CONTRACTS).where(_CONTRACTS.c.id == bindparam("row_id"))


def bulk_rows(session: Session, column: Any, values: Iterable[Any], for_update: bool) -> list[Any]:
    """Every row of `column`'s table whose `column` is one of `values`, 500 values a query;
    locked for the transaction on PostgreSQL `for_update` (as the upsert of one row locks
    what it read)."""
    wanted = sorted(values)
    found: list[Any] = []
    for start in range(0, len(wanted), 500):
        query = select(column.table).where(column.in_(wanted[start : start + 500]))
        if for_update:
            query = query.with_for_update()
        found += session.connection().execute(query).all()
    return found


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


def _wanted(row: ContractRow, pod_id: int, before: Terms | None) -> Terms:
    """What the row says the contract is (its optional fields as stored when left out)."""
    return Terms(
        pod_id=pod_id,
        customer=row.customer,
        tool=row.tool,
        annual_amount=row.amount.amount,
        currency=row.amount.currency,
        renewal_date=row.renewal_date,
        billing_cycle=_stated(row, "billing_cycle", before),
        auto_renew=_stated(row, "auto_renew", before),
        notice_days=_stated(row, "notice_days", before),
        seats=row.seats if row.line_stated or before is None else before.seats,
        plan=row.plan if row.line_stated or before is None else before.plan,
    )


def _terms(contract: Any) -> Terms:
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
        seats=contract.seats,
        plan=contract.plan,
    )


def _plan_key(plan: str | None) -> str | None:
    """A contract's plan as compared with quote lines' (`QuoteLine.plan_key`)."""
    return name_key(plan) if plan else None


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
