"""The SaaS stack as people write it: the contracts CSV (SPEC §7) and `contract add` (SPEC §3)."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date

from bot.domain.csv_table import RowError, read_table
from bot.domain.grammar import (
    MAX_NAME,
    GrammarError,
    customer_name,
    date_refusal,
    plain_name,
    slack_unescape,
    strict_date,
)
from bot.domain.money import ISO_4217_CODES, AmountError, Money, format_money, parse_amount
from bot.domain.names import name_key

__all__ = [
    "BILLING_CYCLES",
    "COLUMNS",
    "LINE_COLUMNS",
    "MAX_NOTICE_DAYS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "ContractAdd",
    "ContractRow",
    "RowError",
    "conversion_day",
    "describe_terms",
    "parse_contract_add",
    "parse_contracts_csv",
]

REQUIRED_COLUMNS = (
    "pod",
    "customer",
    "tool",
    "annual_amount",
    "currency",
    "renewal_date",
    "billing_cycle",
)
# `offline` (issue 35): yes for a tool the customer bought outside the platform — recorded as an
# offline purchase of the customer's account (it counts in the ATS on the platform), not as a
# contract of the SaaS stack.
OFFLINE_COLUMN = "offline"
# A contract's optional fields: a row leaving one out keeps what is stored.
OPTIONAL_COLUMNS = ("auto_renew", "notice_days")
COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS, OFFLINE_COLUMN)
# A contract's line item (issue 34), optional too: the seats and plan the amount pays for.
LINE_COLUMNS = ("seats", "plan")
BILLING_CYCLES = ("monthly", "annual")
MAX_NOTICE_DAYS = 365

_WHOLE = re.compile(r"[0-9]{1,6}")
_YES = frozenset({"yes", "true", "1"})
_NO = frozenset({"no", "false", "0"})


@dataclass(frozen=True)
class ContractRow:
    """One contract of a POD's SaaS stack, as a file line or `contract add` states it."""

    pod: str
    customer: str
    tool: str
    amount: Money
    renewal_date: date
    billing_cycle: str = "annual"
    auto_renew: bool | None = None
    notice_days: int | None = None
    # Its line item (issue 34): the seats and plan the annual amount pays for; `line_stated`:
    # the source states them (a file with those columns, the new-term modal), else an update
    # keeps the stored ones.
    seats: int | None = None
    plan: str | None = None
    line_stated: bool = False
    offline: bool = False  # an offline purchase (issue 35), not a contract of the stack
    # Fields the source did not state: an update keeps what is stored, a new contract the default.
    unstated: frozenset[str] = frozenset()
    line: int = 0


@dataclass(frozen=True)
class ContractAdd:
    """The fields of `contract add <customer> | <tool> | <amount> | <renewal> [| <cycle>]`."""

    customer: str
    tool: str
    amount: Money
    renewal_date: date
    billing_cycle: str | None = None

    def row(self, pod: str) -> ContractRow:
        """The contract for `pod`; a cycle left out keeps the stored one (annual when new)."""
        return ContractRow(
            pod=pod,
            customer=self.customer,
            tool=self.tool,
            amount=self.amount,
            renewal_date=self.renewal_date,
            billing_cycle=self.billing_cycle or "annual",
            unstated=frozenset({"billing_cycle", *OPTIONAL_COLUMNS})
            if self.billing_cycle is None
            else frozenset(OPTIONAL_COLUMNS),
        )


def conversion_day(
    before_cycle: str | None, after_cycle: str, converted_on: date | None, today: date
) -> date | None:
    """A contract's `converted_on` after a new term: the day (POD-local `today`) it went from
    monthly to annual billing. A contract converts once: a day already recorded is kept, and a
    new contract (no cycle before) has nothing to convert from."""
    if converted_on is not None:
        return converted_on
    if before_cycle == "monthly" and after_cycle == "annual":
        return today
    return None


def describe_terms(
    amount: Money,
    renewal_date: date,
    billing_cycle: str,
    day: Callable[[date], str] = date.isoformat,
) -> str:
    """`$48,000 a year, renews 2027-03-31, annual` for replies and reports; `day` writes the
    date (replies pass `bot.blocks.text.slack_date` in the POD's zone)."""
    return f"{format_money(amount)} a year, renews {day(renewal_date)}, {billing_cycle}"


# --- the CSV file --------------------------------------------------------------------------


def parse_contracts_csv(
    text: str,
    pods: set[str],
    default_currency: str,
    *,
    pod_currencies: Mapping[str, str] | None = None,
) -> tuple[list[ContractRow], list[RowError]]:
    """Every contract of a contracts CSV, or every reason (with its file line) it cannot be read."""
    lines, errors = read_table(
        text, REQUIRED_COLUMNS, (*OPTIONAL_COLUMNS, OFFLINE_COLUMN, *LINE_COLUMNS)
    )
    rows: list[ContractRow] = []
    first_line: dict[tuple[str, str], int] = {}
    for one in lines:
        line, cell = one.number, one.cells
        row, key, row_errors = _row(cell, line, pods, default_currency, pod_currencies or {})
        errors.extend(row_errors)
        if key is not None:
            if key in first_line:
                errors.append(
                    RowError(
                        line,
                        f"{cell['customer']} · {cell['tool']} is already on line "
                        f"{first_line[key]}; list each customer and tool once.",
                    )
                )
                continue
            first_line[key] = line
        if row is not None:
            rows.append(row)
    return rows, errors


