"""`close REQ won|lost|cancelled [note]` and `close REQ won | <amount> | <renewal> [| cycle]`,
as people type them; and the conversion rule a new term follows."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.domain.contracts import conversion_day
from bot.domain.grammar import Close, GrammarError, NewTerm, parse_close
from bot.domain.money import Money

USD = "USD"
ASK_TERM = "Give the new term's annual amount and renewal date, like `won | $48,000 | 2027-03-31`."


def term(amount: str, day: date, cycle: str | None = None, currency: str = USD) -> NewTerm:
    return NewTerm(Money(Decimal(amount), currency), day, cycle)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 won", Close(12, "won")),
        ("REQ-12 WON Signed at 40k", Close(12, "won", "Signed at 40k")),
        ("req-12 lost vendor would not move", Close(12, "lost", "vendor would not move")),
        ("12 cancelled", Close(12, "cancelled")),
        (
            "REQ-12 won | $52,000 | 2027-03-31 | annual",
            Close(12, "won", term=term("52000", date(2027, 3, 31), "annual")),
        ),
        ("12 won|48k|2027-03-31", Close(12, "won", term=term("48000", date(2027, 3, 31)))),
        (
            "12 won  |   48,000.50   |  2027-03-31  |  Monthly ",
            Close(12, "won", term=term("48000.50", date(2027, 3, 31), "monthly")),
        ),
        (
            "12 won | EUR 40k | 2027-01-15",
            Close(12, "won", term=term("40000", date(2027, 1, 15), currency="EUR")),
        ),
        ("12 won | 1.2m | 2028-02-29 |", Close(12, "won", term=term("1200000", date(2028, 2, 29)))),
    ],
)
def test_close_is_read_as_typed(text: str, expected: Close) -> None:
    assert parse_close(text, USD) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("12", "Say how it ended: `won`, `lost` or `cancelled`."),
        ("12 wonderful", "`wonderful` is not an outcome; write won, lost or cancelled."),
        (
            "12 won | 48k | 31/03/2027",
            "`31/03/2027` is not a date; write the renewal date as YYYY-MM-DD.",
        ),
        (
            "12 won | 48k | 2027-02-30",
            "`2027-02-30` is not a date; write the renewal date as YYYY-MM-DD.",
        ),
        (
            "12 won | 48k | 20270331",
            "`20270331` is not a date; write the renewal date as YYYY-MM-DD.",
        ),
        ("12 won | 48k |", "The new renewal date is missing; write it as YYYY-MM-DD."),
        (
            "12 won | 48k",
            ASK_TERM,
        ),
        (
            "12 won | | 2027-03-31",
            ASK_TERM,
        ),
        (
            "12 won | 48k | 2027-03-31 | weekly",
            "`weekly` is not a billing cycle; write `monthly` or `annual`.",
        ),
        (
            "12 won | 48k | 2027-03-31 | annual | x",
            "A new term has at most three `|`-separated fields after `won`.",
        ),
        (
            "12 lost | 48k | 2027-03-31",
            "Only a request closed won has a new term; write `close REQ-12 lost [note]`.",
        ),
        ("12 won | $$48 | 2027-03-31", None),
    ],
)
def test_a_bad_close_is_one_clear_sentence(text: str, message: str | None) -> None:
    with pytest.raises(GrammarError) as caught:
        parse_close(text, USD)
    if message is not None:
        assert str(caught.value) == message


def test_a_note_may_hold_a_bar_when_it_does_not_start_with_one() -> None:
    assert parse_close("12 won signed | 2 years", USD) == Close(12, "won", "signed | 2 years")


DAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("before", "after", "already", "expected"),
    [
        ("monthly", "annual", None, DAY),  # a conversion, today
        ("annual", "annual", None, None),
        ("monthly", "monthly", None, None),
        (None, "annual", None, None),  # a new contract converts nothing
        ("monthly", "annual", date(2026, 1, 5), date(2026, 1, 5)),  # counted once
        ("annual", "monthly", date(2026, 1, 5), date(2026, 1, 5)),  # and never undone
    ],
)
def test_a_contract_converts_monthly_to_annual_once(
    before: str | None, after: str, already: date | None, expected: date | None
) -> None:
    assert conversion_day(before, after, already, DAY) == expected
