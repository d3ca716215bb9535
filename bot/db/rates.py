"""Dated exchange rates (issue 34, item 1): `podbot import rates` upserts them by currency pair
and day; an itemised quote in another currency reads the rate on or before its day."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import ExchangeRateRow
from bot.domain.pricing import Rate


def import_rates(session: Session, rows: list[Rate], now: datetime) -> tuple[int, int, int]:
    """Upsert a rates file by currency pair and day, in the caller's transaction:
    (new, updated, unchanged). Other days are kept."""
    inserted = updated = unchanged = 0
    for row in rows:
        found = session.scalars(
            select(ExchangeRateRow).where(
                ExchangeRateRow.currency == row.currency,
                ExchangeRateRow.to_currency == row.to_currency,
                ExchangeRateRow.day == row.day,
            )
        ).first()
        if found is not None and found.rate == row.rate:
            unchanged += 1
            continue
        if found is None:
            found = ExchangeRateRow(currency=row.currency, to_currency=row.to_currency, day=row.day)
            session.add(found)
            inserted += 1
        else:
            updated += 1
        found.rate = row.rate
        found.imported_at = now
        session.flush()
    return inserted, updated, unchanged


def rate_on(session: Session, currency: str, to_currency: str, day: date) -> Rate | None:
    """The latest rate from `currency` to `to_currency` on or before `day`, if any."""
    found = session.execute(
        select(ExchangeRateRow.day, ExchangeRateRow.rate)
        .where(
            ExchangeRateRow.currency == currency,
            ExchangeRateRow.to_currency == to_currency,
            ExchangeRateRow.day <= day,
        )
        .order_by(ExchangeRateRow.day.desc())
        .limit(1)
    ).first()
    return Rate(found[0], currency, to_currency, found[1]) if found is not None else None
