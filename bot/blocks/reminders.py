"""The reminder, warning and digest DMs (SPEC §5) and their buttons.

A digest lists every open item of one kind for one person, one block per item (its block id
names the item: `item_block_id`), the ones not listed before marked 🆕. Each item carries its
own action: Post update on an update, Mark answered on a mention, and on the approval queue the
thread's own Approve / Reject (same action ids, same handler, so the one-decision rule holds and
the thread's claim message is edited). An item resolved later is settled on its own line
(`settle_items`: ✅, its button gone); the DM as a whole once all are (`settled_blocks`).
Snooze is for the whole DM.
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

from bot.blocks.cards import note_block, usage_text
from bot.blocks.claims import (
    ClaimView,
    claim_verb,
    decision_buttons,
    headline,
    revision_note,
)
from bot.blocks.ids import ActionId, BlockId
from bot.blocks.limits import MAX_MESSAGE_BLOCKS, SECTION_TEXT
from bot.blocks.text import escape_mrkdwn, fit_markup, plain_date, plural, slack_date
from bot.domain.money import format_percent
from bot.domain.reminders import DigestKind
from bot.domain.savings import share_of_benchmark

NEW = "🆕"
SETTLED = ":white_check_mark:"
# Slack allows 50 blocks a message. A digest: a header, one block per item, "…and N more", a
# footer and the snooze buttons.
_ITEMS_SHOWN = MAX_MESSAGE_BLOCKS - 5
# The approval queue: two blocks per claim (its line and its Approve / Reject).
_CLAIMS_SHOWN = (MAX_MESSAGE_BLOCKS - 5) // 2


@dataclass(frozen=True)
class DigestLine:
    """One item of a digest DM: its reminder kind and subject (a request or mention id), which
    name its block (`item_block_id`), its line (mrkdwn) and whether it is listed for the first
    time."""

    kind: str
    subject: int
    line: str
    new: bool = False

    @property
    def shown(self) -> str:
        return f"{NEW} {self.line}" if self.new else self.line


def item_block_id(kind: str, subject: int, part: str = "") -> str:
    """The block id of one item of a reminder DM, `dm_item:<kind>:<subject>` (its actions block,
    if any: `…:actions`): how a later edit finds the item's line to settle it."""
    return f"{BlockId.DM_ITEM.value}:{kind}:{subject}" + (f":{part}" if part else "")


def item_of(block_id: str | None) -> tuple[str, int] | None:
    """(kind, subject) of an item's block, from its block id; None for any other block."""
    prefix, _, rest = (block_id or "").partition(":")
    kind, _, tail = rest.partition(":")
    subject = tail.partition(":")[0]
    if prefix != BlockId.DM_ITEM.value or not kind or not subject.isdigit():
        return None
    return kind, int(subject)


def snooze_buttons() -> ActionsBlock:
    """Snooze 1 hour and Snooze until tomorrow: for the whole DM."""
    return ActionsBlock(
        block_id=BlockId.REMINDER_ACTIONS.value,
        elements=[
            ButtonElement(text="Snooze 1 hour", action_id=ActionId.SNOOZE_HOUR.value, value="1h"),
            ButtonElement(
                text="Snooze until tomorrow",
                action_id=ActionId.SNOOZE_TOMORROW.value,
                value="tomorrow",
            ),
        ],
    )


def dm_note(text: str) -> ContextBlock:
    """What a click on the DM did ("Snoozed until …"), under its items; a later note replaces
    it."""
    return ContextBlock(
        block_id=BlockId.DM_NOTE.value,
        elements=[MarkdownTextObject(text=fit_markup(text, SECTION_TEXT))],
    )


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=fit_markup(text, SECTION_TEXT)))


def _item(item: DigestLine, accessory: ButtonElement | None = None) -> SectionBlock:
    return SectionBlock(
        block_id=item_block_id(item.kind, item.subject),
        text=MarkdownTextObject(text=fit_markup(item.shown, SECTION_TEXT)),
        accessory=accessory,
    )


def _items(
    items: list[DigestLine],
    more: Callable[[int], str],
    button: Callable[[DigestLine], ButtonElement | None] = lambda item: None,
) -> list[Block]:
    """One section per item (with its button), as many as a message holds, then `more(n)`."""
    blocks: list[Block] = [_item(item, button(item)) for item in items[:_ITEMS_SHOWN]]
    if len(items) > _ITEMS_SHOWN:
        blocks.append(_section(more(len(items) - _ITEMS_SHOWN)))
    return blocks


