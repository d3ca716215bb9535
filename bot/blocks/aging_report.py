"""The daily aging report (SPEC §5) as Slack messages and as a CSV: pure builders.

A report that fits one message is one message. A longer one becomes a parent message (header,
summary, the first lines) and continuation messages for its thread, each inside Block Kit's
limits, and every request appears exactly once across them. The CSV carries the full table.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Mapping
from datetime import datetime

from slack_sdk.models.blocks import (
    Block,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.cards import days_left_phrase, stage_label
from bot.blocks.claims import claim_verb
from bot.blocks.limits import HEADER_TEXT
from bot.blocks.pages import ReportMessage, report_messages
from bot.blocks.text import (
    escape_mrkdwn,
    fit_mrkdwn,
    fit_plain,
    key_link,
    plain_date,
    plural,
    slack_date,
)
from bot.domain.aging import (
    REPORT_STAGES,
    AgingLine,
    Flag,
    UnrecordedTerm,
    WaitingClaim,
    aging_summary,
    local_date,
)
from bot.domain.compliance import ChecklistGap
from bot.domain.csv_out import write_table
from bot.domain.people import name_of
from bot.domain.procurement import STEP_ORDER, step_words
from bot.domain.vocabulary import Stage

__all__ = ["CSV_COLUMNS", "ReportMessage", "aging_csv", "aging_messages"]

# Cuts that bound one request line to a few hundred characters, so any line fits any section.
_KEY = 30
_NAME = 60
_KIND = 20
_OWNER = 40
_POD_NAME = 100
_SEP = " · "
_NONE = "—"
_USER_ID = re.compile(r"[UW][A-Z0-9]{2,38}")

CSV_COLUMNS = (
    "key",
    "customer",
    "tool",
    "type",
    "stage",
    "owner",
    "created",
    "age_days",
    "tat_due",
    "days_left",
    "flags",
    "owner_name",
)


# --- text ----------------------------------------------------------------------------------


def _group_heading(key: str, count: int, shown: bool) -> str:
    if key == _ON_HOLD:
        return "*⏸ On hold (continued)*" if shown else f"*⏸ On hold* ({count})"
    stage, _, procurement = key.partition(":")
    if not procurement:
        return _heading(stage, count, continued=shown)
    # A negotiating request's procurement step: a group of its own under negotiating.
    label = f"{stage_label(stage, None)}{_SEP}{step_words(procurement)}"
    if procurement == _NO_PROCUREMENT:
        label = f"{stage_label(stage, None)}{_SEP}no procurement stage"
    return f"*{label} (continued)*" if shown else f"*{label}* ({count})"


_NO_PROCUREMENT = "none"
_ON_HOLD = "on_hold"  # held requests, whatever their stage: a group of their own, last


_FLAG_ORDER = tuple(Flag)
_SHOWN_WHEN_COUNTED = frozenset({Flag.WAITING_ON_CUSTOMER, Flag.STAGE_OVER})


@functools.lru_cache(maxsize=4096)
def _one_line(text: str) -> str:
    return " ".join(text.split())


def _days(n: int) -> str:
    return plural(n, "day")


def _owner(user_id: str | None) -> str:
    if not user_id:
        return _NONE
    if _USER_ID.fullmatch(user_id):
        return f"<@{user_id}>"
    return fit_mrkdwn(_one_line(user_id), _OWNER) or _NONE


def _flag_words(update_hours: int, qualification_hours: int) -> dict[Flag, str]:
    return {
        Flag.TAT_BREACHED: ":rotating_light: TAT breached",
        Flag.DUE_SOON: ":hourglass_flowing_sand: due ≤ 3 days",
        Flag.NO_UPDATE: f":zzz: no update for {update_hours} working hours",
        Flag.NOT_QUALIFIED: f":inbox_tray: not qualified in {qualification_hours} working hours",
        Flag.WAITING_ON_CUSTOMER: ":envelope_with_arrow: waiting on customer",
        Flag.STAGE_OVER: ":warning: procurement stage over its bound",
    }


def _due(line: AgingLine, timezone: str) -> str:
    stage = line.item.stage
    if Flag.WAITING_ON_CUSTOMER in line.flags:
        return "qualification met (pre-approval)"
    if line.due_date is None or line.days_left is None:
        return f"TAT {_NONE}"
    day = slack_date(line.due_date, timezone)
    label = "qualify by" if stage == Stage.INTAKE else "TAT"
    return f"{label} {day} ({days_left_phrase(line.days_left)})"


def _key(key: str, links: Mapping[str, str] | None) -> str:
    """`*REQ-12*`, a link to its card when there is one."""
    return f"*{key_link(fit_mrkdwn(_one_line(key), _KEY), (links or {}).get(key))}*"


def _request_line(
    line: AgingLine, timezone: str, words: dict[Flag, str], links: Mapping[str, str] | None = None
) -> str:
    item = line.item
    parts = [
        _key(item.key, links),
        fit_mrkdwn(_one_line(item.customer), _NAME) or _NONE,
        fit_mrkdwn(_one_line(item.tool), _NAME) or _NONE,
        fit_mrkdwn(_one_line(item.kind), _KIND) or _NONE,
        _owner(item.owner),
        f"{_days(line.age_days)} old",
        _due(line, timezone),
    ]
    if line.procurement is not None:
        clock = line.procurement
        parts.append(f"{step_words(clock.step)} day {clock.day} of {clock.lower}–{clock.upper}")
    if line.held_since is not None and item.hold_party is not None:
        parts.append(
            f"⏸ waiting on the {escape_mrkdwn(item.hold_party)} since "
            f"{slack_date(line.held_since, timezone)} ({_days(line.held_days)} on hold)"
        )
    if line.stalled_since is not None:
        parts.append(f":zzz: stalled: no activity since {slack_date(line.stalled_since, timezone)}")
    # Enum order, so the same flags always read the same way.
    if line.flags:
        parts += [
            _flag_text(line, flag, words, timezone) for flag in _FLAG_ORDER if flag in line.flags
        ]
    return _SEP.join(parts)


def _flag_text(line: AgingLine, flag: Flag, words: dict[Flag, str], timezone: str) -> str:
    since = line.waiting_since
    if flag is Flag.WAITING_ON_CUSTOMER and since is not None:
        return f"{words[flag]} since {slack_date(since, timezone)}"
    if flag is Flag.STAGE_OVER and line.procurement is not None:
        return f"{words[flag]} ({line.procurement.upper} days)"
    return words[flag]


def _summary(counts: dict[str, int], words: dict[Flag, str]) -> str:
    stages = _SEP.join(f"{counts[stage]} {stage}" for stage in REPORT_STAGES)
    first = f"*{counts['open']} open*{_SEP}{stages}"
    flags = []
    for flag in Flag:
        if flag in _SHOWN_WHEN_COUNTED and not counts[flag.value]:
            continue  # the pre-approval and procurement-stage counts show only when there are
        emoji, _, label = words[flag].partition(" ")
        flags.append(f"{emoji} {counts[flag.value]} {label}")
    return f"{first}\n{_SEP.join(flags)}"


def _notification(title: str, counts: dict[str, int], words: dict[Flag, str]) -> str:
    if not counts["open"]:
        return f"{title}: no open requests"
    flags = ", ".join(
        f"{counts[flag.value]} {words[flag].partition(' ')[2]}"
        for flag in Flag
        if counts[flag.value]
    )
    return f"{title}: {counts['open']} open" + (f", {flags}" if flags else "")


def _heading(stage: str, count: int, *, continued: bool) -> str:
    label = stage_label(stage, None)
    return f"*{label} (continued)*" if continued else f"*{label}* ({count})"


# --- splitting into messages ---------------------------------------------------------------


def _stage_groups(
    lines: list[AgingLine],
    timezone: str,
    words: dict[Flag, str],
    links: Mapping[str, str] | None = None,
) -> Iterator[tuple[str, list[str]]]:
    """Render lines grouped by stage in report order, keeping the caller's order within a stage."""
    by_stage: dict[str, list[AgingLine]] = {}
    held: list[AgingLine] = []
    for line in lines:
        if line.held_since is not None:
            held.append(line)  # the "on hold" group, after the stages
            continue
        by_stage.setdefault(line.item.stage, []).append(line)
    # A stage outside the report's own order still shows, after them, rather than vanishing.
    order = [*REPORT_STAGES, *(s for s in by_stage if s not in REPORT_STAGES)]
    for stage in order:
        if stage not in by_stage:
            continue
        group = by_stage[stage]
        if stage == Stage.NEGOTIATING and any(line.procurement for line in group):
            # Negotiating requests grouped by the procurement step they wait in.
            by_step: dict[str, list[AgingLine]] = {}
            for line in group:
                step = line.procurement.step if line.procurement else _NO_PROCUREMENT
                by_step.setdefault(step, []).append(line)
            for step in [*STEP_ORDER, _NO_PROCUREMENT]:
                if step in by_step:
                    rendered = [
                        _request_line(line, timezone, words, links) for line in by_step[step]
                    ]
                    yield f"{stage}:{step}", rendered
            continue
        yield stage, [_request_line(line, timezone, words, links) for line in group]
    if held:
        yield _ON_HOLD, [_request_line(line, timezone, words, links) for line in held]


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def _continued_note(more: int) -> str:
    messages = "message" if more == 1 else "messages"
    return f"Continued in the thread ({more} more {messages}) · full table attached as CSV"


