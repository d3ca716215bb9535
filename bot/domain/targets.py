"""Quarterly savings targets as people write them: the targets CSV (`podbot import targets`)
and `/proc target <YYYYQn> pod|@member <amount>`. Pure: no I/O.

A target is for a POD or for one of its members who negotiates (a buyer or an em), for a
fiscal quarter of that POD's fiscal year. It can be set and changed until the quarter ends
(its last day, in the POD's time zone); after that it is history.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from bot.domain.csv_table import RowError, read_table
from bot.domain.grammar import GrammarError
from bot.domain.mentions import MentionError, is_user_id, parse_user_mention
from bot.domain.money import AmountError, Money, format_money, parse_amount
from bot.domain.quarters import Quarter, parse_quarter, quarter_at, split_quarter
from bot.domain.vocabulary import Role, TargetScope

__all__ = [
    "COLUMNS",
    "TARGET_ROLES",
    "RowError",
    "TargetPod",
    "TargetRow",
    "TargetSet",
    "describe_target",
    "ended_refusal",
    "parse_target_command",
    "parse_targets_csv",
    "quarter_has_ended",
]

COLUMNS = ("quarter", "scope", "amount")
# Who may carry a target of their own: the members who negotiate.
TARGET_ROLES = frozenset({Role.BUYER, Role.EM})
_QUARTER = re.compile(r"(?P<year>[0-9]{4})[qQ](?P<number>[1-4])")
_POD_SCOPE = re.compile(r"pod:(?P<key>.*)", re.IGNORECASE)


@dataclass(frozen=True)
class TargetPod:
    """What reading targets needs to know of a configured POD."""

    key: str
    name: str
    currency: str
    fiscal_year_start_month: int
    members: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class TargetRow:
    """One target: a quarter's amount for a POD (member None) or one of its members."""

    pod: str
    quarter: Quarter
    member: str | None
    amount: Money
    line: int = 0

    @property
    def scope(self) -> TargetScope:
        """Whether the target is the POD's or one member's."""
        return TargetScope.POD if self.member is None else TargetScope.MEMBER


@dataclass(frozen=True)
class TargetSet:
    """The fields of `target <YYYYQn> pod|@member <amount>`."""

    quarter: Quarter
    member: str | None
    amount: Money


def quarter_has_ended(quarter: Quarter, today: date) -> bool:
    """Whether `today` (the POD's local date) is after the quarter's last day."""
    return today > quarter.end


def ended_refusal(quarter: Quarter) -> str:
    """Why a target of an ended quarter cannot change."""
    return (
        f"{quarter} ended on {quarter.end.isoformat()}; a target can be set or changed "
        "only until its quarter ends."
    )


def describe_target(quarter: Quarter, who: str, amount: Money, before: Money | None) -> str:
    """`2027Q1 target for <@U…>: $120,000 (was $100,000)`."""
    was = f" (was {format_money(before)})" if before is not None else ""
    return f"{quarter} target for {who}: {format_money(amount)}{was}"


# --- the CSV file --------------------------------------------------------------------------


def parse_targets_csv(
    text: str, pods: Sequence[TargetPod]
) -> tuple[list[TargetRow], list[RowError]]:
    """Every target of a targets CSV (`quarter,scope,amount`), or every reason (with its file
    line) it cannot be read. `scope` is `pod:<key>`, or a member's Slack user id: a buyer or
    em of exactly one POD (in several, the row is refused naming them)."""
    lines, errors = read_table(text, COLUMNS)
    by_key = {pod.key: pod for pod in pods}
    rows: list[TargetRow] = []
    first_line: dict[tuple[str, str, str | None], int] = {}
    for line in lines:
        cell = line.cells
        reasons: list[str] = []
        pod, member = _scope(cell["scope"], by_key, reasons)
        quarter = _csv_quarter(cell["quarter"], pod, reasons)
        amount: Money | None = None
        if not cell["amount"]:
            reasons.append("amount is blank.")
        elif pod is not None:
            try:
                amount = parse_amount(cell["amount"], pod.currency)
            except AmountError as exc:
                reasons.append(f"amount {exc}")
        errors.extend(RowError(line.number, reason) for reason in reasons)
        if pod is None or quarter is None:
            continue
        key = (pod.key, str(quarter), member)
        if key in first_line:
            errors.append(
                RowError(
                    line.number,
                    f"The {quarter} target for {cell['scope']} is already on line "
                    f"{first_line[key]}; list each quarter and scope once.",
                )
            )
            continue
        first_line[key] = line.number
        if amount is not None and not reasons:
            rows.append(TargetRow(pod.key, quarter, member, amount, line.number))
    errors.sort(key=lambda error: error.line)  # cell-count errors come from the reader first
    return rows, errors


