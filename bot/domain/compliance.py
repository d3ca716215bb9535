"""Risk and compliance before the close (issue 33): the vendor file, the contract checklist and
the guards a `close … won` must pass. Pure rules: dates come from the caller (a POD's today).

* The **vendor file**: a vendor's qualification documents (`DOCUMENT_KINDS`), each with the
  day it was received, the day it expires and who checked it. A request's vendor is its tool,
  matched by name key (`name_key`) across requests and PODs.
* The **contract checklist**: per request, the POD's items (`pods[].checklist`, seed 000's by
  default, `DEFAULT_CHECKLIST`), each not started / requested / done / not applicable (with a
  reason).
* The **close guards** (`Guard`): what a won close needs, each on by default and switched off
  per POD (`pods[].close_guards`); an em may override them with a recorded reason.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from bot.domain.csv_table import RowError, read_table
from bot.domain.dates import add_days
from bot.domain.grammar import GrammarError, strict_date

# -- the vendor file -------------------------------------------------------------------------

DOCUMENT_KINDS: dict[str, str] = {
    "soc2": "SOC 2 Type II report",
    "iso27001": "ISO 27001 certificate",
    "insurance": "certificate of insurance",
    "w9": "W-9",
    "financials": "financial statements",
}
# The short word the card and the reminders use.
DOCUMENT_WORDS: dict[str, str] = {
    "soc2": "SOC 2",
    "iso27001": "ISO 27001",
    "insurance": "insurance",
    "w9": "W-9",
    "financials": "financials",
}
EXPIRY_WARNING_DAYS = 30


@dataclass(frozen=True)
class VendorDoc:
    kind: str
    received_on: date
    expires_on: date | None
    checked_by: str


@dataclass(frozen=True)
class FileState:
    """A vendor file as of a day: which documents it has (unexpired), which are missing or
    expired, and the next to expire within the warning window."""

    present: tuple[str, ...]
    missing: tuple[str, ...]
    expired: tuple[str, ...]
    expiring: tuple[tuple[str, int], ...]  # (kind, days left), soonest first

    @property
    def complete(self) -> bool:
        return not self.missing and not self.expired


def file_state(docs: Iterable[VendorDoc], today: date) -> FileState:
    have = {doc.kind: doc for doc in docs}
    present, missing, expired, expiring = [], [], [], []
    for kind in DOCUMENT_KINDS:
        doc = have.get(kind)
        if doc is None:
            missing.append(kind)
        elif doc.expires_on is not None and doc.expires_on < today:
            expired.append(kind)
        else:
            present.append(kind)
            if doc.expires_on is not None:
                left = (doc.expires_on - today).days
                if left <= EXPIRY_WARNING_DAYS:
                    expiring.append((kind, left))
    expiring.sort(key=lambda pair: pair[1])
    return FileState(tuple(present), tuple(missing), tuple(expired), tuple(expiring))


def _in_days(days: int) -> str:
    if days == 0:
        return "today"
    return f"in {days} day{'s' if days != 1 else ''}"


def file_line(state: FileState) -> str:
    """ "vendor file: 4/5 · insurance expires in 12 days" (plain text)."""
    parts = [f"vendor file: {len(state.present)}/{len(DOCUMENT_KINDS)}"]
    if state.expired:
        parts.append(", ".join(DOCUMENT_WORDS[k] for k in state.expired) + " expired")
    if state.expiring:
        kind, days = state.expiring[0]
        parts.append(f"{DOCUMENT_WORDS[kind]} expires {_in_days(days)}")
    return " · ".join(parts)


# -- the contract checklist ------------------------------------------------------------------


class ItemState(enum.StrEnum):
    NOT_STARTED = "not_started"
    REQUESTED = "requested"
    DONE = "done"
    NA = "na"


STATE_WORDS: dict[str, str] = {
    ItemState.NOT_STARTED: "not started",
    ItemState.REQUESTED: "requested",
    ItemState.DONE: "done",
    ItemState.NA: "n/a",
}
_STATE_OF_WORD = {
    "not-started": ItemState.NOT_STARTED,
    "notstarted": ItemState.NOT_STARTED,
    "todo": ItemState.NOT_STARTED,
    "requested": ItemState.REQUESTED,
    "done": ItemState.DONE,
    "na": ItemState.NA,
    "n/a": ItemState.NA,
    "n.a.": ItemState.NA,
}


@dataclass(frozen=True)
class ChecklistItem:
    """One item of a POD's contract checklist: its key (what commands name), its words,
    whether a won close needs it done or n/a, and the procurement step it is tied to (offered
    when that step is done)."""

    key: str
    name: str
    required: bool = True
    step: str | None = None


DEFAULT_CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem("dpa", "DPA signed (GDPR/CCPA)"),
    ChecklistItem("liability", "Liability cap and indemnification reviewed"),
    ChecklistItem("auto-renewal", "Auto-renewal clause and notice period"),
    ChecklistItem("termination", "Termination for convenience"),
    ChecklistItem("security", "Security questionnaire answered", step="security-review"),
    ChecklistItem("residency", "Data residency"),
)
ITEM_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")
# The item whose `done` may carry the notice period (`checklist REQ auto-renewal done 60`).
AUTO_RENEWAL = "auto-renewal"
MAX_NOTICE = 365


@dataclass(frozen=True)
class ItemStatus:
    item: ChecklistItem
    state: ItemState
    reason: str | None = None

    @property
    def settled(self) -> bool:
        return self.state in (ItemState.DONE, ItemState.NA)


def checklist_status(
    items: Sequence[ChecklistItem], recorded: Mapping[str, tuple[str, str | None]]
) -> list[ItemStatus]:
    """The POD's items with their recorded state (not started when none)."""
    return [
        ItemStatus(
            item,
            ItemState(recorded[item.key][0]) if item.key in recorded else ItemState.NOT_STARTED,
            recorded[item.key][1] if item.key in recorded else None,
        )
        for item in items
    ]