_TERMS_SHOWN = 15
TERMS_HEADING = "New term not recorded"


def _listed_section(
    heading: str, rows: list[list[str]], total: int, close: str
) -> list[SectionBlock]:
    """A report section that lists items, a line each: the heading, the first `_TERMS_SHOWN`
    rows (their cells joined), "…and N more", then what to do about them."""
    if not total:
        return []
    lines = [heading, *(_SEP.join(cells) for cells in rows[:_TERMS_SHOWN])]
    if total > _TERMS_SHOWN:
        lines.append(f"…and {total - _TERMS_SHOWN} more")
    lines.append(close)
    return [_section("\n".join(lines))]


def _text_length(block: SectionBlock) -> int:
    assert block.text is not None, "a listed section has text"
    return len(block.text.text)


def _names(customer: str, tool: str) -> list[str]:
    return [
        fit_mrkdwn(_one_line(customer), _NAME) or _NONE,
        fit_mrkdwn(_one_line(tool), _NAME) or _NONE,
    ]


def _terms_section(
    terms: list[UnrecordedTerm], timezone: str, links: Mapping[str, str] | None = None
) -> list[SectionBlock]:
    """The won requests whose new term is not in the SaaS stack yet, past 24 working hours."""
    rows = [
        [
            f"• {_key(item.key, links)}", *_names(item.customer, item.tool),
            f"won {slack_date(item.closed_at, timezone)}", _owner(item.analyst),
        ]
        for item in terms[:_TERMS_SHOWN]
    ]  # fmt: skip
    return _listed_section(
        f"*{TERMS_HEADING}* ({len(terms)}) — won, the contract not updated yet:", rows,
        len(terms), "Press *Record the new term* in each request's thread.",
    )  # fmt: skip


