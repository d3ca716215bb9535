"""The reminder, warning and digest DMs (SPEC §5) and their buttons.

A digest lists every open item of one kind for one person, the ones not listed before marked
🆕; the approval queue gives each claim the thread's own Approve / Reject buttons (same action
ids, same handler, so the one-decision rule holds and the thread's claim message is edited).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.cards import note_block
from bot.blocks.claims import ClaimView, claim_verb, decision_buttons, headline
from bot.blocks.ids import ActionId, BlockId
from bot.blocks.limits import SECTION_TEXT
from bot.blocks.text import escape_mrkdwn, fit_markup, plain_date, plural, slack_date
from bot.domain.money import format_percent
from bot.domain.savings import share_of_benchmark

NEW = "🆕"
# Slack allows 50 blocks a message: a header, a footer and two blocks per claim.
_CLAIMS_SHOWN = 20
# An update digest: a header, the rest as one listing, a footer, the snooze buttons.
_UPDATES_SHOWN = 40
# A listing in one section: at most this many lines (fewer when they are long).
_LINES_SHOWN = 20


def snooze_buttons(mention: bool) -> ActionsBlock:
    """Snooze 1 hour, Snooze until tomorrow and, for mentions, Mark answered."""
    elements = [
        ButtonElement(text="Snooze 1 hour", action_id=ActionId.SNOOZE_HOUR.value, value="1h"),
        ButtonElement(
            text="Snooze until tomorrow", action_id=ActionId.SNOOZE_TOMORROW.value, value="tomorrow"
        ),
    ]
    if mention:
        elements.append(
            ButtonElement(
                text="Mark answered",
                action_id=ActionId.MARK_ANSWERED.value,
                value="answered",
                style="primary",
            )
        )
    return ActionsBlock(block_id="reminder_actions", elements=elements)


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=fit_markup(text, SECTION_TEXT)))


def _listing(lines: list[tuple[str, bool]]) -> str:
    return "\n".join(f"{NEW} {line}" if new else line for line, new in lines)


def update_digest(
    lines: list[tuple[str, bool]], hours: int, requests: list[int] | None = None
) -> tuple[str, list[Block]]:
    """A buyer's overdue updates: (line, new) each; with `requests` (their ids, in order) each
    line has its **Post update** button (the update modal)."""
    n = len(lines)
    text = (
        f":alarm_clock: *Update due* — {n} of your requests "
        f"{'has' if n == 1 else 'have'} had no update for {hours} working hours:"
    )
    if requests is None:
        blocks: list[Block] = [
            _section(f"{text}\n{_listing(lines)}"),
            _section("Post one with `/proc update REQ-n …`."),
            snooze_buttons(mention=False),
        ]
        return text, blocks
    blocks = [_section(text)]
    shown = list(zip(lines, requests, strict=True))[:_UPDATES_SHOWN]
    for (line, new), request_id in shown:
        blocks.append(post_update_section(f"{NEW} {line}" if new else line, request_id))
    if n > _UPDATES_SHOWN:
        blocks.append(_section(_listing(lines[_UPDATES_SHOWN:])))
    blocks.append(_section("Press *Post update*, or `/proc update REQ-n …`."))
    blocks.append(snooze_buttons(mention=False))
    return text, blocks


def mention_digest(lines: list[tuple[str, bool]]) -> tuple[str, list[Block]]:
    """A member's unanswered mentions."""
    n = len(lines)
    text = f":speech_balloon: *Waiting for your reply* — {plural(n, 'mention')} unanswered:"
    if n == 1:
        # One mention reads as the sentence it is.
        line, new = lines[0]
        text = f"{NEW} {line}" if new else line
        return text, [_section(text), snooze_buttons(mention=True)]
    return text, [_section(f"{text}\n{_listing(lines)}"), snooze_buttons(mention=True)]


def breach_digest(lines: list[tuple[str, bool]], pod_name: str) -> tuple[str, list[Block]]:
    """An analyst's open breaches in a POD."""
    n = len(lines)
    text = (
        f":rotating_light: *TAT breached* — {plural(n, 'request')} in "
        f"{escape_mrkdwn(pod_name)} {'is' if n == 1 else 'are'} past a qualification or "
        "negotiation TAT:"
    )
    return text, [_section(f"{text}\n{_listing(lines)}"), snooze_buttons(mention=False)]


