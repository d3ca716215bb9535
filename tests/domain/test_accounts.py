"""The accounts CSV (`podbot import accounts`) and `/proc account`'s grammar as people write it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.domain.accounts import (
    AccountCommand,
    AccountRow,
    RowError,
    parse_account_command,
    parse_accounts_csv,
    parse_health,
)
from bot.domain.grammar import GrammarError
from bot.domain.money import Money
from bot.domain.vocabulary import Health

PODS = {"alpha", "beta"}
HEADER = "customer,pod,initiated,handover,term_end,msg,pse,ats,health"
GOOD = "Acme Corp,alpha,2025-04-01,2025-05-15,2028-03-31,250k,400k,1.2m,favorable"


def parse(text: str) -> tuple[list[AccountRow], list[RowError]]:
    return parse_accounts_csv(text, PODS, "USD", pod_currencies={"beta": "EUR"})


def errors_of(*lines: str, header: str = HEADER) -> list[tuple[int, str]]:
    rows, errors = parse("\n".join([header, *lines]) + "\n")
    assert errors, rows
    return [(e.line, e.reason) for e in errors]


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


# --- good files ------------------------------------------------------------------------------


def test_a_good_file_reads_every_column() -> None:
    rows, errors = parse(
        f"\ufeff{HEADER}\r\n{GOOD}\r\n"
        '"  Globex   Holdings ",BETA,2026-01-12,,2027-12-31,"180,000",,EUR 1.1m,\r\n'
        "\r\n"
        "Initech,alpha,2024-07-01,2024-07-01,2024-07-01,0,,,At Risk\r\n"
        ",,,,,,,,\r\n"  # the empty row a spreadsheet leaves
    )
    assert errors == []
    assert rows == [
        AccountRow("alpha", "Acme Corp", date(2025, 4, 1), date(2025, 5, 15), date(2028, 3, 31),
                   usd("250000"), usd("400000"), usd("1200000"), Health.FAVORABLE, line=2),
        AccountRow("beta", "Globex Holdings", date(2026, 1, 12), None, date(2027, 12, 31),
                   Money(Decimal("180000"), "EUR"), None, Money(Decimal("1100000"), "EUR"),
                   None, line=3),
        AccountRow("alpha", "Initech", date(2024, 7, 1), date(2024, 7, 1), date(2024, 7, 1),
                   usd("0"), None, None, Health.AT_RISK, line=5),
    ]  # fmt: skip


def test_the_health_column_may_be_left_out_and_headers_are_forgiving() -> None:
    rows, errors = parse(
        "Customer,POD,Initiated,Handover,Term End,MSG,PSE,ATS\n"
        "Acme,alpha,2025-04-01,,2028-03-31,1,,\n"
    )
    assert errors == [] and rows[0].health is None and rows[0].customer == "Acme"


def test_parsing_is_idempotent() -> None:
    text = f"{HEADER}\n{GOOD}\n"
    assert parse(text) == parse(text)


# --- bad rows, each named by its line --------------------------------------------------------


BAD_ROWS = [
    (",alpha,2025-04-01,,2028-03-31,1,,,", "customer is blank."),
    ("A" * 201 + ",alpha,2025-04-01,,2028-03-31,1,,,", "customer is longer than 200 characters."),
    ("Acme,,2025-04-01,,2028-03-31,1,,,", "pod is blank; use one of alpha, beta."),
    ("Acme,gamma,2025-04-01,,2028-03-31,1,,,",
     "pod `gamma` is not a configured POD; use one of alpha, beta."),
    ("Acme,alpha,,,2028-03-31,1,,,", "initiated is blank; write it as YYYY-MM-DD."),
    ("Acme,alpha,2025-04-01,,,1,,,", "term_end is blank; write it as YYYY-MM-DD."),
    ("Acme,alpha,20250401,,2028-03-31,1,,,",
     "initiated `20250401` is not a date; write it as YYYY-MM-DD."),
    ("Acme,alpha,2025-04-01,15/05/2025,2028-03-31,1,,,",
     "handover `15/05/2025` is not a date; write it as YYYY-MM-DD."),
    ("Acme,alpha,2025-04-01,,2028-02-30,1,,,",
     "term_end `2028-02-30` is not a date; write it as YYYY-MM-DD."),
    ("Acme,alpha,2025-04-01,2025-03-01,2028-03-31,1,,,",
     "handover 2025-03-01 is before initiated 2025-04-01."),
    ("Acme,alpha,2025-04-01,,2024-03-31,1,,,",
     "term_end 2024-03-31 is before initiated 2025-04-01."),
    ("Acme,alpha,2025-04-01,,2028-03-31,,,,", "msg is blank."),
    ("Acme,alpha,2025-04-01,,2028-03-31,lots,,,",
     "msg `lots` is not an amount; write it like 48000, 48,000, $48,000.50, 48k, 1.2m or EUR 40k."),
    ("Acme,alpha,2025-04-01,,2028-03-31,1,-5,,",
     "pse `-5` is negative; amounts must be 0 or more."),
    ("Acme,alpha,2025-04-01,,2028-03-31,1,,EUR 5k,",
     "msg is in USD, ats is in EUR: an account's amounts are all in one currency."),
    ("Acme,alpha,2025-04-01,,2028-03-31,1,,,great",
     "health `great` is not favorable, neutral or at-risk."),
]  # fmt: skip


@pytest.mark.parametrize(("line", "reason"), BAD_ROWS)
def test_each_bad_row_says_why(line: str, reason: str) -> None:
    assert errors_of(GOOD, line) == [(3, reason)]


def test_every_problem_of_a_row_and_every_bad_row_is_reported_by_its_file_line() -> None:
    assert errors_of(
        GOOD,
        '"Multi\nLine Co",gamma,x,,2028-03-31,1,,,',  # lines 3-4
        "",
        "Hooli,alpha,2025-04-01,,2028-03-31,1,,",  # a cell short
        " acme   CORP ,beta,2025-04-01,,2028-03-31,1,,,",
    ) == [
        (3, "pod `gamma` is not a configured POD; use one of alpha, beta."),
        (3, "initiated `x` is not a date; write it as YYYY-MM-DD."),
        (6, "The row has 8 cells but the header has 9."),
        (7, "acme CORP is already on line 2; list each customer once."),
    ]


BAD_HEADERS = [
    ("", "The file has no header; its first line must be customer,pod,initiated,handover,"
     "term_end,msg,pse,ats[,health][,contacts][,channel][,fee]."),
    ("customer;pod;initiated", "The header has one column: separate columns with commas."),
    (HEADER + ",owner", "Unknown column(s) `owner`; the columns are customer, pod, initiated, "
     "handover, term_end, msg, pse, ats, health, contacts, channel, fee."),
    (HEADER + ",msg", "Column(s) `msg` appear more than once."),
    ("customer,pod,initiated,handover,term_end,msg",
     "Required column(s) `pse`, `ats` are missing; the header needs customer, pod, initiated, "
     "handover, term_end, msg, pse, ats."),
]  # fmt: skip


@pytest.mark.parametrize(("header", "reason"), BAD_HEADERS)
def test_a_bad_header_is_line_one(header: str, reason: str) -> None:
    rows, errors = parse(f"{header}\n{GOOD}\n" if header else "")
    assert rows == [] and errors == [RowError(1, reason)]


# --- `/proc account` -------------------------------------------------------------------------


COMMANDS = [
    ("Acme Corp", AccountCommand("Acme Corp")),
    ("  acme    corp  ", AccountCommand("acme corp")),
    ("Acme Corp health at-risk late payments", AccountCommand("Acme Corp", Health.AT_RISK,
                                                              "late payments")),
    ("Acme Corp HEALTH At Risk", AccountCommand("Acme Corp", Health.AT_RISK)),
    ("Acme Corp health neutral two QBRs\nmissed", AccountCommand("Acme Corp", Health.NEUTRAL,
                                                                 "two QBRs\nmissed")),
    ("Acme Corp health favourable", AccountCommand("Acme Corp", Health.FAVORABLE)),
    ("Health Co", AccountCommand("Health Co")),
    ("Health Co health neutral", AccountCommand("Health Co", Health.NEUTRAL)),
    ("Acme Health", AccountCommand("Acme Health")),
    ("Acme Health health at_risk churn risk", AccountCommand("Acme Health", Health.AT_RISK,
                                                             "churn risk")),
    ("AT&amp;T health neutral", AccountCommand("AT&T", Health.NEUTRAL)),
    ("Acme health great", AccountCommand("Acme health great", unread_health="great")),
    ("Acme health", AccountCommand("Acme health")),
]  # fmt: skip


@pytest.mark.parametrize(("text", "expected"), COMMANDS)
def test_account_commands_as_people_type_them(text: str, expected: AccountCommand) -> None:
    assert parse_account_command(text) == expected


def test_an_account_command_needs_a_customer() -> None:
    for text in ("", "   "):
        with pytest.raises(GrammarError, match="Name the customer"):
            parse_account_command(text)


def test_health_words() -> None:
    assert [parse_health(w) for w in ("Favorable", "NEUTRAL", "at-risk", "at  risk", "good")] == [
        Health.FAVORABLE, Health.NEUTRAL, Health.AT_RISK, Health.AT_RISK, None
    ]  # fmt: skip


def test_the_fee_column_is_read_in_the_accounts_currency() -> None:
    """Issue 35: the customer's fee (the leadership report's ROI divides by it)."""
    rows, errors = parse(f"{HEADER},fee\n{GOOD},60k\nGlobex,beta,2025-04-01,,2028-03-31,1k,,,,\n")
    assert errors == []
    assert [row.fee for row in rows] == [Money(Decimal(60000), "USD"), None]
    ((_, reason),) = errors_of(f"{GOOD},EUR 5k", header=f"{HEADER},fee")
    assert "fee is in EUR" in reason
