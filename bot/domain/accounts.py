"""Customer accounts as people write them: the accounts CSV (`podbot import accounts`) and
`/proc account <customer> [health favorable|neutral|at-risk [note]]` (its `sentiment …` form
is `bot/domain/people_matrix.py`'s). Pure: no I/O.

An account belongs to one POD and is matched by its customer's `name_key`. Its dates are
written `YYYY-MM-DD` strictly; its money (MSG, PSE, ATS) is written as in SPEC §3, in the
POD's currency unless the amount says otherwise, and all of one account's money is in one
currency.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from bot.domain.csv_table import RowError, read_table
from bot.domain.grammar import (
    MAX_NAME,
    MAX_TEXT,
    GrammarError,
    customer_name,
    date_refusal,
    strict_date,
)
from bot.domain.money import AmountError, Money, format_money, parse_amount
from bot.domain.names import name_key
from bot.domain.people import EMAIL
from bot.domain.vocabulary import Health

__all__ = [
    "COLUMNS",
    "OPTIONAL_COLUMNS",
    "REQUIRED_COLUMNS",
    "AccountCommand",
    "AccountRow",
    "RowError",
    "describe_money",
    "parse_account_command",
    "parse_accounts_csv",
    "parse_health",
]

REQUIRED_COLUMNS = ("customer", "pod", "initiated", "handover", "term_end", "msg", "pse", "ats")
# `contacts`: the customer's people its updates go to (issue 32), `a@x.com; b@y.com`.
# `fee`: what the customer pays us a year (issue 35: the leadership report's ROI).
OPTIONAL_COLUMNS = ("health", "contacts", "channel", "fee")
COLUMNS = REQUIRED_COLUMNS + OPTIONAL_COLUMNS
# Cells that may be blank: not known yet (no handover yet, no estimate yet).
MAY_BE_BLANK = ("handover", "pse", "ats", "health", "contacts", "channel", "fee")
# `channel`: the customer's Slack channel (internal or Slack Connect), where podbot keeps the
# account's canvas (issue 32): a channel id.
CHANNEL_ID = re.compile(r"^[CG][A-Z0-9]{2,31}$")
# Addresses in one contacts cell, at most.
MAX_CONTACTS = 20
MONEY_COLUMNS = ("msg", "pse", "ats")

# What people type for each health, British spelling and a space or underscore included.
_HEALTH_WORDS = {
    "favorable": Health.FAVORABLE,
    "favourable": Health.FAVORABLE,
    "neutral": Health.NEUTRAL,
    "at-risk": Health.AT_RISK,
    "at_risk": Health.AT_RISK,
    "atrisk": Health.AT_RISK,
    "at risk": Health.AT_RISK,
}
HEALTH_CHOICES = "favorable, neutral or at-risk"


@dataclass(frozen=True)
class AccountRow:
    """One customer account as a line of the accounts file states it."""

    pod: str
    customer: str
    initiated: date
    handover: date | None
    term_end: date
    msg: Money
    pse: Money | None
    ats: Money | None
    # None: the file does not say; an update keeps the stored health, a new account is neutral.
    health: Health | None = None
    line: int = 0
    # None: the file does not say (the stored contacts are kept).
    contacts: tuple[str, ...] | None = None
    channel: str | None = None  # None: the file does not say (the stored channel is kept)
    fee: Money | None = None  # None: the file does not say (the stored fee is kept)

    @property
    def currency(self) -> str:
        """The currency of all the account's money."""
        return self.msg.currency


def parse_health(word: str) -> Health | None:
    """The health a person wrote (`at-risk`, `At Risk`, `favourable`), or None."""
    return _HEALTH_WORDS.get(" ".join(word.lower().split()))


def describe_money(money: Money | None) -> str:
    """`$250,000`, or `not set` for money nobody has given yet."""
    return "not set" if money is None else format_money(money)


# --- the CSV file --------------------------------------------------------------------------