def _row(
    cell: Mapping[str, str],
    line: int,
    pods: set[str],
    default_currency: str,
    pod_currencies: Mapping[str, str],
) -> tuple[ContractRow | None, tuple[str, str] | None, list[RowError]]:
    """One data line as a contract, its customer+tool key when readable, and its errors."""
    reasons: list[str] = []

    pod = cell["pod"].lower()
    known = ", ".join(sorted(pods)) or "none are configured"
    if not pod:
        reasons.append(f"pod is blank; use one of {known}.")
    elif pod not in pods:
        reasons.append(f"pod `{cell['pod']}` is not a configured POD; use one of {known}.")

    customer = _csv_name(cell["customer"], "customer", reasons)
    tool = _csv_name(cell["tool"], "tool", reasons)

    currency = cell["currency"].upper()
    if currency and currency not in ISO_4217_CODES:
        reasons.append(f"currency `{cell['currency']}` is not a 3-letter ISO code like USD.")
        currency = ""
    amount = _csv_amount(
        cell["annual_amount"],
        currency,
        currency or pod_currencies.get(pod, default_currency),
        reasons,
    )

    renewal: date | None = None
    if not cell["renewal_date"]:
        reasons.append("renewal_date is blank; write it as YYYY-MM-DD.")
    else:
        renewal = strict_date(cell["renewal_date"])
        if renewal is None:
            reasons.append(date_refusal(cell["renewal_date"], "renewal_date"))

    cycle = cell["billing_cycle"].lower() or "annual"
    if cycle not in BILLING_CYCLES:
        reasons.append(f"billing_cycle `{cell['billing_cycle']}` is not monthly or annual.")

    auto_renew: bool | None = None
    flag = cell.get("auto_renew", "").lower()
    if flag in _YES:
        auto_renew = True
    elif flag in _NO:
        auto_renew = False
    elif flag:
        reasons.append(f"auto_renew `{cell['auto_renew']}` is not yes, no, true, false, 1 or 0.")

    notice_days: int | None = None
    days = cell.get("notice_days", "")
    if days:
        if _WHOLE.fullmatch(days) and int(days) <= MAX_NOTICE_DAYS:
            notice_days = int(days)
        else:
            reasons.append(
                f"notice_days `{days}` is not a whole number of days from 0 to {MAX_NOTICE_DAYS}."
            )

    seats: int | None = None
    seats_text = cell.get("seats", "").replace(",", "")
    if seats_text:
        if _WHOLE.fullmatch(seats_text) and int(seats_text) >= 1:
            seats = int(seats_text)
        else:
            reasons.append(f"seats `{cell['seats'][:30]}` is not a whole number from 1.")
    plan = " ".join(cell.get("plan", "").split()) or None
    if plan is not None and len(plan) > MAX_NAME:
        reasons.append(f"plan is longer than {MAX_NAME} characters.")
    flag = cell.get("offline", "").lower()
    if flag and flag not in _YES | _NO:
        reasons.append(f"offline `{cell['offline']}` is not yes, no, true, false, 1 or 0.")

    key = (name_key(customer), name_key(tool)) if customer and tool else None
    errors = [RowError(line, reason) for reason in reasons]
    if errors or amount is None or renewal is None:
        return None, key, errors
    row = ContractRow(
        pod=pod,
        customer=customer,
        tool=tool,
        amount=amount,
        renewal_date=renewal,
        billing_cycle=cycle,
        auto_renew=auto_renew,
        notice_days=notice_days,
        seats=seats,
        plan=plan,
        line_stated=any(c in cell for c in LINE_COLUMNS),
        offline=flag in _YES,
        unstated=frozenset(c for c in OPTIONAL_COLUMNS if c not in cell),
        line=line,
    )
    return row, key, []


def _csv_name(value: str, column: str, reasons: list[str]) -> str:
    """A customer or tool name with its whitespace collapsed, or "" after noting the problem."""
    name = " ".join(value.split())
    if not name:
        reasons.append(f"{column} is blank.")
        return ""
    if len(name) > MAX_NAME:
        reasons.append(f"{column} is longer than {MAX_NAME} characters.")
        return ""
    return name


def _csv_amount(value: str, stated: str, default: str, reasons: list[str]) -> Money | None:
    """The annual amount in the currency column's currency, or None after noting the problem."""
    if not value:
        reasons.append("annual_amount is blank.")
        return None
    try:
        money = parse_amount(value, default)
    except AmountError as exc:
        reasons.append(f"annual_amount {exc}")
        return None
    if stated and money.currency != stated:
        reasons.append(
            f"annual_amount `{value}` is in {money.currency}, but currency says {stated}."
        )
        return None
    return money


# --- `/proc contract add` ------------------------------------------------------------------


def parse_contract_add(args: str, default_currency: str) -> ContractAdd:
    """`<customer> | <tool> | <annual amount> | <renewal YYYY-MM-DD> [| monthly|annual]`."""
    parts = [p.strip() for p in args.split("|")]
    if len(parts) < 4:
        raise GrammarError(
            "Give the customer, the tool, the annual amount and the renewal date, separated by `|`."
        )
    if len(parts) > 5:
        raise GrammarError("There are more than five `|`-separated fields.")
    customer = customer_name(parts[0])
    tool = plain_name(parts[1], "tool")
    if not parts[2]:
        raise GrammarError("The annual amount is missing.")
    try:
        amount = parse_amount(slack_unescape(parts[2]), default_currency)
    except AmountError as exc:
        raise GrammarError(str(exc)) from None
    if not parts[3]:
        raise GrammarError("The renewal date is missing; write it as YYYY-MM-DD.")
    renewal = strict_date(parts[3])
    if renewal is None:
        raise GrammarError(date_refusal(parts[3]))
    cycle: str | None = None
    if len(parts) == 5 and parts[4]:
        cycle = parts[4].lower()
        if cycle not in BILLING_CYCLES:
            raise GrammarError(
                f"`{parts[4][:30]}` is not a billing cycle; write `monthly` or `annual`."
            )
    return ContractAdd(customer, tool, amount, renewal, cycle)