def _scope(
    value: str, pods: Mapping[str, TargetPod], reasons: list[str]
) -> tuple[TargetPod | None, str | None]:
    known = ", ".join(f"pod:{key}" for key in sorted(pods)) or "none are configured"
    if not value:
        reasons.append(f"scope is blank; write pod:<key> ({known}) or a member's Slack user id.")
        return None, None
    pod_scope = _POD_SCOPE.fullmatch(value)
    if pod_scope is not None:
        pod = pods.get(pod_scope["key"].strip().lower())
        if pod is None:
            reasons.append(f"scope `{value}` names no configured POD; use one of {known}.")
        return pod, None
    member = value.upper()
    if not is_user_id(member):
        reasons.append(
            f"scope `{value}` is neither pod:<key> ({known}) nor a Slack user id like U0BUY0001."
        )
        return None, None
    theirs = [pod for pod in pods.values() if pod.members.get(member) in TARGET_ROLES]
    if len(theirs) == 1:
        return theirs[0], member
    if theirs:
        names = ", ".join(pod.key for pod in theirs)
        reasons.append(
            f"{member} is a buyer or em of several PODs ({names}); a member's target needs "
            "one POD, so set it with `/proc target` in that POD's channel."
        )
    elif any(member in pod.members for pod in pods.values()):
        reasons.append(f"{member} is not a buyer or em of any POD; only they carry targets.")
    else:
        reasons.append(f"{member} is not a member of any configured POD.")
    return None, None


def _csv_quarter(value: str, pod: TargetPod | None, reasons: list[str]) -> Quarter | None:
    if not value:
        reasons.append("quarter is blank; write it like 2027Q1.")
        return None
    match = _QUARTER.fullmatch(value)
    if match is None:
        reasons.append(f"quarter `{value}` is not a quarter; write it like 2027Q1.")
        return None
    if pod is None:
        return None
    try:
        return Quarter(int(match["year"]), int(match["number"]), pod.fiscal_year_start_month)
    except ValueError:
        reasons.append(f"quarter `{value}` is out of range; write it like 2027Q1.")
        return None


# --- `/proc target` ------------------------------------------------------------------------


def parse_target_command(
    args: str, default_currency: str, start_month: int, today: date
) -> TargetSet:
    """`<YYYYQn|next> pod <amount>` or `<YYYYQn|next> @member <amount>` (the quarter as
    `parse_quarter` reads it: `Q1 2027` too). A quarter after `pod` or the member is refused
    with the command as meant: `@kavya 2027Q1 120k` is `2027Q1 @kavya 120k`."""
    words = args.split()
    if len(words) < 3:
        raise GrammarError(
            "Give the quarter, `pod` or the member, and the amount, like `2027Q1 pod 500k`."
        )
    typed, rest = split_quarter(args)
    if typed is None and words[0].lower() != "next":
        later = quarter_at(words, 1) or next(
            ((i, 1) for i, word in enumerate(words) if word.lower() == "next"), None
        )
        if later is not None:
            at, width = later
            typed = " ".join(words[at : at + width])
            # A quarter that cannot be placed gets its own refusal; `next` stays `next`.
            shown = (
                typed if typed.lower() == "next" else str(parse_quarter(typed, start_month, today))
            )
            meant = [shown, *words[:at], *words[at + width :]]
            raise GrammarError("The quarter comes first.", did_you_mean=" ".join(meant))
    if typed is None:
        typed, rest = words[0], " ".join(words[1:])
    quarter = parse_quarter(typed, start_month, today)
    words = rest.split()
    if len(words) < 2:
        raise GrammarError(
            "Give the quarter, `pod` or the member, and the amount, like `2027Q1 pod 500k`."
        )
    member: str | None = None
    if words[0].lower() != "pod":
        try:
            member = parse_user_mention(words[0])
        except MentionError as exc:
            raise GrammarError(f"{exc} Or write `pod` for the POD's own target.") from None
    try:
        amount = parse_amount(" ".join(words[1:]), default_currency)
    except AmountError as exc:
        raise GrammarError(str(exc)) from None
    return TargetSet(quarter, member, amount)
