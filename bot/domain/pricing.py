"""Price intelligence (issue 34): a quote's line items, each normalised to an annual price per
unit in the POD's currency, and where a unit price falls among the POD's earlier deals."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from bot.domain.csv_table import RowError, read_table
from bot.domain.grammar import GrammarError, date_refusal, plain_name, strict_date
from bot.domain.money import ISO_4217_CODES, AmountError, Money, format_money, parse_amount


class PricingError(GrammarError):
    """A line item that cannot be read or normalised: one sentence saying why."""


class Cycle(StrEnum):
    """What one unit price covers: a month, a year, or the whole term (prepaid)."""

    MONTHLY = "monthly"
    ANNUAL = "annual"
    TERM = "term"


@dataclass(frozen=True)
class LineItem:
    """One quoted line: `quantity` units (seats) of `plan` at `unit_price` per `cycle`, for a
    term of `term_months`."""

    quantity: int
    unit_price: Money
    cycle: Cycle = Cycle.ANNUAL
    term_months: int = 12
    plan: str | None = None


_CENT = Decimal("0.01")

# Quantity bands the benchmarks compare within (lower, upper inclusive; None: no upper bound).
BANDS: tuple[tuple[int, int | None], ...] = ((1, 49), (50, 249), (250, None))
RECENT_MONTHS = 24


def band_of(quantity: int) -> tuple[int, int | None]:
    """The quantity band a line's quantity falls in."""
    return next(b for b in BANDS if quantity >= b[0] and (b[1] is None or quantity <= b[1]))


def band_label(band: tuple[int, int | None]) -> str:
    low, high = band
    return f"{low}+" if high is None else f"{low}–{high}"


@dataclass(frozen=True)
class Rate:
    """One unit of `currency` is `rate` of `to_currency` on `day` (`podbot import rates`)."""

    day: date
    currency: str
    to_currency: str
    rate: Decimal


def missing_rate(currency: str, to_currency: str, day: date) -> str:
    """The refusal of a line item in a currency with no rate to convert it on `day`."""
    return (
        f"podbot has no {currency} to {to_currency} rate on or before {day.isoformat()}, so "
        f"this line item cannot be compared with the POD's {to_currency} prices; import one "
        f"with `podbot import rates`, or give the unit price in {to_currency}."
    )


def annual_unit_price(line: LineItem, currency: str, rate: Rate | None = None) -> Decimal:
    """The line's price per unit per year in `currency` (the POD's), to the cent. A line in
    another currency is converted at `rate` (the rate on or before the quote's day), and
    refused without one rather than guessed."""
    price = line.unit_price.amount
    if line.unit_price.currency != currency:
        if rate is None or (rate.currency, rate.to_currency) != (
            line.unit_price.currency,
            currency,
        ):
            raise PricingError(
                f"podbot has no {line.unit_price.currency} to {currency} rate, so this line "
                f"item cannot be compared with the POD's {currency} prices; import one with "
                f"`podbot import rates`, or give the unit price in {currency}."
            )
        price = price * rate.rate
    if line.quantity < 1:
        raise PricingError("A line item needs a quantity of at least 1.")
    if line.term_months < 1:
        raise PricingError("A line item's term must be at least 1 month.")
    if line.cycle is Cycle.MONTHLY:
        price = price * 12
    elif line.cycle is Cycle.TERM:
        price = price * 12 / Decimal(line.term_months)
    return price.quantize(_CENT, rounding=ROUND_HALF_UP)


def annual_total(line: LineItem, currency: str, rate: Rate | None = None) -> Decimal:
    """What the line costs a year: quantity × the annual unit price."""
    return annual_unit_price(line, currency, rate) * line.quantity


