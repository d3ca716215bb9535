"""Reads for the per-unit benchmarks (issue 34): the annual unit prices of a POD's itemised
quotes for a tool (and plan), in a quantity band, since a given instant."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, String, case, func, literal, or_, select, type_coerce, union_all
from sqlalchemy.orm import Session

from bot.db.models import Contract, PodRow, Quote, QuoteLine, Request
from bot.db.types import MoneyAmount
from bot.domain.pricing import BANDS, median

# Who a contract's deal was bought through, as `/proc benchmark` names a best deal's vendor.
CONTRACT_VENDOR = "its contract"


@dataclass(frozen=True)
class Deal:
    """One earlier itemised line: its annual unit price, quantity, customer and vendor."""

    annual_unit_price: Decimal
    quantity: int
    customer: str
    vendor: str
    plan: str | None


def deals(
    session: Session,
    pod_key: str,
    tool_key: str,
    plan_key: str | None,
    band: tuple[int, int | None],
    since: datetime,
    currency: str,
    *,
    excluding_request: int | None = None,
) -> list[Deal]:
    """The POD's itemised quote lines for the tool (and plan, when given) in the quantity band,
    created at or after `since`, whose quote was logged in the POD's currency (a line in
    another currency was converted at the day's rate), cheapest first; without
    `excluding_request`'s own lines (a claim's final price is not compared with its quotes)."""
    low, high = band
    query = (
        select(
            QuoteLine.annual_unit_price,
            QuoteLine.quantity,
            Request.customer,
            Quote.vendor,
            QuoteLine.plan,
        )
        .join(Request, Request.id == QuoteLine.request_id)
        .join(Quote, Quote.id == QuoteLine.quote_id)
        .join(PodRow, PodRow.id == Request.pod_id)
        .where(
            PodRow.key == pod_key,
            Request.tool_key == tool_key,
            QuoteLine.quantity >= low,
            QuoteLine.created_at >= since,
            Quote.currency == currency,  # the quote's annual total: in the POD's currency
        )
        .order_by(QuoteLine.annual_unit_price, QuoteLine.id)
    )
    if high is not None:
        query = query.where(QuoteLine.quantity <= high)
    if plan_key is not None:
        query = query.where(QuoteLine.plan_key == plan_key)
    if excluding_request is not None:
        query = query.where(QuoteLine.request_id != excluding_request)
    return [Deal(*row) for row in session.execute(query)]


@dataclass(frozen=True)
class Seats:
    """What a request's price is for: a quantity of seats (of a plan)."""

    quantity: int
    plan: str | None


def request_seats(session: Session, request: Request) -> Seats | None:
    """The seats a request's final price pays for: its latest itemised quote line's quantity
    and plan, else its customer's contract's seats for the tool (`contracts.seats`); None
    when neither says."""
    line = session.execute(
        select(QuoteLine.quantity, QuoteLine.plan)
        .where(QuoteLine.request_id == request.id)
        .order_by(QuoteLine.id.desc())
        .limit(1)
    ).first()
    if line is not None:
        return Seats(line.quantity, line.plan)
    contract = session.execute(
        select(Contract.seats, Contract.plan).where(
            Contract.customer_key == request.customer_key,
            Contract.tool_key == request.tool_key,
            Contract.seats.is_not(None),
        )
    ).first()
    if contract is None or contract.seats is None:
        return None
    return Seats(contract.seats, contract.plan)


@dataclass(frozen=True)
class BandFigures:
    """A quantity band's deals summed up: how many, the median annual unit price, the best deal."""

    band: tuple[int, int | None]
    deals: int
    median: Decimal
    best: Deal


