"""Seat usage (issue 34, item 3): `podbot import usage` as a use case — the snapshots upserted,
and the card of each open renewal request they are about refreshed (its usage line)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.actions import Work
from bot.db.models import Request
from bot.db.usage import import_usage
from bot.domain.events import UsageImported
from bot.domain.names import name_key
from bot.domain.usage import UsageRow
from bot.domain.vocabulary import OPEN_STAGES, RequestType


@dataclass(frozen=True)
class ImportUsage:
    rows: list[UsageRow]


@dataclass(frozen=True)
class UsageLoaded:
    inserted: int
    updated: int
    unchanged: int
    cards: int  # open renewal requests whose card is refreshed


def load_usage(work: Work, user: str, given: ImportUsage) -> UsageLoaded:
    """Upsert the file's snapshots; each open renewal request of a customer and tool whose
    snapshots changed gets its card refreshed."""
    session = work.session
    inserted, updated, unchanged = import_usage(session, given.rows, work.now)
    cards = 0
    if inserted or updated:
        keys = {(name_key(row.customer), name_key(row.tool)) for row in given.rows}
        customers = sorted({customer for customer, _tool in keys})
        found = session.execute(
            select(Request.id, Request.customer_key, Request.tool_key)
            .where(Request.kind == RequestType.RENEWAL.value)
            .where(Request.stage.in_([s.value for s in OPEN_STAGES]))
            .where(Request.customer_key.in_(customers))
            .order_by(Request.id)
        ).all()
        for request_id, customer_key, tool_key in found:
            if (customer_key, tool_key) in keys:
                work.record(UsageImported(request_id))
                cards += 1
    return UsageLoaded(inserted, updated, unchanged, cards)
