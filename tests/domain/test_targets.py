"""The targets CSV (`podbot import targets`) and `/proc target`'s grammar."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.domain.grammar import GrammarError
from bot.domain.money import Money
from bot.domain.quarters import Quarter
from bot.domain.targets import (
    TargetPod,
    TargetRow,
    TargetSet,
    describe_target,
    parse_target_command,
    parse_targets_csv,
    quarter_has_ended,
)

PODS = [
    TargetPod("alpha", "POD Alpha", "USD", 1,
              {"U0EM00001": "em", "U0BUY0001": "buyer", "U0ANA0001": "analyst"}),
    TargetPod("beta", "POD Beta", "EUR", 4,
              {"U0EM00002": "em", "U0BUY0002": "buyer", "U0BUY0001": "analyst",
               "U0EM00001": "buyer"}),
]  # fmt: skip


def parse(*lines: str) -> tuple[list[TargetRow], list[tuple[int, str]]]:
    rows, errors = parse_targets_csv("\n".join(["quarter,scope,amount", *lines]) + "\n", PODS)
    return rows, [(e.line, e.reason) for e in errors]


def test_pod_and_member_scopes_in_each_pods_currency_and_fiscal_year() -> None:
    rows, errors = parse("2027Q1,pod:alpha,500k", "2027q2,POD:Beta,300k", "2027Q1,u0buy0001,1k")
    assert errors == []
    assert rows == [
        TargetRow("alpha", Quarter(2027, 1, 1), None, Money(Decimal("500000"), "USD"), 2),
        TargetRow("beta", Quarter(2027, 2, 4), None, Money(Decimal("300000"), "EUR"), 3),
        # U0BUY0001 is alpha's buyer and beta's analyst: only alpha gives them a target.
        TargetRow("alpha", Quarter(2027, 1, 1), "U0BUY0001", Money(Decimal("1000"), "USD"), 4),
    ]
    assert rows[1].quarter.start == date(2026, 7, 1)  # FY2027 of beta starts in April 2026


BAD = [
    (",pod:alpha,1", "quarter is blank; write it like 2027Q1."),
    ("Q1,pod:alpha,1", "quarter `Q1` is not a quarter; write it like 2027Q1."),
    ("next,pod:alpha,1", "quarter `next` is not a quarter; write it like 2027Q1."),
    ("2027Q1,,1", "scope is blank; write pod:<key> (pod:alpha, pod:beta) or a member's Slack "
     "user id."),
    ("2027Q1,pod:gamma,1", "scope `pod:gamma` names no configured POD; use one of pod:alpha, "
     "pod:beta."),
    ("2027Q1,@dana,1", "scope `@dana` is neither pod:<key> (pod:alpha, pod:beta) nor a Slack "
     "user id like U0BUY0001."),
    ("2027Q1,U0EM00001,1", "U0EM00001 is a buyer or em of several PODs (alpha, beta); a "
     "member's target needs one POD, so set it with `/proc target` in that POD's channel."),
    ("2027Q1,U0ANA0001,1", "U0ANA0001 is not a buyer or em of any POD; only they carry targets."),
    ("2027Q1,U0NOBODY1,1", "U0NOBODY1 is not a member of any configured POD."),
    ("2027Q1,pod:alpha,", "amount is blank."),
    ("2027Q1,pod:alpha,-5", "amount `-5` is negative; amounts must be 0 or more."),
]  # fmt: skip


@pytest.mark.parametrize(("line", "reason"), BAD)
def test_each_bad_row_says_why(line: str, reason: str) -> None:
    rows, errors = parse("2027Q1,pod:beta,1", line)
    assert errors == [(3, reason)] and len(rows) == 1


def test_a_quarter_and_scope_twice_is_refused_on_the_second_line() -> None:
    _, errors = parse("2027Q1,pod:alpha,1", "2027Q2,pod:alpha,1", "2027q1,POD:ALPHA,2")
    assert errors == [
        (4, "The 2027Q1 target for POD:ALPHA is already on line 2; list each quarter and "
            "scope once."),
    ]  # fmt: skip


def test_a_row_with_the_wrong_number_of_cells_is_named_by_its_line() -> None:
    assert parse("2027Q1,pod:alpha", "2027Q1,pod:beta,1")[1] == [
        (2, "The row has 2 cells but the header has 3.")
    ]


def test_target_commands() -> None:
    today = date(2026, 11, 23)
    assert parse_target_command("2027Q1 pod 500k", "USD", 1, today) == TargetSet(
        Quarter(2027, 1), None, Money(Decimal("500000"), "USD")
    )
    assert parse_target_command("next  <@U0BUY0001|dana>  EUR 40k", "USD", 1, today) == (
        TargetSet(Quarter(2027, 1), "U0BUY0001", Money(Decimal("40000"), "EUR"))
    )
    with pytest.raises(GrammarError, match="not a person"):
        parse_target_command("2027Q1 dana 5k", "USD", 1, today)


def test_a_quarter_ends_after_its_last_day() -> None:
    q = Quarter(2026, 4)
    assert not quarter_has_ended(q, date(2026, 12, 31))
    assert quarter_has_ended(q, date(2027, 1, 1))


def test_describe_target() -> None:
    usd = Money(Decimal("120000"), "USD")
    was = Money(Decimal("100000"), "USD")
    assert describe_target(Quarter(2027, 1), "<@U1>", usd, was) == (
        "2027Q1 target for <@U1>: $120,000 (was $100,000)"
    )
