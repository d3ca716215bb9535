"""A customer's offline purchases (issue 35): recorded by `/proc offline` and by the contracts
file's `offline` rows, counted in the account's ATS on the platform (`bot/db/ats.py`)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Account, OfflinePurchase
from bot.domain.money import Money
from bot.domain.names import name_key

__all__ = ["record_offline"]


def record_offline(
    session: Session,
    account: Account,
    tool: str,
    amount: Money,
    note: str | None,
    by: str,
    now: datetime,
) -> tuple[OfflinePurchase, Decimal | None]:
    """Record (or update) the customer's offline purchase of a tool; returns it and the
    annual amount it had before (None: new)."""
    key = name_key(tool)
    row = session.scalars(
        select(OfflinePurchase)
        .where(OfflinePurchase.account_id == account.id, OfflinePurchase.tool_key == key)
        .with_for_update()
    ).one_or_none()
    before = row.annual_amount if row is not None else None
    if row is None:
        row = OfflinePurchase(account_id=account.id, tool=tool, tool_key=key)
        session.add(row)
    row.tool = tool
    row.annual_amount = amount.amount
    row.currency = amount.currency
    row.note = note
    row.recorded_at = now
    row.recorded_by = by
    session.flush()
    return row, before