def band_figures(
    session: Session,
    pod_key: str,
    tool_key: str,
    plan_key: str | None,
    bands: list[tuple[int, int | None]],
    since: datetime,
    currency: str,
) -> dict[tuple[int, int | None], BandFigures]:
    """For each of `bands` (of `BANDS`) with a deal, what `deals` would give summed up — the
    count, the median and the cheapest deal (first by price, then by line) — worked out in
    SQL: each band's lines are numbered by price in a window, and only the first and the
    middle one or two come back, so the answer reads a few rows however long the history.
    A contract of the tool (and plan) with seats, in the POD's currency and written since
    `since`, is a deal too: its annual amount ÷ its seats, to the cent, "via its contract"."""
    pod_id = select(PodRow.id).where(PodRow.key == pod_key).scalar_subquery()

    def band_no(quantity: Any) -> Any:
        return case(
            *((quantity <= high, i) for i, (_low, high) in enumerate(BANDS) if high),
            else_=len(BANDS) - 1,
        )

    lines = (
        select(
            QuoteLine.id,
            QuoteLine.annual_unit_price.label("price"),
            QuoteLine.quantity,
            Request.customer,
            Quote.vendor,
            QuoteLine.plan,
            band_no(QuoteLine.quantity).label("band"),
        )
        .join(Request, Request.id == QuoteLine.request_id)
        .join(Quote, Quote.id == QuoteLine.quote_id)
        .where(
            Request.pod_id == pod_id,
            Request.tool_key == tool_key,
            QuoteLine.created_at >= since,
            Quote.currency == currency,
        )
    )
    # In cents, rounded half up as `final_unit_price` rounds: ⌊(2a + s) / 2s⌋.
    cents = type_coerce(Contract.annual_amount, BigInteger)
    price = type_coerce((2 * cents + Contract.seats) // (2 * Contract.seats), MoneyAmount())
    contracts = select(
        -Contract.id,  # after no line of the same price (ids apart from the lines')
        price.label("price"),
        Contract.seats,
        Contract.customer,
        literal(CONTRACT_VENDOR, String),
        Contract.plan,
        band_no(Contract.seats),
    ).where(
        Contract.pod_id == pod_id,
        Contract.tool_key == tool_key,
        Contract.seats.is_not(None),
        Contract.updated_at >= since,
        Contract.currency == currency,
    )
    if plan_key is not None:
        lines = lines.where(QuoteLine.plan_key == plan_key)
        contracts = contracts.where(Contract.plan_key == plan_key)
    if len(bands) == 1:
        low, high = bands[0]
        lines = lines.where(QuoteLine.quantity >= low)
        contracts = contracts.where(Contract.seats >= low)
        if high is not None:
            lines = lines.where(QuoteLine.quantity <= high)
            contracts = contracts.where(Contract.seats <= high)
    inner = union_all(lines, contracts).subquery()
    ranked = select(
        inner,
        func.row_number()
        .over(partition_by=inner.c.band, order_by=(inner.c.price, inner.c.id))
        .label("n"),
        func.count().over(partition_by=inner.c.band).label("total"),
    ).subquery()
    n, total = ranked.c.n, ranked.c.total
    # The first row, and the middle one (odd count: 2n = total + 1) or two (2n = total, + 2).
    rows = session.execute(
        select(ranked).where(or_(n == 1, 2 * n == total, 2 * n == total + 1, 2 * n == total + 2))
    ).all()
    figures: dict[tuple[int, int | None], BandFigures] = {}
    for i, band in enumerate(BANDS):
        mine = sorted((r for r in rows if r.band == i), key=lambda r: int(r.n))
        if band not in bands or not mine:
            continue
        first = mine[0]
        middle = [r.price for r in mine if 2 * r.n >= r.total]
        best = Deal(first.price, first.quantity, first.customer, first.vendor, first.plan)
        figures[band] = BandFigures(band, int(first.total), median(middle), best)
    return figures


def itemised_tool(session: Session, pod_key: str, tool_key: str) -> str | None:
    """The tool as the POD's latest request for it with an itemised quote spells it; None when
    it has none: one indexed lookup (the tool's requests, newest first, until one has a line)."""
    return session.scalar(
        select(Request.tool)
        .where(
            Request.pod_id == select(PodRow.id).where(PodRow.key == pod_key).scalar_subquery(),
            Request.tool_key == tool_key,
            select(QuoteLine.id).where(QuoteLine.request_id == Request.id).exists(),
        )
        .order_by(Request.id.desc())
        .limit(1)
    )