def _in_the_aging_report(left: int) -> str:
    return f"…and {left} more, each flagged in the aging report."


def _post_update(item: DigestLine) -> ButtonElement:
    return ButtonElement(
        text="Post update", action_id=ActionId.DM_UPDATE.value, value=str(item.subject)
    )


def _mark_answered(item: DigestLine) -> ButtonElement:
    return ButtonElement(
        text="Mark answered",
        action_id=ActionId.MARK_ANSWERED.value,
        value=str(item.subject),
        style="primary",
    )


def update_digest(items: list[DigestLine], hours: int) -> tuple[str, list[Block]]:
    """A buyer's overdue updates, each request with its **Post update** button (the update
    modal)."""
    n = len(items)
    text = (
        f":alarm_clock: *Update due* — {n} of your requests "
        f"{'has' if n == 1 else 'have'} had no update for {hours} working hours:"
    )
    return text, [
        _section(text),
        *_items(items, lambda left: f"…and {left} more: `/proc mine` lists them.", _post_update),
        _section("Press *Post update*, or `/proc update REQ-n …`."),
        snooze_buttons(),
    ]


def _mentions(
    items: list[DigestLine], header: str, more: Callable[[int], str]
) -> tuple[str, list[Block]]:
    """Mentions, each with its **Mark answered**; one reads as the sentence it is."""
    if len(items) == 1:
        return items[0].shown, [_item(items[0], _mark_answered(items[0])), snooze_buttons()]
    return header, [_section(header), *_items(items, more, _mark_answered), snooze_buttons()]


def mention_digest(items: list[DigestLine]) -> tuple[str, list[Block]]:
    """A member's unanswered mentions."""
    text = (
        f":speech_balloon: *Waiting for your reply* — {plural(len(items), 'mention')} unanswered:"
    )
    return _mentions(items, text, lambda left: f"…and {left} more, each waiting in its thread.")


def escalation_digest(items: list[DigestLine]) -> tuple[str, list[Block]]:
    """An em's mentions of their POD's members unanswered for 48 working hours, in one DM a
    day: the oldest first, as many as one message holds, then how many more."""
    text = (
        f":rotating_light: *Unanswered for 48 working hours* — {len(items)} mentions of your "
        "POD's members:"
    )
    return _mentions(
        items, text, lambda left: f"…and {left} more, each still waiting in its thread."
    )


def breach_digest(items: list[DigestLine], pod_name: str) -> tuple[str, list[Block]]:
    """An analyst's open breaches in a POD."""
    n = len(items)
    text = (
        f":rotating_light: *TAT breached* — {plural(n, 'request')} in "
        f"{escape_mrkdwn(pod_name)} {'is' if n == 1 else 'are'} past a qualification or "
        "negotiation TAT:"
    )
    return text, [_section(text), *_items(items, _in_the_aging_report), snooze_buttons()]


def preapproval_answer_digest(items: list[DigestLine]) -> tuple[str, list[Block]]:
    """An analyst's requests whose pre-approval the customer answered (issue 32)."""
    text = f":incoming_envelope: *The customer answered* — {plural(len(items), 'pre-approval')}:"
    return text, [
        _section(text),
        *_items(items, _in_the_aging_report),
        _section("Qualify or disqualify it: `/proc qualify REQ-n`, `/proc disqualify REQ-n`."),
        snooze_buttons(),
    ]


def tat_warning_digest(items: list[DigestLine], days: int) -> tuple[str, list[Block]]:
    """A person's negotiations whose TAT is due within `days` days."""
    text = (
        f":hourglass_flowing_sand: *TAT due in {plural(days, 'day')}* — "
        f"{plural(len(items), 'negotiation')}:"
    )
    return text, [
        _section(text),
        *_items(items, _in_the_aging_report),
        _section("Close it with `/proc close REQ-n won|lost …`, or post where it stands."),
        snooze_buttons(),
    ]


def stall_digest(items: list[DigestLine]) -> tuple[str, list[Block]]:
    """A person's stall notices (issue 30), each told once: a procurement stage past its
    bound, a negotiation quiet for 14 days, a hold waiting long on the customer or vendor."""
    text = f":warning: *Stalled work* — {plural(len(items), 'request')} stopped moving:"
    return text, [
        _section(text),
        *_items(items, _in_the_aging_report),
        _section(
            "Post where it stands (`/proc update REQ-n …`), move its stage, or resume a hold "
            "that is over (`/proc resume REQ-n`)."
        ),
    ]