WAITING_HEADING = "Waiting for an em"


def _waiting_section(
    claims: list[WaitingClaim], timezone: str, links: Mapping[str, str] | None = None
) -> list[SectionBlock]:
    """The savings claims pending for 24 working hours or more."""
    rows = [
        [
            f"• {_key(item.key, links)}", *_names(item.customer, item.tool),
            f"{escape_mrkdwn(item.saved)} {claim_verb(item.kind)}",
            f"claimed {slack_date(item.created_at, timezone)}", _owner(item.buyer),
        ]
        for item in claims[:_TERMS_SHOWN]
    ]  # fmt: skip
    return _listed_section(
        f"*{WAITING_HEADING}* ({len(claims)}) — savings claims pending 24 working hours:", rows,
        len(claims), "Approve or reject each in its request's thread.",
    )  # fmt: skip


GAPS_HEADING = "Checklist gaps at the PO"


def _gaps_section(
    gaps: list[ChecklistGap], links: Mapping[str, str] | None = None
) -> list[SectionBlock]:
    """Requests in their last procurement step (the PO) with required checklist items open
    (issue 33)."""
    rows = [
        [
            f"• {_key(item.key, links)}", *_names(item.customer, item.tool),
            fit_mrkdwn(_one_line(", ".join(item.gaps)), 200) or _NONE, _owner(item.buyer),
        ]
        for item in gaps[:_TERMS_SHOWN]
    ]  # fmt: skip
    return _listed_section(
        f"*{GAPS_HEADING}* ({len(gaps)}) — in their last step, the contract checklist open:",
        rows, len(gaps), "Settle each with the card's *Checklist* button.",
    )  # fmt: skip


