"""The ATS trend (issue 35): an account's ATS on the platform in a week — its contracts'
annual amounts, a sunset contract left out, plus its offline purchases — and a change between
two weeks explained by the lines behind it: added, renewed up or down, sunset, offline,
removed. The deltas of the changes add up to the change of the total (`attribute`)."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from bot.domain.grammar import MAX_TEXT, GrammarError, customer_name, plain_name
from bot.domain.money import AmountError, Money, parse_amount

__all__ = [
    "OFFLINE_USAGE",
    "AtsChange",
    "AtsLine",
    "ChangeKind",
    "OfflineCommand",
    "Source",
    "attribute",
    "is_sunset",
    "line_of",
    "line_record",
    "parse_offline_command",
    "platform_ats",
    "sunset_amount",
]

ZERO = Decimal(0)


class Source(enum.StrEnum):
    CONTRACT = "contract"
    OFFLINE = "offline"


class ChangeKind(enum.StrEnum):
    """Why an account's ATS on the platform moved between two weeks, per line."""

    ADDED = "added"  # a contract new since the earlier week
    RENEWED_UP = "renewed up"
    RENEWED_DOWN = "renewed down"
    SUNSET = "sunset"  # its renewal date passed with no renewal request or new term
    OFFLINE = "offline"  # an offline purchase recorded (or changed) since
    REMOVED = "removed"  # the line is gone from the stack


@dataclass(frozen=True)
class AtsLine:
    """One line an account's ATS is summed from: a contract (sunset or not) or an offline
    purchase, by tool."""

    source: Source
    tool: str
    amount: Decimal
    sunset: bool = False
    renewal_date: date | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.source.value, self.tool.casefold())

    @property
    def counted(self) -> Decimal:
        """What the line adds to the platform ATS: nothing once sunset."""
        return ZERO if self.sunset else self.amount


@dataclass(frozen=True)
class AtsChange:
    """A line's part in a change of the platform ATS: its amount before and after (counted)."""

    tool: str
    kind: ChangeKind
    before: Decimal
    after: Decimal

    @property
    def delta(self) -> Decimal:
        return self.after - self.before


def is_sunset(renewal_date: date, today: date, renewal_requested: bool) -> bool:
    """A contract is sunset once its renewal date has passed (before `today`) with no renewal
    request open for it and no new term recorded (a new term moves the renewal date on)."""
    return renewal_date < today and not renewal_requested


def platform_ats(lines: Iterable[AtsLine]) -> Decimal:
    """The account's ATS on the platform: the lines counted (sunset contracts left out)."""
    return sum((line.counted for line in lines), ZERO)


def sunset_amount(lines: Iterable[AtsLine]) -> Decimal:
    """The annual amount of the sunset contracts: the deficit they leave."""
    return sum((line.amount for line in lines if line.sunset), ZERO)


def attribute(before: Sequence[AtsLine] | None, after: Sequence[AtsLine]) -> list[AtsChange]:
    """The lines behind the change from `before` (None: no earlier week, nothing to explain)
    to `after`, in `after`'s order then the lines gone; lines that did not move are left out.
    Their deltas add up to `platform_ats(after) - platform_ats(before)`."""
    if before is None:
        return []
    old = {line.key: line for line in before}
    changes: list[AtsChange] = []
    for line in after:
        was = old.pop(line.key, None)
        was_counted = was.counted if was is not None else ZERO
        if was_counted == line.counted:
            continue
        changes.append(AtsChange(line.tool, _kind(was, line), was_counted, line.counted))
    for line in old.values():  # in the earlier week, gone now
        if line.counted:
            changes.append(AtsChange(line.tool, ChangeKind.REMOVED, line.counted, ZERO))
    return changes


def _kind(was: AtsLine | None, now: AtsLine) -> ChangeKind:
    if now.source is Source.OFFLINE:
        return ChangeKind.OFFLINE
    if now.sunset:
        return ChangeKind.SUNSET
    if was is None:
        return ChangeKind.ADDED
    # Against its annual amount, so a sunset contract renewed after all reads as renewed.
    return ChangeKind.RENEWED_DOWN if now.amount < was.amount else ChangeKind.RENEWED_UP


def line_record(line: AtsLine) -> dict[str, Any]:
    """A line as the snapshot's JSON keeps it."""
    return {
        "source": line.source.value,
        "tool": line.tool,
        "amount": str(line.amount),
        "sunset": line.sunset,
        "renewal_date": line.renewal_date.isoformat() if line.renewal_date else None,
    }


def line_of(record: Mapping[str, Any]) -> AtsLine:
    """A line read back from a snapshot's JSON."""
    renewal = record.get("renewal_date")
    return AtsLine(
        Source(record["source"]),
        str(record["tool"]),
        Decimal(record["amount"]),
        bool(record.get("sunset")),
        date.fromisoformat(renewal) if renewal else None,
    )


# --- `/proc offline` ------------------------------------------------------------------------

OFFLINE_USAGE = "offline <customer> <tool> <annual amount> [note]"


@dataclass(frozen=True)
class OfflineCommand:
    """`/proc offline <customer> <tool> <annual amount> [note]`."""

    customer: str
    tool: str
    amount: Money
    note: str | None = None


def parse_offline_command(args: str, default_currency: str) -> OfflineCommand:
    """`Acme Corp Notion 2.5k bought by their IT` — the amount is the first word after at
    least two that reads as one, the tool the word before it, the customer the words before
    that; or, for names of several words, `Acme Corp | Google Workspace | 12k | note`."""
    if "|" in args:
        parts = [part.strip() for part in args.split("|")]
        if len(parts) < 3:
            raise GrammarError("Give the customer, the tool and the annual amount.")
        customer, tool, amount = parts[0], parts[1], parts[2]
        note = " | ".join(parts[3:]).strip() or None
        return _offline(customer, tool, amount, note, default_currency)
    words = args.split()
    for i in range(2, len(words)):
        try:
            parse_amount(words[i], default_currency)
        except AmountError:
            continue
        note = " ".join(words[i + 1 :]) or None
        return _offline(" ".join(words[: i - 1]), words[i - 1], words[i], note, default_currency)
    raise GrammarError(
        "Give the customer, the tool and the annual amount, like `Acme Notion 2.5k`."
    )


def _offline(
    customer: str, tool: str, amount: str, note: str | None, default_currency: str
) -> OfflineCommand:
    if note is not None and len(note) > MAX_TEXT:
        raise GrammarError(f"The note is longer than {MAX_TEXT} characters.")
    try:
        money = parse_amount(amount, default_currency)
    except AmountError as exc:
        raise GrammarError(str(exc)) from None
    return OfflineCommand(customer_name(customer), plain_name(tool, "tool"), money, note)
