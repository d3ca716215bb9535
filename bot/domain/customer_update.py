"""The customer update (issue 32): what an account's customer is told every other Monday, in
the customer's words. Pure: the facts come in (read by `bot/db/customer_updates.py`), the
draft (subject, plain text, HTML) comes out; no I/O, no clock but the day given.

An account's **fortnight** runs from its handover: its first update is due on the first Monday
on or after the handover day, then every 14 days (`update_due`).

The draft never says what only the POD says: no "TAT", "breach", request keys, Slack ids,
buyer notes or other customers' names (`wording_problems` names what slipped through; the
tests run it over the whole demo data). Stages and procurement steps are said in plain words
(`progress_words`), and a request's free text (notes, reasons, update lines) is never copied.
"""

from __future__ import annotations

import enum
import html
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

from bot.domain.dates import add_days
from bot.domain.money import Money, format_money
from bot.domain.vocabulary import Outcome, Stage

# Days between two updates of an account.
FORTNIGHT = 14
# An account with no update sent for this many days is flagged (the em's Home, the check-in).
QUIET_DAYS = 15
# The days before a renewal its decision is needed, when the contract names no notice.
DECISION_DAYS = 30
# Renewals shown: the next this many days.
RENEWAL_DAYS = 90
# Who signs the update (the `[email] signature` config key overrides it).
SIGNATURE = "Your procurement team"


class UpdateStatus(enum.StrEnum):
    """Where a drafted update is: drafted; being emailed (Send clicked, the outbox row
    queued); emailed by podbot; marked sent by a person who sent it themselves; the email
    refused for good."""

    DRAFTED = "drafted"
    SENDING = "sending"
    SENT = "sent"
    MARKED = "marked"
    FAILED = "failed"


SENT_STATUSES = (UpdateStatus.SENT, UpdateStatus.MARKED)


def first_update_day(handover: date) -> date:
    """The first Monday on or after the handover day."""
    return handover + timedelta(days=(7 - handover.weekday()) % 7)


def update_due(handover: date | None, today: date) -> bool:
    """Whether an account handed over on `handover` is due its bi-weekly update `today`: a
    Monday an even number of weeks after its first update day. No handover, no update."""
    if handover is None:
        return False
    first = first_update_day(handover)
    return today >= first and (today - first).days % FORTNIGHT == 0


def decision_day(renewal: date, notice_days: int | None) -> date:
    """The day a renewal's decision is needed: its notice before it, else `DECISION_DAYS`."""
    return add_days(renewal, -(notice_days if notice_days is not None else DECISION_DAYS))


# --- the facts -----------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenItem:
    """A request in progress: its tool, stage, procurement step and next date."""

    tool: str
    stage: Stage
    step: str | None = None  # the procurement step's words (`security review`), negotiating
    next_date: date | None = None  # the date the next step is aimed at


@dataclass(frozen=True)
class WaitingItem:
    """Something waiting on the customer: a pre-approval sent, or a customer hold."""

    tool: str
    preapproval: bool  # True: our pre-approval; False: a hold on the customer's input
    since: date


@dataclass(frozen=True)
class RenewalItem:
    """A contract of the customer renewing soon."""

    tool: str
    renews: date
    decide_by: date


@dataclass(frozen=True)
class ClosedItem:
    """A request finished since the last update."""

    tool: str
    stage: Stage  # closed or disqualified
    outcome: Outcome | None
    on: date
    saved: Money | None = None  # the saving it counts, when there is one


@dataclass(frozen=True)
class UpdateFacts:
    """Everything a customer update says, read for one account on one day."""

    customer: str
    as_of: date
    saved: Money  # savings to date (effective claims), in the account's currency
    msg: Money | None  # the minimum savings guarantee
    since: date | None  # the last update sent (what closed is counted from), else None
    open: Sequence[OpenItem] = field(default_factory=tuple)
    waiting: Sequence[WaitingItem] = field(default_factory=tuple)
    renewals: Sequence[RenewalItem] = field(default_factory=tuple)
    closed: Sequence[ClosedItem] = field(default_factory=tuple)
    signature: str = SIGNATURE


@dataclass(frozen=True)
class Draft:
    """A drafted update: its subject, plain text and HTML."""

    subject: str
    text: str
    html: str


# --- words ---------------------------------------------------------------------------------

_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def day_words(day: date) -> str:
    """`Dec 7, 2026`."""
    return f"{_MONTHS[day.month - 1]} {day.day}, {day.year}"


def progress_words(item: OpenItem) -> tuple[str, str]:
    """(where it is, what comes next) in the customer's words."""
    if item.stage == Stage.INTAKE:
        return "we are confirming the scope with you", "agree the scope"
    if item.stage == Stage.QUALIFIED:
        return "scoped and ready for negotiation", "start the negotiation with the vendor"
    if item.step:
        return (f"in negotiation with the vendor, at the {item.step} step",
                f"complete the {item.step}")  # fmt: skip
    return "in negotiation with the vendor", "agree the terms with the vendor"


def closed_words(item: ClosedItem) -> str:
    if item.stage == Stage.DISQUALIFIED:
        return "closed without a purchase"
    if item.outcome == Outcome.WON:
        saved = f", saving {format_money(item.saved)}" if item.saved is not None else ""
        return f"completed{saved}"
    if item.outcome == Outcome.CANCELLED:
        return "cancelled"
    return "closed without a change"


_WAITING = {True: "our pre-approval, waiting for your answer", False: "waiting for your input"}


