"""Price intelligence (issue 34): an itemised quote (`/proc quote REQ-12 Crayon 120 seats ×
$14 annual`) logged like a one-line one, its line normalised to an annual price per unit and
placed among the POD's earlier deals; and `/proc benchmark` for a tool."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from dateutil.relativedelta import relativedelta
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.actions import Work, arguments
from bot.actions import requests as request_actions
from bot.actions.access import load_request
from bot.blocks.text import escape_mrkdwn
from bot.config import Config, Pod
from bot.db.benchmarks import band_figures, deals, itemised_tool
from bot.db.models import Quote, QuoteLine
from bot.db.rates import rate_on
from bot.domain.events import ThreadLine
from bot.domain.money import Money, format_money
from bot.domain.names import name_key
from bot.domain.pricing import (
    BANDS,
    RECENT_MONTHS,
    LineItem,
    PricingError,
    Rate,
    annual_total,
    annual_unit_price,
    band_label,
    band_of,
    benchmark_line,
    missing_rate,
    parse_line_item,
    unit_money,
)
from bot.errors import NotFound, Refusal


@dataclass(frozen=True)
class LogItemisedQuote:
    """`/proc quote REQ <vendor> <quantity> seats × <unit price> [cycle] [term] [plan]`:
    `rest` is what follows the request key; `args` the whole arguments ("Yes, log it")."""

    number: int
    rest: str
    args: str
    confirmed: bool = False


@dataclass(frozen=True)
class ItemisedQuoted:
    quoted: request_actions.Quoted
    benchmark: str  # the line's unit price and where it falls among the POD's deals


def since(now: datetime) -> datetime:
    """The start of the benchmarks' recency window."""
    return now - relativedelta(months=RECENT_MONTHS)


def quote_items(work: Work, user_id: str, given: LogItemisedQuote) -> ItemisedQuoted:
    """Log the quote (its amount the line's annual total) as `requests.quote` does, then its
    line item, and post where its annual unit price falls among the POD's earlier deals."""
    read: list[tuple[LineItem, Rate | None]] = []

    def vendor_and_total(pod: Pod) -> tuple[str, Money]:
        vendor, line = arguments(parse_line_item, given.rest, pod.currency)
        rate = None
        if line.unit_price.currency != pod.currency:
            # The rate on or before the quote's day (the POD's today).
            today = work.now.astimezone(pod.zone).date()
            rate = rate_on(work.session, line.unit_price.currency, pod.currency, today)
            if rate is None:
                raise Refusal(missing_rate(line.unit_price.currency, pod.currency, today))
        try:
            total = annual_total(line, pod.currency, rate)
        except PricingError as exc:
            raise Refusal(str(exc)) from None
        read.append((line, rate))
        return vendor, Money(total, pod.currency)

    ask = request_actions.LogQuote(given.number, vendor_and_total, given.args, given.confirmed)
    quoted = request_actions.quote(work, user_id, ask)
    session = work.session
    request, pod = load_request(session, work.config, given.number, for_update=False)
    line, rate = read[-1]
    unit = annual_unit_price(line, pod.currency, rate)
    band = band_of(line.quantity)
    plan_key = name_key(line.plan) if line.plan else None
    earlier = deals(
        session, pod.key, request.tool_key, plan_key, band, since(work.now), pod.currency
    )
    quote_id = session.scalar(
        select(Quote.id).where(Quote.request_id == request.id).order_by(Quote.id.desc()).limit(1)
    )
    assert quote_id is not None  # requests.quote just added it
    session.add(
        QuoteLine(
            quote_id=quote_id, request_id=request.id, plan=line.plan, plan_key=plan_key,
            quantity=line.quantity, unit_price=line.unit_price.amount,
            currency=line.unit_price.currency, cycle=line.cycle.value,
            term_months=line.term_months, annual_unit_price=unit, created_at=work.now,
        )
    )  # fmt: skip
    what = escape_mrkdwn(" ".join(part for part in (request.tool, line.plan) if part))
    text = benchmark_line(
        unit, [d.annual_unit_price for d in earlier], currency=pod.currency, unit="seat",
        what=what, band=band, min_deals=work.config.benchmark_min_deals,
    )  # fmt: skip
    if rate is not None:
        text += (
            f" (from {format_money(line.unit_price)}/{line.cycle.value} at {rate.rate} "
            f"{rate.currency}→{rate.to_currency} of {rate.day.isoformat()})"
        )
    work.record(ThreadLine(request.id, f":bar_chart: {text}"))
    return ItemisedQuoted(quoted, text)


def benchmark_answer(
    session: Session, config: Config, pod: Pod, words: str, seats: int | None, now: datetime
) -> str:
    """`/proc benchmark <tool> [plan] [seats]`: for each quantity band (or the seats' band),
    the POD's deals of the last 24 months: how many, median and best annual unit price, and
    who got the best one (customer and vendor: the reader is a member of this POD)."""
    # The longest leading words naming a tool with itemised quotes; the rest is the plan.
    parts = words.split()
    for cut in range(len(parts), 0, -1):
        tool_key = name_key(" ".join(parts[:cut]))
        tool = itemised_tool(session, pod.key, tool_key)
        if tool is not None:
            plan = " ".join(parts[cut:]) or None
            break
    else:
        raise NotFound(
            f"{pod.name} has no itemised quotes for {escape_mrkdwn(words)} yet; log one with "
            "`/proc quote REQ <vendor> <seats> seats × <unit price>`."
        )
    what = escape_mrkdwn(" ".join(p for p in (tool, plan) if p))
    plan_key = name_key(plan) if plan else None
    bands = [band_of(seats)] if seats is not None else list(BANDS)
    lines = [f":bar_chart: *{what}* per-seat prices in {escape_mrkdwn(pod.name)}, last "
             f"{RECENT_MONTHS} months (annual, {pod.currency}):"]  # fmt: skip
    figures = band_figures(session, pod.key, tool_key, plan_key, bands, since(now), pod.currency)
    for band in bands:
        found = figures.get(band)
        count = found.deals if found is not None else 0
        at = f"{band_label(band)} seats"
        if found is None or count < config.benchmark_min_deals:
            lines.append(
                f"• {at}: only {count} deal{'s' if count != 1 else ''} (a benchmark "
                f"needs {config.benchmark_min_deals})"
            )
            continue
        best = found.best
        lines.append(
            f"• {at}: {count} deals · median {unit_money(found.median, pod.currency)} · "
            f"best {unit_money(best.annual_unit_price, pod.currency)} "
            f"({escape_mrkdwn(best.customer)}, {best.quantity} seats via "
            f"{escape_mrkdwn(best.vendor)})"
        )
    return "\n".join(lines)
