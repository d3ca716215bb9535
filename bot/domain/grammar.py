"""The argument grammar of each `/proc` subcommand (SPEC §3), parsed into typed values."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from bot.domain.mentions import MentionError, parse_user_mention
from bot.domain.money import AmountError, Money, parse_amount
from bot.domain.procurement import STEP_ORDER, parse_step
from bot.domain.request_keys import RequestKeyError, parse_request_key
from bot.domain.vocabulary import Outcome, RequestType

MAX_NAME = 200
MAX_TEXT = 3000
OUTCOMES = tuple(Outcome)
TYPES = tuple(RequestType)
# Control characters nobody means to type (NUL, which PostgreSQL cannot store, among them);
# the tab and line breaks people do type are text.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_SHOWN_BEFORE = 20


class GrammarError(ValueError):
    """The arguments do not follow the subcommand's grammar; the message says what is wrong.
    `did_you_mean`: the arguments as they were most likely meant (`REQ-34 <@U…>` for
    `<@U…> REQ-34`), which the answer offers as the whole command."""

    def __init__(self, message: str, *, did_you_mean: str | None = None) -> None:
        super().__init__(message)
        self.did_you_mean = did_you_mean


# The last field of `new …` that opens a request although one for the same customer and tool
# is already open (SPEC §3): without it such a `new` is refused, naming the open ones.
AGAIN = "again"


@dataclass(frozen=True)
class NewRequest:
    """The fields of `new <customer> | <tool> | new|renewal [| <amount>] [| <YYYY-MM-DD>]
    [| again]`; `again`: open it even beside an open request for the same customer and tool."""

    customer: str
    tool: str
    kind: str
    amount: Money | None = None
    renewal_date: date | None = None
    notes: str | None = None
    again: bool = False


def _split_key(args: str) -> tuple[int, str]:
    # Any whitespace ends the key: a multi-line update starts on the line after it.
    head, *tail = args.split(maxsplit=1) or [""]
    rest = tail[0] if tail else ""
    if not head:
        raise GrammarError("The request key is missing.")
    try:
        return parse_request_key(head), rest.strip()
    except RequestKeyError as exc:
        meant = _key_first(head, rest)
        if meant is not None:
            raise GrammarError("The request key comes first.", did_you_mean=meant) from None
        raise GrammarError(str(exc)) from None


# A word that is meant as a request key, even a bad one (`REQ-x`, `#`, `12a`).
_KEY_ATTEMPT = re.compile(r"(?:req\b|req-|#|[0-9])", re.IGNORECASE)


def _key_first(head: str, rest: str) -> str | None:
    """The arguments with the key first, when it came second (`@kavya REQ-34` is `REQ-34
    @kavya`, `SHI REQ-3 40k` is `REQ-3 SHI 40k`); None otherwise."""
    if _KEY_ATTEMPT.match(head):
        return None
    second, *after = rest.split(maxsplit=1) or [""]
    try:
        key = parse_request_key(second)
    except RequestKeyError:
        return None
    return " ".join([f"REQ-{key}", head, *after])


def control_character_problem(text: str, where: str = "the text") -> str | None:
    """The sentence refusing text with a control character in it, or None when it has none.

    The character is invisible, so the sentence names it and the words just before it.
    """
    found = _CONTROL.search(text)
    if found is None:
        return None
    before = " ".join(text[: found.start()].split()).replace("`", "'")
    if len(before) > _SHOWN_BEFORE:  # the last few whole words
        before = before[-_SHOWN_BEFORE:].split(" ", 1)[-1]
    place = f"after `{before}`" if before else "at its start"
    return (
        f"There is an invisible control character (U+{ord(found[0]):04X}) in {where}, {place}; "
        "remove it and try again."
    )


def check_typable(text: str) -> None:
    """Refuse command text with a control character in it (GrammarError)."""
    problem = control_character_problem(text)
    if problem is not None:
        raise GrammarError(problem)


def slack_unescape(text: str) -> str:
    """Undo Slack's escaping of `&`, `<` and `>` in message and command text."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def slack_escape(text: str) -> str:
    """Escape `&`, `<` and `>` as Slack does in command text: the inverse of `slack_unescape`
    (a form's value written as the command it stands for)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def plain_name(value: str, what: str, missing: str | None = None) -> str:
    """A name (customer, tool, vendor) from command text: all of it, Slack's `&amp;` `&lt;`
    `&gt;` undone (names are stored as plain text; free text stays in Slack's mrkdwn form),
    whitespace collapsed; refused when empty (`missing`, else "The <what> is missing.") or
    too long."""
    value = " ".join(slack_unescape(value).split())
    if not value:
        raise GrammarError(missing or f"The {what} is missing.")
    if len(value) > MAX_NAME:
        raise GrammarError(f"The {what} is longer than {MAX_NAME} characters.")
    return value


def customer_name(value: str, missing: str | None = None) -> str:
    """The customer a command names (`stats`, `checkin`, `account`, `new`, `contract add`),
    read the one way: "AT&amp;T" is AT&T, "Acme   Corp" is Acme Corp."""
    return plain_name(value, "customer", missing)


def _text(value: str, what: str) -> str:
    value = value.strip()
    if not value:
        raise GrammarError(f"The {what} is missing.")
    if len(value) > MAX_TEXT:
        raise GrammarError(f"The {what} is longer than {MAX_TEXT} characters.")
    return value


def parse_date(value: str) -> date:
    """A date written YYYY-MM-DD, inside the dates podbot takes (`strict_date`)."""
    found = strict_date(value)
    if found is None:
        raise GrammarError(date_refusal(value))
    return found


def parse_new(args: str, default_currency: str) -> NewRequest:
    """`<customer> | <tool> | new|renewal [| <amount>] [| <YYYY-MM-DD>] [| again]`."""
    parts = [p.strip() for p in args.split("|")]
    # `again` is the last field, after the type at the earliest; never a customer, tool or type.
    again = len(parts) > 3 and parts[-1].lower() == AGAIN
    if again:
        parts = parts[:-1]
    if len(parts) < 3:
        raise GrammarError("Give at least the customer, the tool and the type, separated by `|`.")
    if len(parts) > 5:
        raise GrammarError(
            "There are more than five `|`-separated fields (six with `again` at the end)."
        )
    customer = customer_name(parts[0])
    tool = plain_name(parts[1], "tool")
    kind = parts[2].lower()
    if kind not in TYPES:
        raise GrammarError(f"`{parts[2]}` is not a request type; write `new` or `renewal`.")
    amount: Money | None = None
    renewal: date | None = None
    rest = parts[3:]
    # A lone fourth field that is a date is the renewal date (the amount left out).
    if len(rest) == 1 and _looks_like_date(rest[0]):
        rest = ["", rest[0]]
    if rest and rest[0]:
        try:
            amount = parse_amount(rest[0], default_currency)
        except AmountError as exc:
            raise GrammarError(str(exc)) from None
    if len(rest) > 1 and rest[1]:
        renewal = parse_date(rest[1])
    return NewRequest(customer, tool, kind, amount, renewal, again=again)


def _looks_like_date(value: str) -> bool:
    return len(value) == 10 and value[4:5] == "-" and value[7:8] == "-"


def parse_key(args: str) -> int:
    """`REQ` and nothing else."""
    key, rest = _split_key(args)
    if rest:
        raise GrammarError(f"Unexpected text after the request key: `{rest[:50]}`.")
    return key


def parse_leading_key(args: str) -> int:
    """The request key `REQ …` starts with, the rest left to read once the request (its POD's
    currency) is known; a key typed second is refused with the arguments as meant."""
    return _split_key(args)[0]


def parse_key_and_text(args: str, what: str) -> tuple[int, str]:
    """`REQ <text>` where the text is required."""
    key, rest = _split_key(args)
    return key, _text(rest, what)


def parse_key_and_optional_text(args: str, what: str) -> tuple[int, str | None]:
    """`REQ [text]`."""
    key, rest = _split_key(args)
    return key, (_text(rest, what) if rest else None)


def parse_hold(args: str) -> tuple[int, str, str]:
    """`REQ customer|vendor <reason>`: (number, party, reason); the reason is required."""
    key, rest = _split_key(args)
    head, *tail = rest.split(maxsplit=1) or [""]
    party = head.lower()
    if party not in ("customer", "vendor"):
        raise GrammarError(
            "Say whom the request waits on, `customer` or `vendor`, then the reason."
            if not head
            else f"`{head[:50]}` is not `customer` or `vendor`: say whom the request waits on."
        )
    return key, party, _text(tail[0] if tail else "", "reason")


_CLICKUP_TASK = re.compile(
    r"^<?(?:https://app\.clickup\.com/t/(?:\d+/)?)?(?P<id>[A-Za-z0-9_-]{1,64})/?(?:\|[^>]*)?>?$"
)


def parse_clickup_link(args: str) -> tuple[int, str]:
    """`REQ clickup <task id or URL>` (issue 31): (number, the task's id)."""
    key, rest = _split_key(args)
    head, *tail = rest.split(maxsplit=1) or [""]
    if head.lower() != "clickup":
        raise GrammarError("Say where the task is: `clickup`, then its id or URL.")
    match = _CLICKUP_TASK.match(tail[0].strip()) if tail else None
    if match is None:
        raise GrammarError(
            "Give the ClickUp task's id (like `86abc123`) or its URL "
            "(`https://app.clickup.com/t/86abc123`)."
        )
    return key, match["id"]


def parse_assign(args: str) -> tuple[int, str]:
    """`REQ @buyer`."""
    key, rest = _split_key(args)
    if not rest:
        raise GrammarError("Mention the buyer to assign, like @dana.")
    if len(rest.split()) > 1:
        raise GrammarError("Mention exactly one buyer.")
    try:
        return key, parse_user_mention(rest)
    except MentionError as exc:
        raise GrammarError(str(exc)) from None


def parse_quote(args: str, default_currency: str) -> tuple[int, str, Money]:
    """`REQ <vendor or reseller> <amount>`; the amount is the last one or two words."""
    key, rest = _split_key(args)
    words = rest.split()
    if len(words) < 2:
        raise GrammarError("Give the vendor or reseller and the quoted amount.")
    # `EUR 40k` and `40k EUR` take two words; try the longer reading first.
    for width in (2, 1):
        if len(words) > width:
            try:
                money = parse_amount(" ".join(words[-width:]), default_currency)
            except AmountError as exc:
                error = exc
                continue
            return key, plain_name(" ".join(words[:-width]), "vendor or reseller"), money
    raise GrammarError(str(error))


@dataclass(frozen=True)
class NewTerm:
    """A won request's new term: `<annual amount> | <renewal YYYY-MM-DD> [| monthly|annual]`."""

    amount: Money
    renewal_date: date
    billing_cycle: str | None = None  # None: keep the contract's (annual for a new one)


@dataclass(frozen=True)
class Close:
    """The fields of `close REQ won|lost|cancelled [note]` or `close REQ won | <term>`."""

    number: int
    outcome: str
    note: str | None = None
    term: NewTerm | None = None
    # `close REQ won override <reason>`: an em closes past the close guards (issue 33).
    override: str | None = None


_OUTCOME_WORD = re.compile(r"([^\s|]*)(.*)", re.DOTALL)
_CYCLES = ("monthly", "annual")


def parse_close(args: str, default_currency: str) -> Close:
    """`REQ won|lost|cancelled [note]`, or `REQ won | <annual amount> | <renewal> [| cycle]`."""
    key, rest = _split_key(args)
    match = _OUTCOME_WORD.fullmatch(rest)
    assert match is not None  # the pattern matches any text
    outcome, tail = match[1], match[2].strip()
    if not outcome:
        raise GrammarError("Say how it ended: `won`, `lost` or `cancelled`.")
    if outcome.lower() not in OUTCOMES:
        raise GrammarError(f"`{outcome[:30]}` is not an outcome; write won, lost or cancelled.")
    outcome = outcome.lower()
    head, _, reason = tail.partition(" ")
    if outcome == Outcome.WON and head.lower() == "override":
        if not reason.strip():
            raise GrammarError("Say why the close guards are overridden: `won override <reason>`.")
        return Close(key, outcome, None, None, _text(reason.strip(), "reason"))
    if not tail.startswith("|"):
        return Close(key, outcome, _text(tail, "note") if tail else None)
    if outcome != Outcome.WON:
        raise GrammarError(
            f"Only a request closed won has a new term; write `close REQ-{key} {outcome} [note]`."
        )
    return Close(key, outcome, None, parse_term(tail[1:], default_currency))


def parse_term(text: str, default_currency: str) -> NewTerm:
    """`<annual amount> | <renewal YYYY-MM-DD> [| monthly|annual]`."""
    parts = [p.strip() for p in text.split("|")]
    if len(parts) < 2 or not parts[0]:
        raise GrammarError(
            "Give the new term's annual amount and renewal date, like `won | $48,000 | 2027-03-31`."
        )
    if len(parts) > 3:
        raise GrammarError("A new term has at most three `|`-separated fields after `won`.")
    try:
        amount = parse_amount(slack_unescape(parts[0]), default_currency)
    except AmountError as exc:
        raise GrammarError(str(exc)) from None
    if not parts[1]:
        raise GrammarError("The new renewal date is missing; write it as YYYY-MM-DD.")
    renewal = strict_date(parts[1])
    if renewal is None:
        raise GrammarError(date_refusal(parts[1], write="the renewal date"))
    cycle: str | None = None
    if len(parts) == 3 and parts[2]:
        cycle = parts[2].lower()
        if cycle not in _CYCLES:
            raise GrammarError(
                f"`{parts[2][:30]}` is not a billing cycle; write `monthly` or `annual`."
            )
    return NewTerm(amount, renewal, cycle)


_STRICT_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# The dates podbot takes. Exports write 0001-01-01 (and SQL Server 1900-01-01) for "no date"
# and 9999-12-31 for "no end": none is a day an account starts or a contract renews, and
# counting from them (a time zone's offset, notice days, a quarter) leaves Python's calendar.
# Quarters start in 1901 too (`bot/domain/quarters.py`).
FIRST_DATE = date(1901, 1, 1)
LAST_DATE = date(2199, 12, 31)


def strict_date(value: str) -> date | None:
    """A date written exactly YYYY-MM-DD from FIRST_DATE to LAST_DATE, or None (fromisoformat
    alone also takes 20270331). `date_refusal` says which of the two a None was."""
    found = _calendar_date(value)
    return found if found is not None and in_date_window(found) else None


def in_date_window(day: date) -> bool:
    """Whether `day` is one podbot takes (FIRST_DATE to LAST_DATE)."""
    return FIRST_DATE <= day <= LAST_DATE


def date_refusal(
    value: str, what: str = "", *, may_be_blank: bool = False, write: str = "it"
) -> str:
    """The sentence refusing `value` that `strict_date` did not take: `what` names it (a
    column, or nothing for the value alone); a column that `may_be_blank` says so; `write`
    is what the sentence asks to write as YYYY-MM-DD."""
    shown = f"{what} `{value.strip()[:30]}`" if what else f"`{value.strip()[:30]}`"
    if _calendar_date(value) is None:
        return f"{shown} is not a date; write {write} as YYYY-MM-DD."
    return outside_date_window(shown, may_be_blank=may_be_blank)


def outside_date_window(shown: str, *, may_be_blank: bool = False) -> str:
    """The sentence refusing a date, shown as `shown`, outside the dates podbot takes."""
    blank = "; leave it blank for no date" if may_be_blank else ""
    return (
        f"{shown} is outside the dates podbot takes, "
        f"{FIRST_DATE.isoformat()} to {LAST_DATE.isoformat()}{blank}."
    )


def _calendar_date(value: str) -> date | None:
    if not _STRICT_DATE.fullmatch(value.strip()):
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        return None


def parse_nothing(args: str) -> None:
    """No arguments at all."""
    if args.strip():
        raise GrammarError(f"This command takes no arguments, but got `{args.strip()[:50]}`.")


@dataclass(frozen=True)
class StageStep:
    """`stage REQ <stage> [started|done] [note]`: a procurement step started or done."""

    number: int
    stage: str
    done: bool
    note: str | None


def parse_stage_step(args: str) -> StageStep:
    """`REQ vendor-qualification|security-review|legal-redline|po [started|done] [note]`;
    without `started` or `done` the stage is started."""
    key, rest = _split_key(args)
    head, *tail = rest.split(maxsplit=1) or [""]
    if not head:
        raise GrammarError(f"Name the procurement stage: {', '.join(STEP_ORDER)}.")
    stage = parse_step(head)
    if stage is None:
        raise GrammarError(
            f"“{head[:40]}” is not a procurement stage: use {', '.join(STEP_ORDER)}."
        )
    rest = tail[0].strip() if tail else ""
    word, *after = rest.split(maxsplit=1) or [""]
    done = False
    if word.lower() in ("started", "start", "done", "finished"):
        done = word.lower() in ("done", "finished")
        rest = after[0].strip() if after else ""
    return StageStep(key, stage, done, _text(rest, "note") if rest else None)