def _percent(saved: Money, msg: Money) -> str:
    if msg.amount <= 0:
        return ""
    return f" ({saved.amount * 100 / msg.amount:.0f}%)"


# --- the draft -----------------------------------------------------------------------------


def subject(customer: str, as_of: date) -> str:
    return f"{customer}: your procurement update, {day_words(as_of)}"


def _sections(facts: UpdateFacts) -> list[tuple[str, list[str]]]:
    """The update's sections: a heading and its lines (plain text, unescaped)."""
    saved = format_money(facts.saved)
    if facts.msg is not None:
        money = (
            f"{saved} saved to date, against your minimum savings guarantee of "
            f"{format_money(facts.msg)}{_percent(facts.saved, facts.msg)}."
        )
    else:
        money = f"{saved} saved to date."
    progress = []
    for item in facts.open:
        where, next_step = progress_words(item)
        by = f", aimed at {day_words(item.next_date)}" if item.next_date is not None else ""
        progress.append(f"{item.tool}: {where}. Next: {next_step}{by}.")
    waiting = [
        f"{item.tool}: {_WAITING[item.preapproval]} since {day_words(item.since)}."
        for item in facts.waiting
    ]
    renewals = [
        f"{item.tool} renews on {day_words(item.renews)}: we need your decision by "
        f"{day_words(item.decide_by)}."
        for item in facts.renewals
    ]
    closed = [
        f"{item.tool}: {closed_words(item)} on {day_words(item.on)}." for item in facts.closed
    ]
    since = f"Done since {day_words(facts.since)}" if facts.since else "Done recently"
    return [
        ("Savings", [money]),
        ("In progress", progress or ["Nothing in progress right now."]),
        ("Waiting on you", waiting or ["Nothing is waiting on you."]),
        (f"Renewals in the next {RENEWAL_DAYS} days", renewals or ["No renewals coming up."]),
        (since, closed or ["Nothing finished in this period."]),
    ]


def draft(facts: UpdateFacts) -> Draft:
    """The update for `facts`: the same sections in plain text and in HTML."""
    sections = _sections(facts)
    opening = f"Here is where your procurement stands as of {day_words(facts.as_of)}."
    lines = [f"Hello {facts.customer} team,", "", opening]
    for heading, items in sections:
        lines += ["", heading]
        lines += [f"- {item}" for item in items]
    lines += ["", "Reply to this email with any question.", "", "Best regards,", facts.signature]
    parts = [
        f"<p>Hello {html.escape(facts.customer)} team,</p>",
        f"<p>{html.escape(opening)}</p>",
    ]
    for heading, items in sections:
        parts.append(f"<h3>{html.escape(heading)}</h3>")
        parts.append("<ul>" + "".join(f"<li>{html.escape(item)}</li>" for item in items) + "</ul>")
    parts += [
        "<p>Reply to this email with any question.</p>",
        f"<p>Best regards,<br>{html.escape(facts.signature)}</p>",
    ]
    body_html = "<html><body>" + "\n".join(parts) + "</body></html>\n"
    return Draft(subject(facts.customer, facts.as_of), "\n".join(lines) + "\n", body_html)


# --- what a customer must never read -------------------------------------------------------

# Words of the POD's own: clocks, their breaches, roles and the team's name.
BANNED_WORDS = ("TAT", "breach", "breached", "overdue", "escalation", "escalated", "POD",
                "buyer", "analyst", "em", "csm", "SLA", "internal")  # fmt: skip
_BANNED = re.compile(r"\b(" + "|".join(re.escape(w) for w in BANNED_WORDS) + r")\b", re.I)
# Ids podbot uses: request keys, Slack user, channel and team ids, mentions.
_IDS = re.compile(r"\bREQ-\d+|<[@#!][^>]*>|\b[UCWGT]0[A-Z0-9]{6,}\b")


def wording_problems(text: str, other_customers: Iterable[str] = ()) -> list[str]:
    """What a customer must not read in `text`: banned words, ids, other customers' names
    (compared without case); empty when the text is fit to send."""
    problems = [f"the word {m.group(0)!r}" for m in _BANNED.finditer(text)]
    problems += [f"the id {m.group(0)!r}" for m in _IDS.finditer(text)]
    lowered = text.lower()
    for name in other_customers:
        if re.search(r"\b" + re.escape(name.lower()) + r"\b", lowered):
            problems.append(f"the name of another customer, {name!r}")
    return problems


# --- the living canvas ---------------------------------------------------------------------


# The key of the canvas's title section (its `#` heading) among its `##` sections' headings.
CANVAS_TITLE = "#"


def canvas_sections(facts: UpdateFacts, note: str | None = None) -> list[tuple[str, str]]:
    """The customer channel's canvas as its sections, (heading, markdown): the title (key
    `CANVAS_TITLE`; `note` — a canvas recreated after a person deleted it — under it), then the
    update's sections, one `##` each, as `canvases.edit` addresses them."""
    title = [f"# {facts.customer}: your procurement, as of {day_words(facts.as_of)}", ""]
    if note:
        title += [f"> {note}", ""]
    out = [(CANVAS_TITLE, "\n".join(title) + "\n")]
    for heading, items in _sections(facts):
        lines = [f"## {heading}", *[f"- {item}" for item in items], ""]
        out.append((heading, "\n".join(lines) + "\n"))
    return out


def canvas_markdown(facts: UpdateFacts, note: str | None = None) -> str:
    """The whole canvas, always as of now (its sections, in order)."""
    return "".join(markdown for _heading, markdown in canvas_sections(facts, note))