def repeat_dq_digest(items: list[DigestLine]) -> tuple[str, list[Block]]:
    """A csm's or em's customers flagged for repeat incorrect requests (issue 35), each told
    once: how many were disqualified in the window, and why, request by request."""
    text = f":warning: *Repeat incorrect requests* — {plural(len(items), 'customer')} worth a word:"
    return text, [_section(text), *_items(items, lambda left: f"…and {left} more.")]


def vendor_expiry_digest(items: list[DigestLine], days: int) -> tuple[str, list[Block]]:
    """An analyst's vendor documents expiring within `days` days (issue 33), each told once."""
    text = (
        f":hourglass: *Vendor documents expiring within {plural(days, 'day')}* — "
        f"{plural(len(items), 'document')}:"
    )
    return text, [
        _section(text),
        *_items(items, lambda left: f"…and {left} more."),
        _section("Record the renewed document: `/proc vendor <tool> <kind> received … expires …`."),
    ]


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
    tool = escape_mrkdwn(claim.tool)
    bench = (
        f"{format_percent(share)} of the {tool} benchmark"
        if share is not None
        else f"no other approved {tool} claims yet"
    )
    note = revision_note(claim)
    return (
        f"{NEW + ' ' if item.new else ''}*{key}* {escape_mrkdwn(claim.customer)} · "
        f"{tool} — {who} claims *{headline(claim)}* "
        f"{claim_verb(claim.kind)}{f' ({note})' if note else ''} · {bench} · "
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
        # Block ids are unique within a message: the claim's line and its buttons, each named
        # after the claim, so deciding it settles both.
        claim_id = item.claim.claim_id
        blocks.append(
            SectionBlock(
                block_id=item_block_id(DigestKind.APPROVAL, claim_id),
                text=MarkdownTextObject(text=fit_markup(approval_line(item), SECTION_TEXT)),
            )
        )
        blocks.append(
            decision_buttons(claim_id, item_block_id(DigestKind.APPROVAL, claim_id, "actions"))
        )
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
    blocks.append(snooze_buttons())
    return text, blocks


def term_digest(items: list[DigestLine], hours: int) -> tuple[str, list[Block]]:
    """An analyst's won requests whose new term is still unrecorded."""
    n = len(items)
    text = (
        f":memo: *New term not recorded* — {n} won "
        f"{'request has' if n == 1 else 'requests have'} no new term in the SaaS "
        f"stack {hours} working hours after the close:"
    )
    return text, [
        _section(text),
        *_items(items, _in_the_aging_report),
        _section("Press *Record the new term* in the request's thread, or `/proc contract add …`."),
    ]


def settle_items(blocks: list[dict[str, Any]], done: set[tuple[str, int]]) -> list[dict[str, Any]]:
    """A DM's blocks with the items in `done` (kind, subject) settled: their line marked ✅ (no
    longer 🆕), their buttons gone; every other block as it is."""
    out = []
    for block in blocks:
        item = item_of(block.get("block_id"))
        if item is None or item not in done:
            out.append(block)
            continue
        if block.get("type") == "actions":
            continue
        block = {k: v for k, v in block.items() if k != "accessory"}
        text = dict(block.get("text") or {})
        line = str(text.get("text") or "")
        if not line.startswith(SETTLED):
            line = line.removeprefix(f"{NEW} ")
            text["text"] = fit_markup(f"{SETTLED} {line}", SECTION_TEXT)
        block["text"] = text
        out.append(block)
    return out


def settled_blocks(blocks: list[dict[str, Any]], note: str) -> list[dict[str, Any]]:
    """A DM whose every item is resolved: its text kept, its buttons and click notes gone, the
    note under it."""
    kept = []
    for block in blocks:
        if block.get("type") == "actions" or block.get("block_id") == BlockId.DM_NOTE.value:
            continue
        block = {k: v for k, v in block.items() if k != "accessory"}
        kept.append(block)
    return [*kept, note_block(note).to_dict()]


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
    usage: str | None = None  # the customer's seat usage of the tool (issue 34), if imported


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
        line = (
            f":calendar: *Renewal coming up* — {names} ({escape_mrkdwn(item.pod_name)}): {due}; "
            f"{item.annual} a year, and no renewal request is open."
        )
        return f"{line}\n{usage_text(item.usage)}" if item.usage else line

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