def tat_warning_digest(lines: list[tuple[str, bool]], days: int) -> tuple[str, list[Block]]:
    """A person's negotiations whose TAT is due within `days` days."""
    n = len(lines)
    text = (
        f":hourglass_flowing_sand: *TAT due in {plural(days, 'day')}* — {plural(n, 'negotiation')}:"
    )
    blocks: list[Block] = [
        _section(f"{text}\n{_listing(lines)}"),
        _section("Close it with `/proc close REQ-n won|lost …`, or post where it stands."),
        snooze_buttons(mention=False),
    ]
    return text, blocks


@dataclass(frozen=True)
class QueuedClaim:
    """One claim on an em's approval queue."""

    claim: ClaimView
    buyer: str | None
    link: str | None  # the request's card
    since: datetime  # when it was claimed
    new: bool


def approval_line(item: QueuedClaim) -> str:
    """REQ, buyer, amount and %, share of benchmark, how long it has waited."""
    claim = item.claim
    key = f"<{item.link}|{claim.request_key}>" if item.link else claim.request_key
    who = f"<@{item.buyer}>" if item.buyer else f"<@{claim.created_by}>"
    share = share_of_benchmark(claim.percent, claim.benchmark_percent)
    bench = (
        f"{format_percent(share)} of the {escape_mrkdwn(claim.tool)} benchmark"
        if share is not None
        else "no benchmark yet"
    )
    return (
        f"{NEW + ' ' if item.new else ''}*{key}* {escape_mrkdwn(claim.customer)} · "
        f"{escape_mrkdwn(claim.tool)} — {who} claims *{headline(claim)}* "
        f"{claim_verb(claim.kind)} · {bench} · "
        f"claimed {slack_date(item.since, claim.timezone, with_time=True)}"
    )


def approval_queue(items: list[QueuedClaim], hours: int) -> tuple[str, list[Block]]:
    """An em's approval queue: each claim with the thread's Approve / Reject buttons."""
    n = len(items)
    text = (
        f":inbox_tray: *Waiting for an em* — {plural(n, 'savings claim')} "
        f"pending for {hours} working hours or more:"
    )
    blocks: list[Block] = [_section(text)]
    for item in items[:_CLAIMS_SHOWN]:
        blocks.append(_section(approval_line(item)))
        # Block ids are unique within a message: one per claim.
        claim_id = item.claim.claim_id
        blocks.append(decision_buttons(claim_id, f"{BlockId.CLAIM_ACTIONS.value}:{claim_id}"))
    if n > _CLAIMS_SHOWN:
        blocks.append(_section(f"…and {n - _CLAIMS_SHOWN} more, each in its request's thread."))
    blocks.append(
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="A decision here is the thread's decision: its claim message is updated."
                )
            ]
        )
    )
    blocks.append(snooze_buttons(mention=False))
    return text, blocks


def term_digest(lines: list[str], hours: int) -> tuple[str, list[Block]]:
    """An analyst's won requests whose new term is still unrecorded."""
    n = len(lines)
    text = (
        f":memo: *New term not recorded* — {n} won "
        f"{'request has' if n == 1 else 'requests have'} no new term in the SaaS "
        f"stack {hours} working hours after the close:"
    )
    blocks: list[Block] = [
        _section(f"{text}\n" + "\n".join(lines)),
        _section("Press *Record the new term* in the request's thread, or `/proc contract add …`."),
    ]
    return text, blocks


def _bounded_listing(header: str, lines: list[tuple[str, bool]], more: Callable[[int], str]) -> str:
    """The header and as many whole lines as fit one section (at most `_LINES_SHOWN`), then
    `more(n)` for the n lines left out: a long listing is never cut mid-line."""
    shown: list[str] = []
    size = len(header) + len(more(len(lines))) + 2
    for line, new in lines[:_LINES_SHOWN]:
        text = f"{NEW} {line}" if new else line
        if size + len(text) + 1 > SECTION_TEXT:
            break
        shown.append(text)
        size += len(text) + 1
    left = len(lines) - len(shown)
    return "\n".join([header, *shown, *([more(left)] if left else [])])