def parse_accounts_csv(
    text: str,
    pods: set[str],
    default_currency: str,
    *,
    pod_currencies: Mapping[str, str] | None = None,
) -> tuple[list[AccountRow], list[RowError]]:
    """Every account of an accounts CSV, or every reason (with its file line) it cannot be read."""
    lines, errors = read_table(text, REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    rows: list[AccountRow] = []
    first_line: dict[str, int] = {}
    for line in lines:
        cell = line.cells
        row, reasons = _row(cell, line.number, pods, default_currency, pod_currencies or {})
        errors.extend(RowError(line.number, reason) for reason in reasons)
        if row is None and not cell["customer"].strip():
            continue
        key = name_key(cell["customer"])
        if key and key in first_line:
            errors.append(
                RowError(
                    line.number,
                    f"{' '.join(cell['customer'].split())} is already on line {first_line[key]}; "
                    "list each customer once.",
                )
            )
            continue
        if key:
            first_line[key] = line.number
        if row is not None:
            rows.append(row)
    errors.sort(key=lambda error: error.line)  # cell-count errors come from the reader first
    return rows, errors


def _row(
    cell: Mapping[str, str],
    line: int,
    pods: set[str],
    default_currency: str,
    pod_currencies: Mapping[str, str],
) -> tuple[AccountRow | None, list[str]]:
    reasons: list[str] = []
    pod = cell["pod"].lower()
    known = ", ".join(sorted(pods)) or "none are configured"
    if not pod:
        reasons.append(f"pod is blank; use one of {known}.")
    elif pod not in pods:
        reasons.append(f"pod `{cell['pod']}` is not a configured POD; use one of {known}.")

    customer = " ".join(cell["customer"].split())
    if not customer:
        reasons.append("customer is blank.")
    elif len(customer) > MAX_NAME:
        reasons.append(f"customer is longer than {MAX_NAME} characters.")

    dates = {name: _date(cell, name, reasons) for name in ("initiated", "handover", "term_end")}
    initiated, handover, term_end = dates["initiated"], dates["handover"], dates["term_end"]
    if initiated and handover and handover < initiated:
        reasons.append(
            f"handover {handover.isoformat()} is before initiated {initiated.isoformat()}."
        )
    if initiated and term_end and term_end < initiated:
        reasons.append(
            f"term_end {term_end.isoformat()} is before initiated {initiated.isoformat()}."
        )

    currency = pod_currencies.get(pod, default_currency)
    money = {name: _money(cell, name, currency, reasons) for name in MONEY_COLUMNS}
    fee = _money(cell, "fee", currency, reasons) if "fee" in cell else None
    stated = {name: m for name, m in (money | {"fee": fee}).items() if m is not None}
    if len({m.currency for m in stated.values()}) > 1:
        shown = ", ".join(f"{name} is in {m.currency}" for name, m in stated.items())
        reasons.append(f"{shown}: an account's amounts are all in one currency.")

    health: Health | None = None
    word = cell.get("health", "")
    if word:
        health = parse_health(word)
        if health is None:
            reasons.append(f"health `{word}` is not {HEALTH_CHOICES}.")

    contacts = _contacts(cell.get("contacts", ""), reasons)
    channel = cell.get("channel", "").strip() or None
    if channel is not None and not CHANNEL_ID.match(channel):
        reasons.append(
            f"channel `{channel[:40]}` is not a Slack channel id (like C0123ABCD); "
            "copy it from the channel's details."
        )

    if reasons or initiated is None or term_end is None or money["msg"] is None:
        return None, reasons
    return (
        AccountRow(
            pod=pod,
            customer=customer,
            initiated=initiated,
            handover=handover,
            term_end=term_end,
            msg=money["msg"],
            pse=money["pse"],
            ats=money["ats"],
            health=health,
            line=line,
            contacts=contacts,
            channel=channel,
            fee=fee,
        ),
        [],
    )


def _contacts(value: str, reasons: list[str]) -> tuple[str, ...] | None:
    """The addresses of a contacts cell (separated by `;`, `,` or spaces), or None if blank."""
    found = [part for part in re.split(r"[;,\s]+", value) if part]
    if not found:
        return None
    bad = [part for part in found if not EMAIL.match(part)]
    if bad:
        reasons.append(f"contacts `{bad[0][:60]}` is not an email address.")
    elif len(found) > MAX_CONTACTS:
        reasons.append(f"contacts lists more than {MAX_CONTACTS} addresses.")
    return tuple(dict.fromkeys(part.lower() for part in found))


def _date(cell: Mapping[str, str], name: str, reasons: list[str]) -> date | None:
    value = cell[name]
    if not value:
        if name not in MAY_BE_BLANK:
            reasons.append(f"{name} is blank; write it as YYYY-MM-DD.")
        return None
    found = strict_date(value)
    if found is None:
        reasons.append(date_refusal(value, name, may_be_blank=name in MAY_BE_BLANK))
    return found


def _money(cell: Mapping[str, str], name: str, currency: str, reasons: list[str]) -> Money | None:
    value = cell[name]
    if not value:
        if name not in MAY_BE_BLANK:
            reasons.append(f"{name} is blank.")
        return None
    try:
        return parse_amount(value, currency)
    except AmountError as exc:
        reasons.append(f"{name} {exc}")
        return None


# --- `/proc account` -----------------------------------------------------------------------


@dataclass(frozen=True)
class AccountCommand:
    """`account <customer>` (health None: show it) or `account <customer> health <h> [note]`."""

    customer: str
    health: Health | None = None
    note: str | None = None
    # `health <word>` was typed but the word is no health: shown if no customer is found
    # under the whole text (a customer may be called "Acme Health Plus").
    unread_health: str | None = None


def parse_account_command(args: str) -> AccountCommand:
    """`<customer>` or `<customer> health favorable|neutral|at-risk [note]`.

    The customer is everything before the first `health` that is followed by a health and
    has at least one word before it, so `Health Co health at-risk` is the customer Health Co.
    """
    words = args.split()
    if not words:
        raise GrammarError("Name the customer, like `account Acme Corp`.")
    unread: str | None = None
    for i in range(1, len(words)):
        if words[i].lower() != "health":
            continue
        following = words[i + 1 :]
        if not following:
            break
        width = 2 if len(following) > 1 and parse_health(" ".join(following[:2])) else 1
        health = parse_health(" ".join(following[:width]))
        if health is None:
            unread = unread or following[0]
            continue
        customer = _customer(" ".join(words[:i]))
        # The note keeps its line breaks and Slack mrkdwn; only the words before it are split.
        note = _rest_after(args, i + 1 + width)
        if len(note) > MAX_TEXT:
            raise GrammarError(f"The note is longer than {MAX_TEXT} characters.")
        return AccountCommand(customer, health, note or None)
    return AccountCommand(_customer(args), unread_health=unread)


def _customer(text: str) -> str:
    return customer_name(text, missing="Name the customer, like `account Acme Corp`.")


def _rest_after(text: str, words: int) -> str:
    """`text` after its first `words` whitespace-separated words, stripped."""
    rest = text
    for _ in range(words):
        rest = rest.lstrip()
        cut = re.search(r"\s", rest)
        rest = rest[cut.start() :] if cut else ""
    return rest.strip()