def checklist_gaps(statuses: Sequence[ItemStatus]) -> list[ItemStatus]:
    """The required items neither done nor n/a."""
    return [s for s in statuses if s.item.required and not s.settled]


def checklist_line(statuses: Sequence[ItemStatus]) -> str:
    """ "checklist: 2/6 done · 1 requested" (plain text)."""
    settled = sum(1 for s in statuses if s.settled)
    requested = sum(1 for s in statuses if s.state is ItemState.REQUESTED)
    line = f"checklist: {settled}/{len(statuses)} settled"
    if requested:
        line += f" · {requested} requested"
    return line


# -- the close guards ------------------------------------------------------------------------


class Guard(enum.StrEnum):
    QUOTES = "quotes"
    CLAIM = "claim"
    CHECKLIST = "checklist"
    VENDOR_FILE = "vendor_file"
    DOCUMENTS = "documents"


ALL_GUARDS = frozenset(Guard)


@dataclass(frozen=True)
class CloseFacts:
    """What the guards judge, read for one request."""

    quote_vendors: int
    sole_source: bool
    claim_decided: bool
    claim_pending: bool
    no_saving: bool
    checklist: tuple[ItemStatus, ...]
    vendor: str
    vendor_file: FileState
    documents: int


@dataclass(frozen=True)
class Missing:
    """One thing a won close lacks: which guard, what is missing, and what fixes it (a command
    as typed, or a button)."""

    guard: Guard
    what: str
    fix: str


