"""The people matrix of an account and the customer's sentiment (issue 35): the grammar of
`/proc people` and of `/proc account <customer> sentiment …`, and the single-threaded rule."""

from __future__ import annotations

import enum
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.domain.grammar import MAX_TEXT, GrammarError, customer_name, parse_date


class MatrixRole(enum.StrEnum):
    """A customer person's part in the buying decision."""

    DECISION_MAKER = "decision-maker"
    APPROVER = "approver"
    CHAMPION = "champion"
    USER = "user"


class Sentiment(enum.StrEnum):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


# Fewer contacts than this, or no escalation contact, and the account is single-threaded.
MIN_CONTACTS = 2
# Disqualified requests of one customer, within this many days, that flag it to its CSMs and em.
REPEAT_DISQUALIFIED = 3
REPEAT_WINDOW_DAYS = 30

_ROLES = "decision-maker|approver|champion|user"
_MISSING = "Name the customer, like `people Acme Corp`."


@dataclass(frozen=True)
class PeopleCommand:
    """`/proc people <customer> [add|remove|contacted …]`: `verb` None lists the matrix."""

    customer: str
    verb: str | None = None
    person: str | None = None
    role: MatrixRole | None = None
    escalation: int | None = None
    contacted: date | None = None  # `contacted` without a day: today, in the POD's time


def parse_people_command(args: str) -> PeopleCommand:
    """`<customer>`, `<customer> add <name or email> role <role> [escalation 1|2]`,
    `<customer> remove <name or email>` or `<customer> contacted <name or email> [YYYY-MM-DD]`.
    The customer is everything before the last verb word that has a word before it."""
    words = args.split()
    if not words:
        raise GrammarError(_MISSING)
    for i in range(len(words) - 1, 0, -1):
        verb = words[i].lower()
        if verb not in ("add", "remove", "contacted"):
            continue
        customer = customer_name(" ".join(words[:i]), missing=_MISSING)
        rest = words[i + 1 :]
        if verb == "add":
            return _add(customer, rest)
        if verb == "contacted":
            day = None
            if len(rest) > 1 and re.fullmatch(r"\d{4}-\d{2}-\d{2}", rest[-1]):
                day = parse_date(rest[-1])
                rest = rest[:-1]
            return PeopleCommand(customer, verb, _person(rest), contacted=day)
        return PeopleCommand(customer, verb, _person(rest))
    return PeopleCommand(customer_name(args, missing=_MISSING))


def _add(customer: str, rest: Sequence[str]) -> PeopleCommand:
    lowered = [w.lower() for w in rest]
    if "role" not in lowered:
        raise GrammarError(f"Give the person's role: `role {_ROLES}`.")
    at = len(lowered) - 1 - lowered[::-1].index("role")
    person = _person(rest[:at])
    after = lowered[at + 1 :]
    if not after:
        raise GrammarError(f"Give the person's role: `role {_ROLES}`.")
    try:
        role = MatrixRole(after[0])
    except ValueError:
        raise GrammarError(
            f"`{rest[at + 1][:30]}` is not a role: write one of {_ROLES.replace('|', ', ')}."
        ) from None
    escalation = None
    tail = after[1:]
    if tail:
        if len(tail) != 2 or tail[0] != "escalation" or tail[1] not in ("1", "2"):
            raise GrammarError("After the role, only `escalation 1` or `escalation 2` may follow.")
        escalation = int(tail[1])
    return PeopleCommand(customer, "add", person, role, escalation)


def _person(words: Sequence[str]) -> str:
    name = " ".join(words).strip()
    # Slack sends an email as `<mailto:a@x.com|a@x.com>`: the address is the person.
    link = re.fullmatch(r"<mailto:([^|>]+)(?:\|[^>]*)?>", name)
    if link:
        name = link.group(1)
    if not name:
        raise GrammarError("Name the person, by name or email.")
    if len(name) > 200:
        raise GrammarError("The person's name is longer than 200 characters.")
    return name


@dataclass(frozen=True)
class SentimentCommand:
    customer: str
    sentiment: Sentiment
    note: str


def parse_sentiment_command(args: str) -> SentimentCommand | None:
    """`<customer> sentiment positive|neutral|negative <note>`, or None when the arguments
    say no sentiment (another form of `/proc account`)."""
    words = args.split()
    for i in range(1, len(words) - 1):
        if words[i].lower() != "sentiment":
            continue
        try:
            sentiment = Sentiment(words[i + 1].lower())
        except ValueError:
            continue
        customer = customer_name(" ".join(words[:i]), missing=_MISSING)
        note = args.split(None, i + 2)[i + 2].strip() if len(words) > i + 2 else ""
        if not note:
            raise GrammarError("Say why, after the sentiment: `sentiment negative <note>`.")
        if len(note) > MAX_TEXT:
            raise GrammarError(f"The note is longer than {MAX_TEXT} characters.")
        return SentimentCommand(customer, sentiment, note)
    return None


@dataclass(frozen=True)
class Contact:
    name: str
    role: str
    escalation: int | None
    last_contact: date | None


def single_threaded(contacts: Sequence[Contact]) -> bool:
    """Fewer than two contacts, or none of them an escalation contact."""
    return len(contacts) < MIN_CONTACTS or all(c.escalation is None for c in contacts)


def why_single_threaded(contacts: Sequence[Contact]) -> str:
    if len(contacts) < MIN_CONTACTS:
        return f"{len(contacts)} contact{'' if len(contacts) == 1 else 's'}"
    return "no escalation contact"
