"""The one strict date reader takes YYYY-MM-DD from 1901-01-01 to 2199-12-31 (issue 25 item 1):
exports' "no date" and "no end" placeholders are refused, saying what is taken."""

import pytest

from bot.domain.grammar import FIRST_DATE, LAST_DATE, date_refusal, strict_date


def test_the_window_is_inclusive_at_both_ends() -> None:
    assert (strict_date("1901-01-01"), strict_date("2199-12-31")) == (FIRST_DATE, LAST_DATE)


@pytest.mark.parametrize("value", ["0001-01-01", "1900-01-01", "1900-12-31", "2200-01-01",
                                   "9999-12-31"])  # fmt: skip
def test_a_placeholder_outside_the_window_is_refused_saying_what_is_taken(value: str) -> None:
    assert strict_date(value) is None
    assert date_refusal(value, "handover", may_be_blank=True) == (
        f"handover `{value}` is outside the dates podbot takes, 1901-01-01 to 2199-12-31; "
        "leave it blank for no date."
    )


def test_what_is_no_date_at_all_is_still_told_how_to_write_one() -> None:
    assert date_refusal("0000-01-01", "initiated") == (
        "initiated `0000-01-01` is not a date; write it as YYYY-MM-DD."
    )
    assert date_refusal("31/03/2027", write="the renewal date") == (
        "`31/03/2027` is not a date; write the renewal date as YYYY-MM-DD."
    )
