"""SPEC §5 renewal calendar rules: which renewals a quarter shows, by month, and each flag at its
boundary. Expected days are worked out by hand in the comments (renewal TAT = 60 days)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.domain.money import Money
from bot.domain.quarters import Quarter
from bot.domain.renewals import (
    RenewalContract,
    RenewalFlag,
    RenewalLine,
    RequestItem,
    notice_deadline,
    renewal_calendar,
)

Q1_2027 = Quarter(2027, 1)
TAT = 60


def contract(
    n: int = 1,
    renewal: date = date(2027, 3, 1),
    *,
    customer: str = "Acme",
    tool: str = "Figma",
    cycle: str = "annual",
    notice_days: int | None = None,
    amount: str = "48000",
    currency: str = "USD",
) -> RenewalContract:
    return RenewalContract(
        contract_id=n,
        customer=customer,
        tool=tool,
        annual=Money(Decimal(amount), currency),
        renewal_date=renewal,
        billing_cycle=cycle,
        notice_days=notice_days,
    )


def request(
    n: int = 7,
    stage: str = "intake",
    *,
    kind: str = "renewal",
    customer: str = "Acme",
    tool: str = "Figma",
) -> RequestItem:
    return RequestItem(number=n, customer=customer, tool=tool, kind=kind, stage=stage)


def only_line(
    contracts: list[RenewalContract], requests: list[RequestItem], today: date
) -> RenewalLine:
    (line,) = renewal_calendar(contracts, requests, Q1_2027, today, TAT).lines
    return line


# --- the TAT window flag -------------------------------------------------------------------


def test_tat_window_flag_starts_on_the_day_the_window_opens() -> None:
    # Mon 1 Mar 2027 − 28 days = 1 Feb, − 31 more = 1 Jan, − 1 more = Thu 31 Dec 2026: 60 days.
    line = only_line([contract()], [], today=date(2026, 12, 31))
    assert line.tat_window_opens == date(2026, 12, 31)
    assert line.tat_window_open_no_request
    assert line.flags == {RenewalFlag.TAT_WINDOW_OPEN_NO_REQUEST}


def test_no_tat_window_flag_the_day_before_it_opens() -> None:
    line = only_line([contract()], [], today=date(2026, 12, 30))
    assert not line.tat_window_open_no_request
    assert line.flags == frozenset()


@pytest.mark.parametrize("stage", ["intake", "qualified", "negotiating"])
def test_an_open_renewal_request_clears_the_flag(stage: str) -> None:
    line = only_line([contract()], [request(stage=stage)], today=date(2027, 1, 15))
    assert line.request == request(stage=stage)
    assert not line.tat_window_open_no_request


@pytest.mark.parametrize(
    "other",
    [
        request(stage="closed"),
        request(stage="disqualified"),
        request(kind="new"),  # a new purchase is not the renewal
        request(customer="Globex"),
        request(tool="Figjam"),
    ],
)
def test_requests_that_are_not_an_open_renewal_of_that_contract_do_not_count(
    other: RequestItem,
) -> None:
    line = only_line([contract()], [other], today=date(2027, 1, 15))
    assert line.request is None
    assert line.tat_window_open_no_request


def test_requests_match_contracts_ignoring_case_and_spacing() -> None:
    mixed = request(customer="  ACME ", tool="figma")
    line = only_line([contract()], [mixed], today=date(2027, 1, 15))
    assert line.request == mixed


def test_the_most_advanced_open_request_is_shown() -> None:
    requests = [request(3, "intake"), request(9, "negotiating"), request(5, "negotiating")]
    line = only_line([contract()], requests, today=date(2027, 1, 15))
    assert line.request is not None and line.request.key == "REQ-5"


# --- annual conversion and notice ------------------------------------------------------------


def test_monthly_contracts_are_annual_conversion_candidates() -> None:
    calendar = renewal_calendar(
        [contract(1, cycle="monthly"), contract(2, customer="Globex", cycle="annual")],
        [request(customer="Acme"), request(8, customer="Globex")],
        Q1_2027,
        date(2026, 12, 4),
        TAT,
    )
    monthly, annual = calendar.lines
    assert monthly.annual_conversion_candidate
    assert monthly.flags == {RenewalFlag.ANNUAL_CONVERSION_CANDIDATE}
    assert not annual.annual_conversion_candidate


def test_notice_deadline_is_the_renewal_date_less_the_notice_days() -> None:
    # 1 Mar 2027 − 30 days = 30 Jan 2027 (28 days back is 1 Feb, 2 more is 30 Jan).
    assert notice_deadline(date(2027, 3, 1), 30) == date(2027, 1, 30)
    assert notice_deadline(date(2027, 3, 1), 0) == date(2027, 3, 1)
    assert notice_deadline(date(2027, 3, 1), None) is None
    line = only_line([contract(notice_days=90)], [], today=date(2026, 12, 4))
    # 1 Mar 2027 − 90 days: − 28 (Feb) = 1 Feb, − 31 (Jan) = 1 Jan, − 31 more = 1 Dec 2026.
    assert line.notice_deadline == date(2026, 12, 1)


# --- which renewals, in which month --------------------------------------------------------


def test_only_renewals_within_the_quarter_are_listed_grouped_by_month() -> None:
    contracts = [
        contract(1, date(2026, 12, 31), customer="Before"),
        contract(2, date(2027, 1, 1), customer="First day"),
        contract(3, date(2027, 3, 31), customer="Last day"),
        contract(4, date(2027, 4, 1), customer="After"),
        contract(5, date(2027, 1, 1), customer="Also first day"),
    ]
    calendar = renewal_calendar(contracts, [], Q1_2027, date(2026, 12, 4), TAT)
    assert [m.month for m in calendar.months] == [
        date(2027, 1, 1),
        date(2027, 2, 1),
        date(2027, 3, 1),
    ]
    january, february, march = calendar.months
    # Same day: by customer name.
    assert [line.contract.customer for line in january.lines] == ["Also first day", "First day"]
    assert february.lines == ()
    assert [line.contract.contract_id for line in march.lines] == [3]


def test_fiscal_quarters_group_across_the_new_year() -> None:
    quarter = Quarter(2027, 4, 2)  # Nov 2026 – Jan 2027
    contracts = [contract(1, date(2027, 1, 31)), contract(2, date(2026, 11, 1), customer="B")]
    calendar = renewal_calendar(contracts, [], quarter, date(2026, 10, 1), TAT)
    assert [(m.month, len(m.lines)) for m in calendar.months] == [
        (date(2026, 11, 1), 1),
        (date(2026, 12, 1), 0),
        (date(2027, 1, 1), 1),
    ]


def test_totals_and_counts() -> None:
    contracts = [
        contract(1, amount="48000", cycle="monthly"),
        contract(2, customer="B", amount="1200.50"),
        contract(3, customer="C", amount="40000", currency="EUR"),
    ]
    calendar = renewal_calendar(contracts, [request(customer="B")], Q1_2027, date(2027, 1, 2), TAT)
    assert calendar.totals() == {"USD": Decimal("49200.50"), "EUR": Decimal("40000")}
    assert calendar.count(RenewalFlag.TAT_WINDOW_OPEN_NO_REQUEST) == 2
    assert calendar.count(RenewalFlag.ANNUAL_CONVERSION_CANDIDATE) == 1
