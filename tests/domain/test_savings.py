"""SPEC §4 savings arithmetic: exact Decimal percentages, the tool benchmark and the rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.grammar import GrammarError
from bot.domain.money import Money
from bot.domain.savings import (
    ClaimError,
    benchmark,
    check_claim,
    parse_claim,
    savings_amount,
    savings_percent,
    share_of_benchmark,
)

D = Decimal


def test_savings_is_baseline_minus_final_and_its_share_of_the_baseline() -> None:
    assert savings_amount(D("48000"), D("39500")) == D("8500")
    # 8,500 / 48,000 = 17.7083…%: exact until it is shown.
    assert savings_percent(D("48000"), D("39500")) == D("8500") * 100 / D("48000")
    assert savings_percent(D("100"), D("0")) == D("100")


def test_no_benchmark_without_approved_claims() -> None:
    assert benchmark([]) is None
    assert share_of_benchmark(D("17.7"), None) is None


def test_one_prior_claim_is_the_benchmark() -> None:
    assert benchmark([D("12.5")]) == D("12.5")
    assert share_of_benchmark(D("25"), D("12.5")) == D("200")


def test_the_benchmark_is_the_mean_of_the_claims() -> None:
    assert benchmark([D("10"), D("20")]) == D("15")
    assert share_of_benchmark(D("18"), D("15")) == D("120")


def test_a_zero_benchmark_has_no_share() -> None:
    assert share_of_benchmark(D("5"), D("0")) is None


@given(st.lists(st.decimals(min_value=0, max_value=100, places=2), min_size=1, max_size=50))
def test_the_benchmark_lies_between_the_smallest_and_largest_claim(values: list[Decimal]) -> None:
    mean = benchmark(values)
    assert mean is not None and min(values) <= mean <= max(values)


@pytest.mark.parametrize(
    ("baseline", "final", "says"),
    [
        (Money(D("40000"), "USD"), Money(D("48000"), "USD"), "must be below the baseline"),
        (Money(D("40000"), "USD"), Money(D("40000"), "USD"), "must be below the baseline"),
        (Money(D("0"), "USD"), Money(D("0"), "USD"), "more than 0"),
        (Money(D("48000"), "EUR"), Money(D("40000"), "USD"), "same currency"),
        (Money(D("48000"), "USD"), Money(D("-1"), "USD"), "cannot be negative"),
    ],
)
def test_claims_that_break_a_rule_are_refused(baseline: Money, final: Money, says: str) -> None:
    with pytest.raises(ClaimError, match=says):
        check_claim(baseline, final)


def test_a_claim_reads_two_amounts_and_an_optional_kind() -> None:
    assert parse_claim(["48k", "39.5k"], "USD") == (
        Money(D("48000"), "USD"), Money(D("39500"), "USD"), "savings"
    )  # fmt: skip
    assert parse_claim(["EUR", "48k", "EUR", "39.5k", "avoidance"], "USD") == (
        Money(D("48000"), "EUR"), Money(D("39500"), "EUR"), "avoidance"
    )  # fmt: skip
    with pytest.raises(GrammarError, match="baseline and the final price"):
        parse_claim(["48k"], "USD")
