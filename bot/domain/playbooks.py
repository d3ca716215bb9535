"""Negotiation playbooks and book-of-business bundles (issue 34): the levers a buyer says
worked on a won request, how they rank by the results they came with, the median term, and
when customers renewing the same tool make a bundle. Pure: values in, values out."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from enum import StrEnum
from functools import cache

from bot.domain.grammar import GrammarError


class Lever(StrEnum):
    """What a buyer may say worked on a won request, in the order the form offers them."""

    COMPETING_QUOTE = "competing_quote"
    MULTI_YEAR = "multi_year"
    PRICE_CAP = "price_cap"
    SEAT_REDUCTION = "seat_reduction"
    PAYMENT_TERMS = "payment_terms"
    RESELLER_SWITCH = "reseller_switch"
    QUARTER_END = "quarter_end"
    OTHER = "other"

    @property
    def label(self) -> str:
        return LEVER_LABELS[self]


LEVER_LABELS = {
    Lever.COMPETING_QUOTE: "competing quote",
    Lever.MULTI_YEAR: "multi-year",
    Lever.PRICE_CAP: "price cap",
    Lever.SEAT_REDUCTION: "seat reduction",
    Lever.PAYMENT_TERMS: "payment terms",
    Lever.RESELLER_SWITCH: "reseller switch",
    Lever.QUARTER_END: "quarter-end timing",
    Lever.OTHER: "other",
}

NOTE_CHARS = 200  # "one line of what worked"
BUNDLE_DAYS = 90  # customers renewing a tool within this many days of today make a bundle


def dumps_levers(levers: Iterable[Lever]) -> str:
    """The levers as stored: their values, comma-separated, in the form's order."""
    chosen = set(levers)
    return ",".join(lever.value for lever in Lever if lever in chosen)


@cache
def loads_levers(text: str) -> frozenset[Lever]:
    """The stored levers (a value no longer known is skipped); a playbook reads the same few
    combinations over and over, so each is read once."""
    known = {lever.value: lever for lever in Lever}
    return frozenset(known[part] for part in text.split(",") if part in known)


def read_levers(values: Iterable[str], note: str | None) -> tuple[frozenset[Lever], str | None]:
    """The form's picks and line: at least one lever; the line one line, at most 200
    characters (blank: none)."""
    known = {lever.value: lever for lever in Lever}
    levers = frozenset(known[v] for v in values if v in known)
    if not levers:
        raise GrammarError("Pick at least one lever that worked (or Skip the question).")
    line = " ".join((note or "").split()) or None
    if line is not None and len(line) > NOTE_CHARS:
        raise GrammarError(f"Say what worked in one line of at most {NOTE_CHARS} characters.")
    return levers, line


@dataclass(frozen=True)
class WonResult:
    """A won request as the playbook ranks it: the levers its buyer named and whether its
    savings % beat the tool's benchmark (None: no approved claim, or nothing to compare)."""

    levers: frozenset[Lever]
    above: bool | None


@dataclass(frozen=True)
class LeverRank:
    """One lever in a playbook: how many won requests named it, and how many of those beat the
    tool's savings benchmark."""

    lever: Lever
    used: int
    above: int


def above_benchmark(percent: Decimal | None, others_sum: Decimal, others: int) -> bool | None:
    """Whether a request's savings % beats the mean of the tool's other requests' (`others` of
    them, summing `others_sum`: the savings benchmark a claim is compared with); None without
    a claim or without others."""
    if percent is None or others <= 0:
        return None
    return percent * others > others_sum


def rank_levers(results: Iterable[WonResult]) -> list[LeverRank]:
    """The levers named on won requests, ranked by how often they came with an above-benchmark
    result, then by how often they were named, then in the form's order."""
    used: dict[Lever, int] = {}
    above: dict[Lever, int] = {}
    for result in results:
        for lever in result.levers:
            used[lever] = used.get(lever, 0) + 1
            above[lever] = above.get(lever, 0) + (1 if result.above else 0)
    order = list(Lever)
    ranks = [LeverRank(lever, used[lever], above[lever]) for lever in used]
    return sorted(ranks, key=lambda r: (-r.above, -r.used, order.index(r.lever)))


def median_months(terms: Sequence[int]) -> Decimal | None:
    """The middle term in months (the mean of the two middle ones); None for none."""
    if not terms:
        return None
    ordered = sorted(terms)
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return Decimal(ordered[middle])
    return Decimal(ordered[middle - 1] + ordered[middle]) / 2


def months_text(months: Decimal) -> str:
    """`12 months`, `18 months`, `13.5 months`."""
    shown = f"{months.normalize():f}"
    return f"{shown} month{'s' if months != 1 else ''}"


@dataclass(frozen=True)
class Renewal:
    """A contract of some POD's SaaS stack as a bundle sees it."""

    contract_id: int
    pod_key: str
    customer_key: str
    tool_key: str
    renewal_date: date


def bundles_due(renewals: Iterable[Renewal], today: date) -> list[list[Renewal]]:
    """The tools two or more customers renew within `BUNDLE_DAYS` of today (from today on), each
    as its renewals (one per customer: the earliest), tools in key order, renewals by date."""
    last = today + timedelta(days=BUNDLE_DAYS)
    by_tool: dict[str, dict[str, Renewal]] = {}
    for renewal in renewals:
        if not today <= renewal.renewal_date <= last:
            continue
        customers = by_tool.setdefault(renewal.tool_key, {})
        seen = customers.get(renewal.customer_key)
        if seen is None or (renewal.renewal_date, renewal.contract_id) < (
            seen.renewal_date,
            seen.contract_id,
        ):
            customers[renewal.customer_key] = renewal
    out = []
    for tool_key in sorted(by_tool):
        group = sorted(by_tool[tool_key].values(), key=lambda r: (r.renewal_date, r.contract_id))
        if len(group) >= 2:
            out.append(group)
    return out


def proposer(group: Sequence[Renewal]) -> str:
    """The POD whose run proposes a bundle: the first, by key, of its customers' PODs (so two
    PODs' runs never propose the same bundle)."""
    return min(r.pod_key for r in group)