def missing_for_close(
    facts: CloseFacts, guards: frozenset[str], key: str, command: str
) -> list[Missing]:
    """Everything the POD's guards find missing, once each, in the guards' order."""
    found: list[Missing] = []
    if Guard.QUOTES in guards and facts.quote_vendors < 2 and not facts.sole_source:
        found.append(
            Missing(
                Guard.QUOTES,
                "a competing quote from a second vendor "
                f"({facts.quote_vendors} vendor{'s' if facts.quote_vendors != 1 else ''} quoted)",
                f"`{command} quote {key} <vendor> <amount>` (or **Log quote**), or "
                f"`{command} solesource {key} <reason>`",
            )
        )
    if Guard.CLAIM in guards and not facts.claim_decided and not facts.no_saving:
        what = (
            "a decision on the savings claim (it is pending)"
            if facts.claim_pending
            else "a savings claim, decided"
        )
        found.append(
            Missing(
                Guard.CLAIM,
                what,
                "an em's **Approve** or **Reject** on the claim"
                if facts.claim_pending
                else f"`{command} savings {key} …` (or **Claim savings**), or "
                f"`{command} nosaving {key} <reason>`",
            )
        )
    if Guard.CHECKLIST in guards:
        for status in checklist_gaps(facts.checklist):
            found.append(
                Missing(
                    Guard.CHECKLIST,
                    f"checklist: {status.item.name} ({STATE_WORDS[status.state]})",
                    f"`{command} checklist {key} {status.item.key} done` (or **Checklist**)",
                )
            )
    if Guard.VENDOR_FILE in guards:
        fix = f"`{command} vendor {facts.vendor} <kind> received expires YYYY-MM-DD`"
        for kinds, state in ((facts.vendor_file.missing, "missing"),
                             (facts.vendor_file.expired, "expired")):  # fmt: skip
            if kinds:
                names = ", ".join(DOCUMENT_KINDS[k] for k in kinds)
                found.append(
                    Missing(
                        Guard.VENDOR_FILE,
                        f"vendor file of {facts.vendor}: {names} {state}",
                        fix.replace("<kind>", kinds[0]) if len(kinds) == 1 else fix,
                    )
                )
    if Guard.DOCUMENTS in guards and facts.documents == 0:
        found.append(
            Missing(
                Guard.DOCUMENTS,
                "the final quote, signed contract, PO or invoice",
                f"`{command} attach {key} <link>`",
            )
        )
    return found


# -- grammar ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class VendorDocInput:
    """`<kind> received [YYYY-MM-DD] [expires YYYY-MM-DD]`: received today when no date."""

    kind: str
    received_on: date | None
    expires_on: date | None


_DOC = re.compile(
    r"^(?P<name>.+?)\s+(?P<kind>soc2|iso27001|insurance|w9|financials)\s+received"
    r"(?:\s+(?P<received>\S+))??(?:\s+expires\s+(?P<expires>\S+))?\s*$",
    re.IGNORECASE,
)


def parse_vendor(args: str) -> tuple[str, VendorDocInput | None]:
    """`<name>` (show the file) or `<name> <kind> received [date] [expires date]`."""
    text = args.strip()
    if not text:
        raise GrammarError("Name the vendor, like `vendor Acme`.")
    match = _DOC.match(text)
    if match is None:
        words = text.split()
        if any(w.lower() in DOCUMENT_KINDS for w in words[1:]):
            raise GrammarError(
                "Record a document as `vendor <name> <kind> received [YYYY-MM-DD] "
                "[expires YYYY-MM-DD]`; kinds: " + ", ".join(DOCUMENT_KINDS) + "."
            )
        return text, None
    received = expires = None
    if match["received"]:
        received = strict_date(match["received"])
        if received is None:
            raise GrammarError(f"`{match['received'][:30]}` is not a date like 2026-12-01.")
    if match["expires"]:
        expires = strict_date(match["expires"])
        if expires is None:
            raise GrammarError(f"`{match['expires'][:30]}` is not a date like 2027-06-30.")
    return match["name"].strip(), VendorDocInput(match["kind"].lower(), received, expires)


def parse_item_state(word: str) -> ItemState | None:
    """A state as typed: `done`, `requested`, `na` (or `n/a`), `not-started`."""
    return _STATE_OF_WORD.get(word.lower())


