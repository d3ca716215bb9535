"""SPEC §7 `podbot import contracts`: the CSV as operators export it, and `contract add` (§3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.domain.contracts import (
    ContractAdd,
    ContractRow,
    RowError,
    describe_terms,
    parse_contract_add,
    parse_contracts_csv,
)
from bot.domain.grammar import GrammarError
from bot.domain.money import Money

PODS = {"alpha", "beta"}
HEADER = (
    "pod,customer,tool,annual_amount,currency,renewal_date,billing_cycle,auto_renew,notice_days"
)
GOOD = "alpha,Acme,Figma,48000,USD,2027-03-31,annual,yes,60"


def parse(text: str, **kwargs: object) -> tuple[list[ContractRow], list[RowError]]:
    return parse_contracts_csv(text, PODS, "USD", **kwargs)  # type: ignore[arg-type]


def errors_of(*lines: str, header: str = HEADER) -> list[tuple[int, str]]:
    rows, errors = parse("\n".join([header, *lines]) + "\n")
    assert errors, rows
    return [(e.line, e.reason) for e in errors]


def usd(amount: str) -> Money:
    return Money(Decimal(amount), "USD")


# --- good files ------------------------------------------------------------------------------


def test_a_good_file_reads_every_column() -> None:
    rows, errors = parse(
        f"{HEADER}\n{GOOD}\n"
        'beta,Globex,Slack,"EUR 18,500.50",eur,2026-12-31,Monthly,no,0\n'
        "alpha,Initech,Zoom,9.6k,,2027-06-30,,,\n"
    )
    assert errors == []
    assert rows == [
        ContractRow("alpha", "Acme", "Figma", usd("48000"), date(2027, 3, 31), "annual", True, 60,
                    line=2),
        ContractRow("beta", "Globex", "Slack", Money(Decimal("18500.50"), "EUR"),
                    date(2026, 12, 31), "monthly", False, 0, line=3),
        ContractRow("alpha", "Initech", "Zoom", usd("9600"), date(2027, 6, 30), "annual",
                    None, None, line=4),
    ]  # fmt: skip


def test_header_is_case_insensitive_with_spaces_and_optional_columns_may_be_absent() -> None:
    rows, errors = parse(
        " POD , Customer,TOOL, Annual Amount ,Currency,Renewal_Date,billing cycle\n"
        "Alpha,Acme,Figma,$48k,,2027-03-31,annual\n"
    )
    assert errors == []
    (row,) = rows
    assert (row.pod, row.amount, row.auto_renew, row.notice_days) == ("alpha", usd("48000"), None,
                                                                      None)  # fmt: skip
    # Absent columns are "unstated": an update keeps what is stored.
    assert row.unstated == frozenset({"auto_renew", "notice_days"})


def test_a_blank_currency_takes_the_pods_currency() -> None:
    rows, _ = parse(
        f"{HEADER}\nbeta,Acme,Figma,40k,,2027-03-31,annual,,\n", pod_currencies={"beta": "EUR"}
    )
    assert rows[0].amount == Money(Decimal("40000"), "EUR")


def test_utf8_bom_and_crlf_line_endings() -> None:
    text = f"\ufeff{HEADER}\r\n{GOOD}\r\nalpha,Acme,Slack,1,USD,2027-01-01,annual,,\r\n"
    rows, errors = parse(text)
    assert errors == []
    assert [(r.tool, r.line) for r in rows] == [("Figma", 2), ("Slack", 3)]


def test_blank_lines_are_skipped_but_still_counted() -> None:
    assert errors_of(GOOD, "", ",,,,,,,,", "alpha,Acme,Slack,lots,USD,2027-01-01,annual,,") == [
        (5, "annual_amount `lots` is not an amount; write it like 48000, 48,000, $48,000.50, 48k, "
            "1.2m or EUR 40k.")
    ]  # fmt: skip


def test_an_embedded_newline_in_a_quoted_cell_shifts_the_line_numbers() -> None:
    text = (
        f"{HEADER}\r\n"
        'alpha,"Acme\r\nHoldings",Figma,48000,USD,2027-03-31,annual,,\r\n'  # lines 2-3
        'alpha,Globex,"Slack\nEnterprise\nGrid",1,USD,2027-01-01,annual,,\r\n'  # lines 4-6
        "alpha,Initech,Zoom,1,USD,2027-02-30,annual,,\r\n"  # line 7
    )
    rows, errors = parse(text)
    assert errors == [
        RowError(7, "renewal_date `2027-02-30` is not a date; write it as YYYY-MM-DD.")
    ]
    assert [(r.customer, r.tool, r.line) for r in rows] == [
        ("Acme Holdings", "Figma", 2),
        ("Globex", "Slack Enterprise Grid", 4),
    ]


def test_a_header_only_file_has_no_rows_and_no_errors() -> None:
    assert parse(HEADER + "\n") == ([], [])


# --- the header --------------------------------------------------------------------------


def test_an_empty_file_says_what_the_header_must_be() -> None:
    ((line, reason),) = errors_of(header="")
    assert line == 1 and reason.startswith("The file has no header; its first line must be pod,")


def test_unknown_columns_are_named() -> None:
    ((line, reason),) = errors_of(GOOD + ",x,y", header=HEADER + ",Notes,owner")
    assert line == 1
    assert reason.startswith("Unknown column(s) `notes`, `owner`; the columns are pod, customer")


def test_missing_required_columns_are_one_error() -> None:
    assert errors_of("alpha,Acme,Figma", header="pod,customer,tool") == [
        (1, "Required column(s) `annual_amount`, `currency`, `renewal_date`, `billing_cycle` are "
            "missing; the header needs pod, customer, tool, annual_amount, currency, "
            "renewal_date, billing_cycle.")
    ]  # fmt: skip


def test_a_repeated_or_nameless_column_is_refused() -> None:
    assert errors_of(header=HEADER + ",tool,") == [
        (1, "Header column(s) 11 have no name."),
        (1, "Column(s) `tool` appear more than once."),
    ]


def test_a_semicolon_separated_file_is_told_to_use_commas() -> None:
    assert errors_of(header=HEADER.replace(",", ";")) == [
        (1, "The header has one column: separate columns with commas.")
    ]


# --- bad rows ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        ("gamma,Acme,Figma,1,USD,2027-01-01,annual,,", "pod `gamma` is not a configured POD; "
                                                       "use one of alpha, beta."),
        (",Acme,Figma,1,USD,2027-01-01,annual,,", "pod is blank; use one of alpha, beta."),
        ("alpha, ,Figma,1,USD,2027-01-01,annual,,", "customer is blank."),
        ("alpha,Acme,,1,USD,2027-01-01,annual,,", "tool is blank."),
        (f"alpha,{'A' * 201},Figma,1,USD,2027-01-01,annual,,",
         "customer is longer than 200 characters."),
        ("alpha,Acme,Figma,,USD,2027-01-01,annual,,", "annual_amount is blank."),
        ("alpha,Acme,Figma,about 5k,USD,2027-01-01,annual,,",
         "annual_amount `about 5k` has `about` where a 3-letter currency code like EUR belongs; "
         "write it like EUR 40k."),
        ("alpha,Acme,Figma,-5000,USD,2027-01-01,annual,,",
         "annual_amount `-5000` is negative; amounts must be 0 or more."),
        ("alpha,Acme,Figma,48.000,USD,2027-01-01,annual,,",
         "annual_amount `48.000` has more than 2 decimal places; amounts are exact to the cent "
         "(and use commas, not dots, between thousands)."),
        ("alpha,Acme,Figma,1,US,2027-01-01,annual,,",
         "currency `US` is not a 3-letter ISO code like USD."),
        ("alpha,Acme,Figma,1,UDS,2027-01-01,annual,,",
         "currency `UDS` is not a 3-letter ISO code like USD."),
        ("alpha,Acme,Figma,EUR 40k,USD,2027-01-01,annual,,",
         "annual_amount `EUR 40k` is in EUR, but currency says USD."),
        ("alpha,Acme,Figma,£40k,eur,2027-01-01,annual,,",
         "annual_amount `£40k` is in GBP, but currency says EUR."),
        ("alpha,Acme,Figma,1,USD,,annual,,", "renewal_date is blank; write it as YYYY-MM-DD."),
        ("alpha,Acme,Figma,1,USD,31/03/2027,annual,,",
         "renewal_date `31/03/2027` is not a date; write it as YYYY-MM-DD."),
        ("alpha,Acme,Figma,1,USD,20270331,annual,,",
         "renewal_date `20270331` is not a date; write it as YYYY-MM-DD."),
        ("alpha,Acme,Figma,1,USD,2027-01-01,quarterly,,",
         "billing_cycle `quarterly` is not monthly or annual."),
        ("alpha,Acme,Figma,1,USD,2027-01-01,annual,maybe,",
         "auto_renew `maybe` is not yes, no, true, false, 1 or 0."),
        ("alpha,Acme,Figma,1,USD,2027-01-01,annual,,366",
         "notice_days `366` is not a whole number of days from 0 to 365."),
        ("alpha,Acme,Figma,1,USD,2027-01-01,annual,,-1",
         "notice_days `-1` is not a whole number of days from 0 to 365."),
        ("alpha,Acme,Figma,1,USD,2027-01-01,annual,,30.5",
         "notice_days `30.5` is not a whole number of days from 0 to 365."),
        ("alpha,Acme,Figma,1,USD,2027-01-01,annual", "The row has 7 cells but the header has 9."),
        ("alpha,Acme,Figma,1,USD,2027-01-01,annual,,,",
         "The row has 10 cells but the header has 9."),
    ],
)  # fmt: skip
def test_each_bad_row_names_its_line_and_reason(line: str, reason: str) -> None:
    others = GOOD.replace("Acme", "Globex"), GOOD.replace("Acme", "Initech")
    assert errors_of(*others, line) == [(4, reason)]


def test_every_problem_of_every_bad_row_is_reported_and_no_row_is_returned() -> None:
    rows, errors = parse(
        f"{HEADER}\n{GOOD}\n"
        "zeta,,Slack,-1,USD,2027-01-01,annual,,\n"
        "alpha,Globex,Jira,1,USD,2027-01-01,weekly,,400\n"
    )
    assert [e.line for e in errors] == [3, 3, 3, 4, 4]
    assert rows == [rows[0]] and rows[0].tool == "Figma"


def test_the_same_customer_and_tool_twice_is_an_error_on_the_second_line() -> None:
    assert errors_of(
        GOOD,
        "alpha,Globex,Slack,1,USD,2027-01-01,annual,,",
        "beta, ACME , figma ,50000,USD,2028-03-31,annual,,",
    ) == [(4, "ACME · figma is already on line 2; list each customer and tool once.")]


def test_a_bad_row_still_claims_its_customer_and_tool() -> None:
    assert [line for line, _ in errors_of(GOOD.replace("48000", "x"), GOOD)] == [2, 3]


# --- `/proc contract add` ----------------------------------------------------------------


def test_contract_add_grammar() -> None:
    assert parse_contract_add("Acme | Figma | $48,000 | 2027-03-31", "USD") == ContractAdd(
        "Acme", "Figma", usd("48000"), date(2027, 3, 31), None
    )
    assert parse_contract_add(
        " AT&amp;T  Inc |Slack|EUR 40k|2027-01-15| Monthly", "USD"
    ) == ContractAdd("AT&T Inc", "Slack", Money(Decimal("40000"), "EUR"), date(2027, 1, 15),
                     "monthly")  # fmt: skip


def test_contract_add_without_a_cycle_keeps_the_stored_one() -> None:
    row = parse_contract_add("Acme | Figma | 48k | 2027-03-31", "USD").row("alpha")
    assert row.billing_cycle == "annual" and "billing_cycle" in row.unstated
    stated = parse_contract_add("Acme | Figma | 48k | 2027-03-31 | monthly", "USD").row("alpha")
    assert stated.billing_cycle == "monthly" and "billing_cycle" not in stated.unstated
    assert stated.unstated == frozenset({"auto_renew", "notice_days"})


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ("", "Give the customer, the tool, the annual amount and the renewal date, separated by "
             "`|`."),
        ("Acme | Figma | 48k", "Give the customer, the tool, the annual amount and the renewal "
                               "date, separated by `|`."),
        ("Acme | Figma | 48k | 2027-03-31 | annual | x", "There are more than five "
                                                         "`|`-separated fields."),
        (" | Figma | 48k | 2027-03-31", "The customer is missing."),
        ("Acme |  | 48k | 2027-03-31", "The tool is missing."),
        ("Acme | Figma |  | 2027-03-31", "The annual amount is missing."),
        ("Acme | Figma | -5 | 2027-03-31", "`-5` is negative; amounts must be 0 or more."),
        ("Acme | Figma | 48k | ", "The renewal date is missing; write it as YYYY-MM-DD."),
        ("Acme | Figma | 48k | March 2027", "`March 2027` is not a date; write it as YYYY-MM-DD."),
        ("Acme | Figma | 48k | 2027-03-31 | yearly",
         "`yearly` is not a billing cycle; write `monthly` or `annual`."),
    ],
)  # fmt: skip
def test_contract_add_grammar_errors(args: str, message: str) -> None:
    with pytest.raises(GrammarError) as caught:
        parse_contract_add(args, "USD")
    assert str(caught.value) == message


def test_terms_read_like_a_procurement_team_writes_them() -> None:
    assert describe_terms(usd("48000"), date(2027, 3, 31), "annual") == (
        "$48,000 a year, renews 2027-03-31, annual"
    )


def test_a_line_item_of_seats_and_plan() -> None:
    """Issue 34: optional `seats` and `plan` columns; a file with them states them (blank:
    none), a file without them leaves the stored ones."""
    rows, errors = parse(
        f'{HEADER},seats,plan\n{GOOD},"1,200", Enterprise \n'
        "beta,Globex,Slack,18.5k,,2026-12-31,,,,,\n"
    )
    assert errors == []
    assert [(r.seats, r.plan, r.line_stated) for r in rows] == [
        (1200, "Enterprise", True), (None, None, True)
    ]  # fmt: skip
    (row,), _ = parse(f"{HEADER}\n{GOOD}\n")
    assert (row.seats, row.plan, row.line_stated) == (None, None, False)
    assert errors_of(f"{GOOD},0,Pro", f"{GOOD.replace('Acme', 'Hooli')},ten,Pro",
                     header=f"{HEADER},seats,plan") == [
        (2, "seats `0` is not a whole number from 1."),
        (3, "seats `ten` is not a whole number from 1."),
    ]  # fmt: skip