def escalation_digest(lines: list[tuple[str, bool]]) -> tuple[str, list[Block]]:
    """An em's mentions of their POD's members unanswered for 48 working hours, in one DM a
    day: the oldest first, at most what one section holds, then how many more."""
    n = len(lines)
    if n == 1:
        # One escalation reads as the sentence it is.
        line, new = lines[0]
        text = f"{NEW} {line}" if new else line
        return text, [_section(text), snooze_buttons(mention=True)]
    text = (
        f":rotating_light: *Unanswered for 48 working hours* — {n} mentions of your POD's members:"
    )
    listing = _bounded_listing(
        text, lines, lambda left: f"…and {left} more, each still waiting in its thread."
    )
    return text, [_section(listing), snooze_buttons(mention=True)]


def settled_blocks(blocks: list[dict[str, Any]], note: str) -> list[dict[str, Any]]:
    """A DM whose subject is resolved: its text kept, its buttons gone, the note under it."""
    kept = []
    for block in blocks:
        if block.get("type") == "actions":
            continue
        block = {k: v for k, v in block.items() if k != "accessory"}
        kept.append(block)
    return [*kept, note_block(note).to_dict()]


def post_update_section(line: str, request_id: int) -> SectionBlock:
    """One request of an update digest with its **Post update** button (the update modal)."""
    return SectionBlock(
        block_id=f"{BlockId.DM_UPDATE.value}:{request_id}",
        text=MarkdownTextObject(text=fit_markup(line, SECTION_TEXT)),
        accessory=ButtonElement(
            text="Post update", action_id=ActionId.DM_UPDATE.value, value=str(request_id)
        ),
    )


def preapproval_dm(line: str, request_id: int) -> tuple[str, list[Block]]:
    """The customer silent after a pre-approval: the line and **Disqualify: no response**,
    which opens the disqualify modal prefilled (sent once, so no snooze)."""
    return line, [
        _section(line),
        ActionsBlock(
            block_id=BlockId.PREAPPROVAL_ACTIONS.value,
            elements=[
                ButtonElement(
                    text="Disqualify: no response",
                    action_id=ActionId.PREAPPROVAL_DISQUALIFY.value,
                    value=str(request_id),
                    style="danger",
                )
            ],
        ),
    ]


@dataclass(frozen=True)
class RenewalReminder:
    """One contract coming up for renewal with no open renewal request."""

    contract_id: int
    customer: str
    tool: str
    annual: str  # formatted money
    renewal_date: date
    deadline: date  # the notice deadline when earlier, else the renewal date
    days_left: int
    pod_name: str
    timezone: str = "UTC"  # the POD's


def renewal_reminder_dm(item: RenewalReminder) -> tuple[str, list[Block]]:
    """An analyst's reminder of a renewal with no request, with **Open renewal request** (the
    Home's button: the intake modal prefilled from the contract)."""
    names = f"*{escape_mrkdwn(item.customer)}* · {escape_mrkdwn(item.tool)}"

    def said(day: Callable[[date], str]) -> str:
        if item.deadline < item.renewal_date:
            due = (
                f"its notice deadline is {day(item.deadline)} ({plural(item.days_left, 'day')}) — "
                f"it renews {day(item.renewal_date)}"
            )
        else:
            due = f"it renews {day(item.renewal_date)} ({plural(item.days_left, 'day')})"
        return (
            f":calendar: *Renewal coming up* — {names} ({escape_mrkdwn(item.pod_name)}): {due}; "
            f"{item.annual} a year, and no renewal request is open."
        )

    # The notification text cannot render a date token: the dates in their fallback form.
    text = said(plain_date)
    shown = said(lambda day: slack_date(day, item.timezone))
    button = ButtonElement(
        text="Open renewal request",
        action_id=ActionId.HOME_RENEWAL.value,
        value=str(item.contract_id),
        style="primary",
    )
    return text, [_section(shown), ActionsBlock(block_id="renewal_actions", elements=[button])]
