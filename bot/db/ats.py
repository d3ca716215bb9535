"""The ATS trend's rows (issue 35): the lines an account's ATS on the platform is summed from
(its contracts, sunset or not, and its offline purchases), the weekly snapshots written from
them (`take_snapshots`: once per account and ISO week, the unique key backing it) and read
back, and the offline purchases (`bot/db/offline.py`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.contracts import open_renewal_requests
from bot.db.models import Account, AtsSnapshot, Contract, OfflinePurchase
from bot.domain.ats_trend import (
    AtsLine,
    Source,
    is_sunset,
    line_of,
    line_record,
    platform_ats,
)
from bot.domain.renewals import match_key

__all__ = [
    "account_lines",
    "pod_accounts",
    "snapshots_of",
    "take_snapshots",
]


def pod_accounts(session: Session, pod_id: int) -> list[Account]:
    """The POD's accounts, by customer key."""
    return list(
        session.scalars(
            select(Account).where(Account.pod_id == pod_id).order_by(Account.customer_key)
        )
    )


def account_lines(
    session: Session, pod_id: int, accounts: Sequence[Account], today: date
) -> dict[int, list[AtsLine]]:
    """Each account's lines as of `today` (POD-local): its contracts in its currency by tool
    (sunset ones flagged) and its offline purchases."""
    requested = {match_key(r.customer, r.tool) for r in open_renewal_requests(session, pod_id)}
    by_key = {account.customer_key: account for account in accounts}
    lines: dict[int, list[AtsLine]] = {account.id: [] for account in accounts}
    contracts = session.scalars(
        select(Contract)
        .where(Contract.customer_key.in_(list(by_key)))
        .order_by(Contract.customer_key, Contract.tool_key)
    )
    for contract in contracts:
        account = by_key[contract.customer_key]
        if contract.currency != account.currency:
            continue  # another currency is not summed into the account's
        sunset = is_sunset(
            contract.renewal_date,
            today,
            (contract.customer_key, contract.tool_key) in requested
            or match_key(contract.customer, contract.tool) in requested,
        )
        lines[account.id].append(
            AtsLine(
                Source.CONTRACT,
                contract.tool,
                contract.annual_amount,
                sunset,
                contract.renewal_date,
            )
        )
    offline = session.scalars(
        select(OfflinePurchase)
        .where(OfflinePurchase.account_id.in_(list(lines)))
        .order_by(OfflinePurchase.account_id, OfflinePurchase.tool_key)
    )
    for purchase in offline:
        lines[purchase.account_id].append(
            AtsLine(Source.OFFLINE, purchase.tool, purchase.annual_amount)
        )
    return lines


def take_snapshots(
    session: Session, pod_id: int, week: str, today: date, now: datetime
) -> list[AtsSnapshot]:
    """Write this week's snapshot of each of the POD's accounts that has none yet; returns
    those written. Two writers of the same week: the unique key refuses the second."""
    accounts = pod_accounts(session, pod_id)
    done = set(
        session.scalars(
            select(AtsSnapshot.account_id).where(
                AtsSnapshot.week == week,
                AtsSnapshot.account_id.in_([a.id for a in accounts]),
            )
        )
    )
    wanted = [account for account in accounts if account.id not in done]
    lines = account_lines(session, pod_id, wanted, today)
    written = []
    for account in wanted:
        these = lines[account.id]
        row = AtsSnapshot(
            account_id=account.id,
            week=week,
            taken_on=today,
            platform_ats=platform_ats(these),
            account_ats=account.ats,
            currency=account.currency,
            lines=[line_record(line) for line in these],
            taken_at=now,
        )
        session.add(row)
        written.append(row)
    session.flush()
    return written


def snapshots_of(
    session: Session, account_ids: Iterable[int], weeks: Iterable[str]
) -> dict[tuple[int, str], tuple[AtsSnapshot, list[AtsLine]]]:
    """The snapshots of these accounts in these weeks, by (account id, week), with their
    lines read back."""
    ids, wanted = list(account_ids), list(weeks)
    if not ids or not wanted:
        return {}
    rows = session.scalars(
        select(AtsSnapshot).where(AtsSnapshot.account_id.in_(ids), AtsSnapshot.week.in_(wanted))
    )
    return {(row.account_id, row.week): (row, [line_of(r) for r in row.lines]) for row in rows}
