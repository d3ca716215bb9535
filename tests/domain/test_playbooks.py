"""Issue 34: the playbook's rules (levers ranked by the above-benchmark results they came with,
the median term) and when customers renewing a tool make a bundle — hand-worked figures, and
hypothesis laws for the ranking."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.grammar import GrammarError
from bot.domain.playbooks import (
    Lever,
    LeverRank,
    Renewal,
    WonResult,
    above_benchmark,
    bundles_due,
    dumps_levers,
    loads_levers,
    median_months,
    months_text,
    proposer,
    rank_levers,
    read_levers,
)
from tests.helpers.properties import examples

MY, CQ, CAP = Lever.MULTI_YEAR, Lever.COMPETING_QUOTE, Lever.PRICE_CAP


def test_above_benchmark_compares_with_the_mean_of_the_others() -> None:
    others = Decimal(10) + Decimal(25) + Decimal(5)  # three others, mean 13.33…
    assert above_benchmark(Decimal(30), others, 3) is True
    assert above_benchmark(Decimal(13), others, 3) is False
    assert above_benchmark(Decimal(20), Decimal(20), 1) is False  # on the benchmark: not above
    assert above_benchmark(None, others, 3) is None  # no approved claim
    assert above_benchmark(Decimal(30), Decimal(0), 0) is None  # nothing to compare with


def test_levers_rank_by_above_benchmark_wins_then_by_use() -> None:
    # Savings 30 %, 10 %, 25 %, 5 %: each against the mean of the other three —
    # 13.3 (above), 20 (below), 15 (above), 21.7 (below).
    results = [
        WonResult(frozenset({MY, CQ}), True),
        WonResult(frozenset({CQ}), False),
        WonResult(frozenset({MY, CAP}), True),
        WonResult(frozenset({CAP, CQ}), False),
    ]
    assert rank_levers(results) == [
        LeverRank(MY, used=2, above=2),
        # One above-benchmark win each: the one named more often first.
        LeverRank(CQ, used=3, above=1),
        LeverRank(CAP, used=2, above=1),
    ]


def test_a_full_tie_keeps_the_forms_order() -> None:
    results = [WonResult(frozenset({Lever.OTHER, Lever.PAYMENT_TERMS}), None)]
    assert [r.lever for r in rank_levers(results)] == [Lever.PAYMENT_TERMS, Lever.OTHER]


RESULTS = st.lists(
    st.builds(
        WonResult,
        st.frozensets(st.sampled_from(list(Lever)), min_size=1),
        st.sampled_from([True, False, None]),
    ),
    max_size=12,
)


@settings(max_examples=examples(500))
@given(RESULTS, st.randoms())
def test_ranking_ignores_the_order_of_the_wins(results: list[WonResult], rnd: object) -> None:
    shuffled = list(results)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert rank_levers(shuffled) == rank_levers(results)


@settings(max_examples=examples(500))
@given(RESULTS)
def test_each_lever_is_ranked_once_with_no_more_above_than_uses(results: list[WonResult]) -> None:
    ranks = rank_levers(results)
    named = {lever for r in results for lever in r.levers}
    assert sorted(r.lever for r in ranks) == sorted(named)
    for rank in ranks:
        assert 0 <= rank.above <= rank.used
        assert rank.used == sum(1 for r in results if rank.lever in r.levers)
    aboves = [r.above for r in ranks]
    assert aboves == sorted(aboves, reverse=True)


def test_levers_are_read_once_at_least_one() -> None:
    levers, note = read_levers(["multi_year", "price_cap", "bogus"], "  3-year   term, 5% cap ")
    assert levers == {MY, CAP}
    assert note == "3-year term, 5% cap"
    assert dumps_levers(levers) == "multi_year,price_cap"
    assert loads_levers("multi_year,price_cap,gone") == {MY, CAP}
    with pytest.raises(GrammarError, match="at least one lever"):
        read_levers([], "anything")
    with pytest.raises(GrammarError, match="one line of at most 200"):
        read_levers(["other"], "x" * 201)
    assert read_levers(["other"], "   ") == (frozenset({Lever.OTHER}), None)


def test_median_term() -> None:
    assert median_months([36, 12, 12]) == Decimal(12)
    assert median_months([12, 24]) == Decimal(18)
    assert median_months([12, 15]) == Decimal("13.5")
    assert median_months([]) is None
    assert months_text(Decimal("13.5")) == "13.5 months"
    assert months_text(Decimal(12)) == "12 months"


TODAY = date(2026, 11, 23)  # + 90 days = 2027-02-21


def renewal(n: int, pod: str, customer: str, tool: str, day: date) -> Renewal:
    return Renewal(n, pod, customer, tool, day)


def test_two_or_more_customers_renewing_a_tool_within_90_days_make_a_bundle() -> None:
    renewals = [
        renewal(1, "alpha", "acme", "figma", date(2027, 1, 15)),
        renewal(2, "alpha", "globex", "figma", date(2027, 2, 1)),
        renewal(3, "beta", "initech", "figma", date(2027, 2, 21)),  # day 90: in
        renewal(4, "beta", "hooli", "figma", date(2027, 2, 22)),  # day 91: out
        renewal(5, "alpha", "acme", "zoom", date(2026, 12, 1)),  # one customer: no bundle
        renewal(6, "beta", "umbrella", "zoom", date(2026, 11, 22)),  # renewed yesterday: out
    ]
    (figma,) = bundles_due(renewals, TODAY)
    assert [r.contract_id for r in figma] == [1, 2, 3]
    assert proposer(figma) == "alpha"  # the first POD by key proposes, not Beta's run


def test_a_customer_counts_once_in_a_bundle() -> None:
    renewals = [
        renewal(1, "alpha", "acme", "figma", date(2027, 1, 15)),
        renewal(2, "beta", "acme", "figma", date(2027, 1, 10)),  # the same customer elsewhere
    ]
    assert bundles_due(renewals, TODAY) == []
