"""Open requests as a tracker exports them (`podbot import requests FILE.csv`): the day-one
import of a POD's open work. Pure: the PODs' members, time zones and currencies are passed in.

Header `external_id,pod,customer,tool,type,stage,buyer,analyst,created,assigned,current_spend,
renewal_date,notes[,last_update,last_update_at]`; people are Slack user ids; `stage` is
intake|qualified|negotiating; `created`, `assigned` and `last_update_at` are `YYYY-MM-DD` (09:00
POD time) or `YYYY-MM-DDTHH:MM` / `YYYY-MM-DD HH:MM` (POD time; a UTC offset may be given).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.domain.csv_table import RowError, read_table
from bot.domain.grammar import (
    MAX_NAME,
    MAX_TEXT,
    date_refusal,
    in_date_window,
    outside_date_window,
    strict_date,
)
from bot.domain.money import AmountError, Money, parse_amount
from bot.domain.people import EMAIL
from bot.domain.vocabulary import ANALYST_ROLES, BUYER_ROLES

__all__ = ["REQUIRED_COLUMNS", "ImportPod", "ImportedRequest", "parse_requests_csv"]

REQUIRED_COLUMNS = (
    "external_id", "pod", "customer", "tool", "type", "stage", "buyer", "analyst", "created",
    "assigned", "current_spend", "renewal_date", "notes",
)  # fmt: skip
OPTIONAL_COLUMNS = ("last_update", "last_update_at")
STAGES = ("intake", "qualified", "negotiating")
TYPES = ("new", "renewal")
DAY_STARTS = time(9, 0)  # a date alone is taken as 09:00 in the POD's time zone
MAX_EXTERNAL_ID = 200
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


@dataclass(frozen=True)
class ImportPod:
    """What the import needs of a configured POD."""

    key: str
    timezone: str
    currency: str
    members: Mapping[str, str] = field(default_factory=dict)  # user id -> role


@dataclass(frozen=True)
class ImportedRequest:
    """One valid line of the file."""

    line: int
    external_id: str
    pod: str
    customer: str
    tool: str
    kind: str
    stage: str
    buyer: str | None
    analyst: str | None
    created: datetime
    assigned: datetime | None
    current_spend: Money | None
    renewal_date: date | None
    notes: str | None
    last_update: str | None
    last_update_at: datetime | None


def parse_requests_csv(
    text: str, pods: Mapping[str, ImportPod], people: Mapping[str, str | None] | None = None
) -> tuple[list[ImportedRequest], list[RowError]]:
    """Every request of the file, or every reason (with its file line) one cannot be read.

    A buyer or analyst may be given by email: `people` maps each (lower-case) to the Slack
    user id Slack gave for it, or None when Slack has no such member. Without `people` (a
    check without Slack), an email stays as written, its role checked only when the config
    lists that email."""
    lines, errors = read_table(text, REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    rows: list[ImportedRequest] = []
    first_line: dict[str, int] = {}
    for line in lines:
        reasons: list[str] = []
        row = _row(line.cells, line.number, pods, reasons, people)
        external = line.cells["external_id"]
        if external and external in first_line:
            reasons.append(f"external_id {external} is already on line {first_line[external]}.")
        elif external:
            first_line[external] = line.number
        errors.extend(RowError(line.number, reason) for reason in reasons)
        if row is not None and not reasons:
            rows.append(row)
    errors.sort(key=lambda error: error.line)
    return rows, errors


def emails_in(text: str) -> list[str]:
    """The emails written as buyers and analysts in the file (lower-case, once each, in file
    order), for Slack to say whose they are before the file is read for good."""
    lines, _errors = read_table(text, REQUIRED_COLUMNS, OPTIONAL_COLUMNS)
    found = [
        line.cells[name].strip().lower()
        for line in lines
        for name in ("buyer", "analyst")
        if EMAIL.match(line.cells.get(name, "").strip())
    ]
    return list(dict.fromkeys(found))


def _row(
    cell: Mapping[str, str], line: int, pods: Mapping[str, ImportPod], reasons: list[str],
    people: Mapping[str, str | None] | None = None,
) -> ImportedRequest | None:  # fmt: skip
    external = cell["external_id"]
    if not external:
        reasons.append("external_id is blank; every row needs the tracker's id.")
    elif len(external) > MAX_EXTERNAL_ID:
        reasons.append(f"external_id is longer than {MAX_EXTERNAL_ID} characters.")
    pod = pods.get(cell["pod"].lower())
    if pod is None:
        known = ", ".join(sorted(pods)) or "none are configured"
        reasons.append(f"pod `{cell['pod']}` is not a configured POD; use one of {known}.")
    names = {}
    for name in ("customer", "tool"):
        value = " ".join(cell[name].split())
        if not value:
            reasons.append(f"{name} is blank.")
        elif len(value) > MAX_NAME:
            reasons.append(f"{name} is longer than {MAX_NAME} characters.")
        names[name] = value
    kind = cell["type"].lower()
    if kind not in TYPES:
        reasons.append(f"type `{cell['type']}` is not new or renewal.")
    stage = cell["stage"].lower()
    if stage not in STAGES:
        reasons.append(f"stage `{cell['stage']}` is not one of {', '.join(STAGES)}.")
    zone = ZoneInfo(pod.timezone) if pod else ZoneInfo("UTC")
    buyer = _person(cell, "buyer", pod, BUYER_ROLES, reasons, people)
    analyst = _person(cell, "analyst", pod, ANALYST_ROLES, reasons, people)
    created = _instant(cell, "created", zone, reasons, required=True)
    assigned = _instant(cell, "assigned", zone, reasons, required=False)
    if stage == "negotiating":
        if buyer is None and cell["buyer"] == "":
            reasons.append("buyer is blank; a negotiating request has a buyer.")
        if assigned is None and cell["assigned"] == "":
            reasons.append("assigned is blank; a negotiating request has its assignment date.")
    elif stage in STAGES and cell["assigned"]:
        reasons.append(f"assigned is set but the stage is {stage}; only negotiating is assigned.")
    if created and assigned and assigned < created:
        reasons.append("assigned is before created.")
    spend: Money | None = None
    if cell["current_spend"]:
        try:
            spend = parse_amount(cell["current_spend"], pod.currency if pod else "USD")
        except AmountError as exc:
            reasons.append(f"current_spend: {exc}")
    renewal: date | None = None
    if cell["renewal_date"]:
        renewal = strict_date(cell["renewal_date"])
        if renewal is None:
            reasons.append(date_refusal(cell["renewal_date"], "renewal_date", may_be_blank=True))
    notes = cell["notes"] or None
    if notes and len(notes) > MAX_TEXT:
        reasons.append(f"notes are longer than {MAX_TEXT} characters.")
    last_update = cell.get("last_update") or None
    last_update_at = _instant(cell, "last_update_at", zone, reasons, required=False)
    if last_update and last_update_at is None and not cell.get("last_update_at"):
        reasons.append("last_update_at is blank; an update needs the time it was made.")
    if last_update_at and not last_update:
        reasons.append("last_update_at is set but last_update is blank.")
    if last_update and len(last_update) > MAX_TEXT:
        reasons.append(f"last_update is longer than {MAX_TEXT} characters.")
    if created and last_update_at and last_update_at < created:
        reasons.append("last_update_at is before created.")
    if reasons or pod is None or created is None:
        return None
    return ImportedRequest(
        line=line, external_id=external, pod=pod.key, customer=names["customer"],
        tool=names["tool"], kind=kind, stage=stage, buyer=buyer, analyst=analyst,
        created=created, assigned=assigned, current_spend=spend, renewal_date=renewal,
        notes=notes, last_update=last_update, last_update_at=last_update_at,
    )  # fmt: skip


def _person(
    cell: Mapping[str, str], name: str, pod: ImportPod | None, roles: tuple[str, ...],
    reasons: list[str], people: Mapping[str, str | None] | None = None,
) -> str | None:  # fmt: skip
    written = cell[name].strip()
    if EMAIL.match(written):
        email = written.lower()
        if people is None:  # no Slack: the role is checked only where the config has the email
            if pod is not None and email in pod.members and pod.members[email] not in roles:
                reasons.append(f"{name} {written} is not {' or '.join(roles)} of POD {pod.key}.")
                return None
            return email
        found = people.get(email)
        if found is None:
            reasons.append(f"{name} {written}: Slack has no member with this email.")
            return None
        value = found
    else:
        value = written.removeprefix("<@").removesuffix(">").upper()
    if not value:
        return None
    if not _USER_ID.match(value):
        reasons.append(
            f"{name} `{cell[name]}` is not a Slack user id like U0123ABCD, nor an email."
        )
        return None
    if pod is not None and pod.members.get(value) not in roles:
        who = f"{written} ({value})" if EMAIL.match(written) else value
        reasons.append(f"{name} {who} is not {' or '.join(roles)} of POD {pod.key}.")
        return None
    return value


def _instant(
    cell: Mapping[str, str], name: str, zone: ZoneInfo, reasons: list[str], *, required: bool
) -> datetime | None:
    text = cell.get(name, "")
    if not text:
        if required:
            reasons.append(f"{name} is blank; write it as YYYY-MM-DD or YYYY-MM-DD HH:MM.")
        return None
    try:
        found = datetime.fromisoformat(text)
    except ValueError:
        reasons.append(f"{name} `{text}` is not YYYY-MM-DD or YYYY-MM-DD HH:MM.")
        return None
    if not in_date_window(found.date()):  # the day as written, before any offset moves it
        reasons.append(outside_date_window(f"{name} `{text}`"))
        return None
    day = strict_date(text)
    if day is not None:
        return datetime.combine(day, DAY_STARTS, tzinfo=zone)
    return found if found.tzinfo else found.replace(tzinfo=zone)