def guard_share_line(met: int, judged: int) -> str:
    """ "Closed with every guard met: 3 of 4 won closes (75%) — no bar yet" (mrkdwn)."""
    if judged == 0:
        return "Closed with every guard met: no won close judged yet — no bar yet"
    share = round(100 * met / judged)
    return (
        f"Closed with every guard met: {met} of {judged} won close{'s' if judged != 1 else ''} "
        f"({share}%) — no bar yet"
    )


@dataclass(frozen=True)
class ChecklistGap:
    """A request in its last procurement step (its PO) with required checklist items neither
    done nor n/a: what the aging report and the analyst's Home list."""

    request_id: int
    key: str
    customer: str
    tool: str
    buyer: str | None
    gaps: tuple[str, ...]  # the items' names


# -- `podbot import vendors` -----------------------------------------------------------------

VENDOR_COLUMNS = ("vendor", "document", "received")
VENDOR_OPTIONAL = ("expires", "checked_by")
_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,31}$")
IMPORTED_BY = "import"  # `checked_by` of a row that names nobody


@dataclass(frozen=True)
class VendorRow:
    """One document of a vendors file, with its file line."""

    vendor: str
    kind: str
    received_on: date
    expires_on: date | None
    checked_by: str
    line: int


def parse_vendors_csv(text: str) -> tuple[list[VendorRow], list[RowError]]:
    """Every document of a vendors CSV (`vendor,document,received[,expires][,checked_by]`), or
    every reason (with its file line) it cannot be read: all rows or none."""
    from bot.domain.names import name_key

    lines, errors = read_table(text, VENDOR_COLUMNS, VENDOR_OPTIONAL)
    rows: list[VendorRow] = []
    first_line: dict[tuple[str, str], int] = {}
    for line in lines:
        cell = line.cells
        reasons: list[str] = []
        vendor = cell["vendor"]
        if not vendor:
            reasons.append("vendor is blank.")
        elif len(vendor) > 200:
            reasons.append("vendor is longer than 200 characters.")
        kind = cell["document"].lower()
        if kind not in DOCUMENT_KINDS:
            reasons.append(
                f"document `{cell['document'][:30]}` is not one of {', '.join(DOCUMENT_KINDS)}."
            )
        received = strict_date(cell["received"]) if cell["received"] else None
        if received is None:
            reasons.append(f"received `{cell['received'][:30]}` is not a date like 2026-12-01.")
        expires = None
        if cell.get("expires"):
            expires = strict_date(cell["expires"])
            if expires is None:
                reasons.append(f"expires `{cell['expires'][:30]}` is not a date like 2027-06-30.")
            elif received is not None and expires < received:
                reasons.append("expires is before received.")
        checked_by = cell.get("checked_by") or IMPORTED_BY
        if checked_by != IMPORTED_BY and not _USER_ID.match(checked_by):
            reasons.append(f"checked_by `{checked_by[:30]}` is not a Slack user id like U024BE7LH.")
        errors.extend(RowError(line.number, reason) for reason in reasons)
        if reasons:
            continue
        assert received is not None
        key = (name_key(vendor), kind)
        if key in first_line:
            errors.append(
                RowError(
                    line.number,
                    f"{vendor}'s {kind} is already on line {first_line[key]}; list each once.",
                )
            )
            continue
        first_line[key] = line.number
        rows.append(VendorRow(vendor, kind, received, expires, checked_by, line.number))
    errors.sort(key=lambda error: error.line)
    return rows, errors


def vendor_expiry_window(expires: date) -> datetime:
    """When a document expiring on `expires` is first due a reminder: `EXPIRY_WARNING_DAYS`
    before, at midnight UTC — so a new expiry is a new window (a reminder's key)."""
    day = add_days(expires, -EXPIRY_WARNING_DAYS)
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