def percentile(price: Decimal, sample: list[Decimal]) -> int:
    """Where `price` falls in `sample`, 0 (cheapest) to 100 (dearest): the share of the other
    deals it is dearer than, ties split. A price at the sample's minimum is 0, at its maximum
    100 (when the sample has two or more distinct prices)."""
    below = sum(1 for p in sample if p < price)
    above = sum(1 for p in sample if p > price)
    if below + above == 0:
        return 50
    share = Decimal(100 * below) / Decimal(below + above)
    return int(share.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def unit_money(amount: Decimal, currency: str) -> str:
    """A unit price with its cents: `$14.00`."""
    text = format_money(Money(amount.quantize(Decimal("0.01"), ROUND_HALF_UP), currency))
    return text if "." in text else f"{text}.00"


def benchmark_line(
    price: Decimal,
    sample: list[Decimal],
    *,
    currency: str,
    unit: str,
    what: str,
    band: tuple[int, int | None],
    min_deals: int,
) -> str:
    """`$14.00/seat/yr · 35th percentile of 18 Figma Professional deals at 50–249 seats; best
    $11.20`, or, with fewer than `min_deals` deals to compare with, a sentence saying so."""
    shown = f"{unit_money(price, currency)}/{unit}/yr"
    deals = f"deal{'s' if len(sample) != 1 else ''}"
    at = f"at {band_label(band)} {unit}s"
    if len(sample) < min_deals:
        return (
            f"{shown} · only {len(sample)} earlier {what} {deals} {at} in the last "
            f"{RECENT_MONTHS} months (a benchmark needs {min_deals}), so no percentile yet"
        )
    best = unit_money(min(sample), currency)
    return (
        f"{shown} · {ordinal(percentile(price, sample))} percentile of {len(sample)} {what} "
        f"{deals} {at}; best {best}"
    )


def final_unit_price(final: Decimal, quantity: int) -> Decimal:
    """A claim's final (annual) price per seat: the final amount ÷ the seats, to the cent."""
    if quantity < 1:
        raise PricingError("A line item needs a quantity of at least 1.")
    return (final / Decimal(quantity)).quantize(_CENT, rounding=ROUND_HALF_UP)


# --- the itemised `/proc quote` form -------------------------------------------------------

_ITEMISED = re.compile(
    r"^(?P<vendor>.+?)\s+(?P<qty>\d[\d,]*)\s*(?P<unit>seats?|units?|users?|licen[cs]es?)?"
    r"\s*[×xX*]\s*(?P<rest>\S.*)$",
    re.DOTALL,
)
_PER = re.compile(
    r"(/\s*(mo|month|yr|year)\b|\bper\s+(month|year|seat\s+per\s+(month|year))\b"
    r"|\b(monthly|annual|annually|yearly|a\s+month|a\s+year|upfront|prepaid)\b)",
    re.IGNORECASE,
)
_TERM = re.compile(
    r"\b(?P<n>\d{1,3})[\s-]*(?P<what>months?|mo|years?|yrs?|y)\s*(term)?\b", re.IGNORECASE
)


def looks_itemised(rest: str) -> bool:
    """Whether `<vendor> …` after the request key is the itemised form (`120 seats × $14`)."""
    return _ITEMISED.match(rest.strip()) is not None


def _cycle_of(word: str) -> Cycle:
    w = re.sub(r"\s+", " ", word.casefold())
    if w in ("upfront", "prepaid"):
        return Cycle.TERM
    if "mo" in w:
        return Cycle.MONTHLY
    return Cycle.ANNUAL


def parse_line_item(rest: str, default_currency: str) -> tuple[str, LineItem]:
    """`<vendor> <quantity> [seats] × <unit price> [monthly|/mo|per month|annual|/yr|upfront]
    [<N> months|<N>-year] [<plan>]`: the vendor and the line."""
    match = _ITEMISED.match(rest.strip())
    if match is None:
        raise PricingError(
            "Give the vendor, the quantity and the unit price: Crayon 120 seats × $14."
        )
    # As the one-line form reads it: Slack's `&amp;` undone, whitespace collapsed.
    vendor = plain_name(match["vendor"], "vendor or reseller")
    quantity = int(match["qty"].replace(",", ""))
    if quantity < 1:
        raise PricingError("A line item needs a quantity of at least 1.")
    tail = match["rest"]
    cycle = Cycle.ANNUAL
    per = _PER.search(tail)
    if per is not None:
        cycle = _cycle_of(per.group(0))
        tail = (tail[: per.start()] + " " + tail[per.end() :]).strip()
    term_months = 12
    term = _TERM.search(tail)
    if term is not None:
        n = int(term["n"])
        term_months = n if term["what"].casefold().startswith("mo") else n * 12
        tail = (tail[: term.start()] + " " + tail[term.end() :]).strip()
    if term_months < 1 or term_months > 120:
        raise PricingError("A line item's term must be from 1 to 120 months.")
    words = tail.split()
    if not words:
        raise PricingError("Give the unit price after the quantity: 120 seats × $14.")
    # The price is the first one or two words (`$14`, `EUR 14`, `14 EUR`); the rest, the plan.
    for width in (2, 1):
        if len(words) >= width:
            try:
                money = parse_amount(" ".join(words[:width]), default_currency)
            except AmountError as exc:
                error = exc
                continue
            plan = " ".join(words[width:]).strip() or None
            return vendor, LineItem(quantity, money, cycle, term_months, plan)
    raise PricingError(str(error))


def median(sample: list[Decimal]) -> Decimal:
    """The middle price (the mean of the two middle ones for an even count)."""
    ordered = sorted(sample)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return ordered[middle]
    return (ordered[middle - 1] + ordered[middle]) / 2


def parse_benchmark(args: str) -> tuple[str, int | None]:
    """`<tool> [plan] [seats]`: the tool and plan words, and the seats when the last word is a
    whole number."""
    words = args.split()
    seats = None
    if words and words[-1].replace(",", "").isdigit():
        seats = int(words.pop().replace(",", ""))
        if seats < 1:
            raise PricingError("Give the seats as a whole number of at least 1.")
    if not words:
        raise PricingError("Give the tool to benchmark, e.g. Figma.")
    return " ".join(words), seats


# --- the rates file (`podbot import rates`) ------------------------------------------------

RATE_COLUMNS = ("date", "currency", "rate")
RATE_OPTIONAL = ("to",)
_RATE = re.compile(r"[0-9]{1,9}(\.[0-9]{1,8})?")


def parse_rates_csv(text: str, default_to: str) -> tuple[list[Rate], list[RowError]]:
    """Every rate of a rates CSV (`date,currency,rate[,to]`: one `currency` is `rate` of `to`,
    default `default_to`, the config's currency), or every reason (with its file line) it
    cannot be read: all rows or none."""
    lines, errors = read_table(text, RATE_COLUMNS, RATE_OPTIONAL)
    rows: list[Rate] = []
    first_line: dict[tuple[date, str, str], int] = {}
    for line in lines:
        cell = line.cells
        reasons: list[str] = []
        day = strict_date(cell["date"]) if cell["date"] else None
        if day is None:
            reasons.append(
                "date is blank; write it as YYYY-MM-DD."
                if not cell["date"]
                else date_refusal(cell["date"], "date")
            )
        codes = []
        for column, value in (("currency", cell["currency"]), ("to", cell.get("to") or default_to)):
            code = value.upper()
            if code not in ISO_4217_CODES:
                reasons.append(f"{column} `{value[:30]}` is not a 3-letter ISO code like EUR.")
            codes.append(code)
        currency, to_currency = codes
        if currency == to_currency and currency in ISO_4217_CODES:
            reasons.append(f"currency and to are both {currency}; a rate converts between two.")
        rate = None
        if not _RATE.fullmatch(cell["rate"]) or Decimal(cell["rate"]) == 0:
            reasons.append(
                f"rate `{cell['rate'][:30]}` is not a positive number with at most 8 decimals, "
                "like 1.0825."
            )
        else:
            rate = Decimal(cell["rate"])
        errors.extend(RowError(line.number, reason) for reason in reasons)
        if reasons:
            continue
        assert day is not None and rate is not None
        key = (day, currency, to_currency)
        if key in first_line:
            errors.append(
                RowError(
                    line.number,
                    f"{currency} to {to_currency} on {day} is already on line "
                    f"{first_line[key]}; list each currency and day once.",
                )
            )
            continue
        first_line[key] = line.number
        rows.append(Rate(day, currency, to_currency, rate))
    errors.sort(key=lambda error: error.line)
    return rows, errors
