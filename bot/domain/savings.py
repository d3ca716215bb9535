"""Savings arithmetic and rules (SPEC §4): exact Decimal, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from bot.domain.money import Money

HUNDRED = Decimal(100)


class ClaimError(ValueError):
    """A savings claim that breaks a rule; the message says which."""


def check_claim(baseline: Money, final: Money) -> None:
    """Raise ClaimError unless baseline > 0, final ≥ 0, final < baseline, same currency."""
    if baseline.currency != final.currency:
        raise ClaimError(
            f"The baseline is in {baseline.currency} but the final price in {final.currency}; "
            "give both in the same currency."
        )
    if baseline.amount <= 0:
        raise ClaimError("The baseline must be more than 0.")
    if final.amount < 0:
        raise ClaimError("The final price cannot be negative.")
    if final.amount >= baseline.amount:
        raise ClaimError(
            f"The final price ({final}) must be below the baseline ({baseline}) to be a saving."
        )


def savings_amount(baseline: Decimal, final: Decimal) -> Decimal:
    """Savings = baseline − final."""
    return baseline - final


def savings_percent(baseline: Decimal, final: Decimal) -> Decimal:
    """Savings as a percentage of the baseline, exact (round only when showing it)."""
    if baseline <= 0:
        raise ValueError("baseline must be positive")
    return (baseline - final) * HUNDRED / baseline


def benchmark(percents: Iterable[Decimal]) -> Decimal | None:
    """The mean savings % of approved claims for a tool; None when there are none yet."""
    values = list(percents)
    if not values:
        return None
    return sum(values, Decimal(0)) / len(values)


def share_of_benchmark(claim_percent: Decimal, benchmark_percent: Decimal | None) -> Decimal | None:
    """This claim's % as a percentage of the benchmark (100 = on benchmark); None if undefined."""
    if benchmark_percent is None or benchmark_percent == 0:
        return None
    return claim_percent * HUNDRED / benchmark_percent


KINDS = ("savings", "avoidance")


def parse_claim(words: list[str], default_currency: str) -> tuple[Money, Money, str]:
    """`<baseline> <final> [avoidance]` as words (before any `| additional`): amounts may take
    two words (`EUR 48k`)."""
    from bot.domain.grammar import GrammarError
    from bot.domain.money import AmountError, parse_amount

    kind = "savings"
    if words and words[-1].lower() in KINDS:
        kind = words.pop().lower()
    if len(words) < 2:
        raise GrammarError("Give the baseline and the final price.")
    readings: list[tuple[Money, Money]] = []
    error: AmountError | None = None
    for split in range(1, len(words)):
        try:
            baseline = parse_amount(" ".join(words[:split]), default_currency)
            final = parse_amount(" ".join(words[split:]), default_currency)
        except AmountError as exc:
            error = error or exc
            continue
        readings.append((baseline, final))
    if not readings:
        raise GrammarError(str(error) if error else "Give the baseline and the final price.")
    # `EUR 48k EUR 39.5k` also reads as `EUR 48k EUR` + `39.5k`: prefer one currency for both.
    agreeing = [r for r in readings if r[0].currency == r[1].currency]
    if len(agreeing) > 1:
        raise GrammarError("The two amounts are ambiguous; separate them like `48k 39.5k`.")
    baseline, final = agreeing[0] if agreeing else readings[0]
    return baseline, final, kind


ADDITIONAL = "additional"
RIGHT_SIZING = "right-sizing"
_TAGS = (ADDITIONAL, RIGHT_SIZING)


@dataclass(frozen=True)
class ClaimText:
    """A claim as typed: `<baseline> <final> [avoidance] [| additional] [right-sizing]`."""

    baseline: Money
    final: Money
    kind: str
    # Marked additional: a saving beside the request's claim of its kind (another product
    # line, its own baseline), not a revision of it.
    additional: bool = False
    # Tagged right-sizing (issue 34): the saving came from buying fewer seats, as usage showed.
    right_sizing: bool = False


def parse_claim_text(text: str, default_currency: str) -> ClaimText:
    """`<baseline> <final> [avoidance] [| additional] [right-sizing]`: the amounts as
    `parse_claim` reads them, then, after a `|`, the tags `additional` and `right-sizing`."""
    from bot.domain.grammar import GrammarError

    head, bar, tail = text.partition("|")
    said = " ".join(tail.lower().replace(",", " ").split())
    tags = said.replace("right sizing", RIGHT_SIZING).replace("rightsizing", RIGHT_SIZING).split()
    if bar and (not tags or any(t not in _TAGS for t in tags) or len(set(tags)) != len(tags)):
        raise GrammarError(
            "After `|` write `additional` (a saving beside the request's claim, with its own "
            "baseline) and/or `right-sizing` (fewer seats), or leave the `|` out (the claim "
            "revises the request's approved one)."
        )
    baseline, final, kind = parse_claim(head.split(), default_currency)
    return ClaimText(
        baseline, final, kind, additional=ADDITIONAL in tags, right_sizing=RIGHT_SIZING in tags
    )
