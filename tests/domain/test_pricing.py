"""Issue 34: a line item normalised to an annual price per unit, against hand-worked figures,
and where a price falls in a sample (a hypothesis law for the ends)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.money import Money
from bot.domain.pricing import (
    Cycle,
    LineItem,
    PricingError,
    Rate,
    annual_total,
    annual_unit_price,
    band_of,
    benchmark_line,
    looks_itemised,
    parse_line_item,
    parse_rates_csv,
    percentile,
)


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


def test_annual_price_is_the_unit_price() -> None:
    line = LineItem(120, usd("14"), Cycle.ANNUAL)
    assert annual_unit_price(line, "USD") == Decimal("14.00")
    assert annual_total(line, "USD") == Decimal("1680.00")  # 120 × 14


def test_monthly_price_is_twelve_months() -> None:
    line = LineItem(120, usd("1.25"), Cycle.MONTHLY)
    assert annual_unit_price(line, "USD") == Decimal("15.00")  # 1.25 × 12
    assert annual_total(line, "USD") == Decimal("1800.00")  # 120 × 15


def test_a_multi_year_term_billed_yearly_or_prepaid() -> None:
    # Billed each year for three years: still $14 a seat a year.
    assert annual_unit_price(LineItem(40, usd("14"), Cycle.ANNUAL, 36), "USD") == Decimal("14")
    # $400 a seat prepaid for 36 months: 400 × 12 / 36 = 133.333… → $133.33 a seat a year.
    prepaid = LineItem(40, usd("400"), Cycle.TERM, 36)
    assert annual_unit_price(prepaid, "USD") == Decimal("133.33")
    assert annual_total(prepaid, "USD") == Decimal("5333.20")  # 40 × 133.33


def test_a_quantity_change_moves_the_total_not_the_unit_price() -> None:
    small, large = LineItem(50, usd("2"), Cycle.MONTHLY), LineItem(80, usd("2"), Cycle.MONTHLY)
    assert annual_unit_price(small, "USD") == annual_unit_price(large, "USD") == Decimal("24")
    assert annual_total(small, "USD") == Decimal("1200")  # 50 × 24
    assert annual_total(large, "USD") == Decimal("1920")  # 80 × 24
    assert band_of(49) == (1, 49) and band_of(50) == (50, 249) and band_of(250) == (250, None)


def test_another_currency_is_refused_without_a_rate() -> None:
    with pytest.raises(PricingError, match="no EUR to USD rate"):
        annual_unit_price(LineItem(10, Money(Decimal("9"), "EUR")), "USD")
    # A rate between other currencies is no rate for this line.
    gbp = Rate(date(2026, 12, 1), "GBP", "USD", Decimal("1.27"))
    with pytest.raises(PricingError, match="no EUR to USD rate"):
        annual_unit_price(LineItem(10, Money(Decimal("9"), "EUR")), "USD", gbp)


def test_another_currency_is_converted_at_the_rate() -> None:
    rate = Rate(date(2026, 12, 1), "EUR", "USD", Decimal("1.0825"))
    # €13 a seat a year: 13 × 1.0825 = 14.0725 → $14.07 a seat a year.
    annual = LineItem(120, Money(Decimal("13"), "EUR"), Cycle.ANNUAL)
    assert annual_unit_price(annual, "USD", rate) == Decimal("14.07")
    assert annual_total(annual, "USD", rate) == Decimal("1688.40")  # 120 × 14.07
    # €1.10 a seat a month: 1.10 × 1.0825 × 12 = 14.289 → $14.29 (rounded once, at the end).
    monthly = LineItem(120, Money(Decimal("1.10"), "EUR"), Cycle.MONTHLY)
    assert annual_unit_price(monthly, "USD", rate) == Decimal("14.29")
    # €400 prepaid for 36 months: 400 × 1.0825 × 12 / 36 = 144.333… → $144.33.
    prepaid = LineItem(40, Money(Decimal("400"), "EUR"), Cycle.TERM, 36)
    assert annual_unit_price(prepaid, "USD", rate) == Decimal("144.33")


def test_the_rates_file_all_rows_or_none() -> None:
    good, none = parse_rates_csv(
        "date,currency,rate,to\n2026-12-01,eur,1.0825,\n2026-12-01,GBP,1.27,usd\n", "USD"
    )
    assert none == []
    assert good == [
        Rate(date(2026, 12, 1), "EUR", "USD", Decimal("1.0825")),
        Rate(date(2026, 12, 1), "GBP", "USD", Decimal("1.27")),
    ]
    _, errors = parse_rates_csv(
        "date,currency,rate\n"
        "2026-12-01,EUR,1.0825\n"
        "12/01/2026,EUR,1.08\n"
        "2026-12-02,EURO,1.08\n"
        "2026-12-02,EUR,-1\n"
        "2026-12-02,USD,1\n"
        "2026-12-01,eur,1.09\n",
        "USD",
    )
    assert [(e.line, e.reason) for e in errors] == [
        (3, "date `12/01/2026` is not a date; write it as YYYY-MM-DD."),
        (4, "currency `EURO` is not a 3-letter ISO code like EUR."),
        (5, "rate `-1` is not a positive number with at most 8 decimals, like 1.0825."),
        (6, "currency and to are both USD; a rate converts between two."),
        (7, "EUR to USD on 2026-12-01 is already on line 2; list each currency and day once."),
    ]


@pytest.mark.parametrize(
    ("typed", "quantity", "price", "cycle", "months", "plan"),
    [
        ("Crayon 120 seats × $14 annual", 120, "14", Cycle.ANNUAL, 12, None),
        ("Crayon 120 seats x $14/mo Professional", 120, "14", Cycle.MONTHLY, 12, "Professional"),
        ("Crayon 120 x 14 per month 36 months", 120, "14", Cycle.MONTHLY, 36, None),
        ("Crayon 1,200 seats × $9 monthly", 1200, "9", Cycle.MONTHLY, 12, None),
        ("Crayon 40 seats × $400 upfront 3-year Enterprise", 40, "400", Cycle.TERM, 36,
         "Enterprise"),
    ],
)  # fmt: skip
def test_the_itemised_form(
    typed: str, quantity: int, price: str, cycle: Cycle, months: int, plan: str | None
) -> None:
    assert looks_itemised(typed)
    vendor, line = parse_line_item(typed, "USD")
    assert vendor == "Crayon"
    assert line == LineItem(quantity, usd(price), cycle, months, plan)


def test_the_one_line_form_is_not_itemised() -> None:
    assert not looks_itemised("Crayon 41.5k")
    assert not looks_itemised("SoftwareOne EUR 40k")


def test_benchmark_line_by_hand() -> None:
    sample = [Decimal(x) for x in ("11.20", "12", "13", "15", "16", "18")]
    # $14 is dearer than 3 of the 6 and cheaper than 3: the 50th percentile.
    assert benchmark_line(
        Decimal("14"), sample, currency="USD", unit="seat", what="Figma Professional",
        band=(50, 249), min_deals=5,
    ) == (
        "$14.00/seat/yr · 50th percentile of 6 Figma Professional deals at 50–249 seats; "
        "best $11.20"
    )  # fmt: skip
    assert benchmark_line(
        Decimal("14"), sample[:4], currency="USD", unit="seat", what="Figma",
        band=(1, 49), min_deals=5,
    ) == (
        "$14.00/seat/yr · only 4 earlier Figma deals at 1–49 seats in the last 24 months "
        "(a benchmark needs 5), so no percentile yet"
    )  # fmt: skip


prices = st.decimals(min_value=0, max_value=100000, places=2, allow_nan=False)


@given(st.lists(prices, min_size=2).filter(lambda xs: len(set(xs)) > 1))
def test_percentile_of_the_minimum_is_0_and_of_the_maximum_100(sample: list[Decimal]) -> None:
    assert percentile(min(sample), sample) == 0
    assert percentile(max(sample), sample) == 100


@given(
    st.decimals(min_value=0, max_value=100_000, places=2),
    st.sampled_from(list(Cycle)),
    st.integers(1, 120),
)
def test_a_rate_of_one_converts_to_the_same_price(
    price: Decimal, cycle: Cycle, months: int
) -> None:
    at_par = Rate(date(2026, 12, 1), "EUR", "USD", Decimal(1))
    euros = LineItem(10, Money(price, "EUR"), cycle, months)
    dollars = LineItem(10, Money(price, "USD"), cycle, months)
    assert annual_unit_price(euros, "USD", at_par) == annual_unit_price(dollars, "USD")
