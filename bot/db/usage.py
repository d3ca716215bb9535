"""Seat usage snapshots (issue 34, item 3): `podbot import usage` upserts them by customer,
tool and day (every day kept), and a renewal reads the latest."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import UsageSnapshot
from bot.domain.names import name_key
from bot.domain.usage import Usage, UsageRow


def import_usage(session: Session, rows: list[UsageRow], now: datetime) -> tuple[int, int, int]:
    """Upsert a usage file's snapshots by customer, tool (as names compare) and day, in the
    caller's transaction: (new, updated, unchanged). Other days are kept: the history."""
    inserted = updated = unchanged = 0
    for row in rows:
        found = session.scalars(
            select(UsageSnapshot).where(
                UsageSnapshot.customer_key == name_key(row.customer),
                UsageSnapshot.tool_key == name_key(row.tool),
                UsageSnapshot.as_of == row.usage.as_of,
            )
        ).first()
        seats = (row.usage.assigned, row.usage.active)
        if found is not None and (found.seats_assigned, found.seats_active) == seats:
            unchanged += 1
            continue
        if found is None:
            found = UsageSnapshot(customer=row.customer, tool=row.tool, as_of=row.usage.as_of)
            session.add(found)
            inserted += 1
        else:
            updated += 1
        found.seats_assigned, found.seats_active = seats
        found.imported_at = now
        session.flush()
    return inserted, updated, unchanged


def latest_usage(session: Session, customer: str, tool: str) -> Usage | None:
    """The customer's latest snapshot of the tool (names compared as names are), if any."""
    found = session.execute(
        select(UsageSnapshot.as_of, UsageSnapshot.seats_assigned, UsageSnapshot.seats_active)
        .where(
            UsageSnapshot.customer_key == name_key(customer),
            UsageSnapshot.tool_key == name_key(tool),
        )
        .order_by(UsageSnapshot.as_of.desc())
        .limit(1)
    ).first()
    return Usage(found[0], found[1], found[2]) if found is not None else None