def aging_messages(
    pod_name: str,
    lines: list[AgingLine],
    now: datetime,
    timezone: str,
    *,
    update_hours: int = 24,
    qualification_hours: int = 24,
    unrecorded: list[UnrecordedTerm] | None = None,
    waiting: list[WaitingClaim] | None = None,
    links: Mapping[str, str] | None = None,
    gaps: list[ChecklistGap] | None = None,
) -> list[ReportMessage]:
    """Build the aging report: one message, or a parent and its thread continuations, in order;
    `links` maps a request key to its card's permalink (a key without one is plain text)."""
    today = local_date(now, timezone)
    pod = fit_plain(_one_line(pod_name), _POD_NAME) or _NONE
    title = f"Aging report{_SEP}{pod}{_SEP}{plain_date(today)}"
    words = _flag_words(update_hours, qualification_hours)
    counts = aging_summary(lines)
    summary = _summary(counts, words)
    text = _notification(escape_mrkdwn(title), counts, words)
    head: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=fit_plain(title, HEADER_TEXT), emoji=True)),
        _section(summary),
    ]
    tail = [
        *_gaps_section(gaps or [], links),
        *_waiting_section(waiting or [], timezone, links),
        *_terms_section(unrecorded or [], timezone, links),
    ]
    if not lines:
        blocks = [*head, _section("No open requests. :tada:"), *tail]
        return [ReportMessage(text=text, blocks=blocks)]

    return report_messages(
        text=text,
        head=head,
        tail=tail,
        head_chars=len(title) + len(summary) + sum(map(_text_length, tail)),
        groups=list(_stage_groups(lines, timezone, words, links)),
        heading=_group_heading,
        continued_title=f"Aging report{_SEP}{pod}",
        continued_note=_continued_note,
    )


# --- CSV -----------------------------------------------------------------------------------


def aging_csv(
    lines: list[AgingLine], timezone: str, names: Mapping[str, str] | None = None
) -> bytes:
    """Return the full report table as UTF-8 CSV, one row per request in the order given
    (written by `write_table`, so no name runs as a formula). `owner` is as recorded (a user
    id, or an imported owner's text); `owner_name` the owner's name from `names` (user id →
    name), else the same as `owner`."""
    names = names or {}
    rows = [
        [
            line.item.key,
            line.item.customer,
            line.item.tool,
            line.item.kind,
            line.item.stage,
            line.item.owner,
            local_date(line.item.created_at, timezone).isoformat(),
            line.age_days,
            line.due_date.isoformat() if line.due_date is not None else None,
            line.days_left,
            ";".join(flag.value for flag in Flag if flag in line.flags),
            name_of(line.item.owner, names) if line.item.owner else None,
        ]
        for line in lines
    ]
    return write_table(CSV_COLUMNS, rows).encode("utf-8")
