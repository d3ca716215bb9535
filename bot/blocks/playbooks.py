"""Playbooks and bundles as people read them (issue 34): a won request's What worked ask, its
modal and reminder; `/proc playbook`'s answer and the summary posted at assign; a bundle's
proposal to the ems and its coordinating thread."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    CheckboxesElement,
    ContextBlock,
    InputBlock,
    MarkdownTextObject,
    Option,
    PlainTextInputElement,
    PlainTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks.contexts import Shape, _Context
from bot.blocks.ids import VALUE_ACTION_ID, ActionId, BlockId, CallbackId
from bot.blocks.limits import SECTION_TEXT
from bot.blocks.reminders import DigestLine, item_block_id
from bot.blocks.text import escape_mrkdwn, fit_markup, fit_mrkdwn, plural
from bot.domain.money import Money, format_money
from bot.domain.playbooks import NOTE_CHARS, Lever, LeverRank, months_text
from bot.domain.pricing import unit_money


@dataclass(frozen=True)
class LeversForm(_Context):
    """The levers modal of a won request, and the ask it was opened from (edited once
    answered): its channel and message, when the click was on the thread's ask."""

    request: int = 0
    channel: str | None = None
    ts: str | None = None

    REQUIRED: ClassVar[Shape] = {"request": int}
    OPTIONAL: ClassVar[Shape] = {"channel": str, "ts": str}


def section(text: str) -> SectionBlock:
    """One mrkdwn section (a thread line's blocks when it replaces one with buttons)."""
    return SectionBlock(text=MarkdownTextObject(text=fit_markup(text, SECTION_TEXT)))


def _buttons(request_id: int) -> ActionsBlock:
    value = str(request_id)
    return ActionsBlock(
        block_id=f"{BlockId.LEVERS_ACTIONS.value}:{value}",
        elements=[
            ButtonElement(
                text="What worked…", action_id=ActionId.LEVERS_OPEN.value, value=value,
                style="primary",
            ),
            ButtonElement(text="Skip", action_id=ActionId.LEVERS_SKIP.value, value=value),
        ],
    )  # fmt: skip


def levers_ask(request_id: int, key: str, buyer: str) -> tuple[str, list[Block]]:
    """The won request's thread asks its buyer, once, which levers worked."""
    text = (
        f"<@{buyer}> :trophy: {key} was won — which levers worked? Your answer goes into the "
        "tool's playbook for the next buyer. (Skip if you'd rather not; podbot reminds you "
        "once.)"
    )
    return text, [SectionBlock(text=MarkdownTextObject(text=text)), _buttons(request_id)]


def levers_skipped(key: str, buyer: str, by: str) -> tuple[str, list[Block]]:
    """The ask once skipped: nothing recorded, its buttons gone."""
    text = (
        f":fast_forward: <@{by}> skipped what worked on {key} for now; podbot reminds <@{buyer}> "
        "once."
    )
    return text, [SectionBlock(text=MarkdownTextObject(text=text))]


def levers_line(key: str, by: str, levers: Sequence[Lever], note: str | None) -> str:
    """What worked, as the thread (and the ask, edited) says it."""
    named = ", ".join(lever.label for lever in levers)
    said = f": “{escape_mrkdwn(note)}”" if note else "."
    return f":toolbox: What worked on {key}, per <@{by}>: *{named}*{said}"


def levers_modal(metadata: str, title_line: str) -> View:
    """The levers modal: a checkbox per lever (at least one) and one line of what worked."""
    options = [
        Option(value=lever.value, text=PlainTextObject(text=lever.label.capitalize()))
        for lever in Lever
    ]
    return View(
        type="modal",
        callback_id=CallbackId.LEVERS.value,
        title=PlainTextObject(text="What worked"),
        submit=PlainTextObject(text="Save"),
        close=PlainTextObject(text="Cancel"),
        private_metadata=metadata,
        blocks=[
            ContextBlock(elements=[MarkdownTextObject(text=fit_mrkdwn(title_line, 300) or "—")]),
            InputBlock(
                block_id=BlockId.LEVERS.value,
                label=PlainTextObject(text="Levers that worked"),
                element=CheckboxesElement(action_id=VALUE_ACTION_ID, options=options),
            ),
            InputBlock(
                block_id=BlockId.NOTE.value,
                label=PlainTextObject(text="What worked, in one line"),
                optional=True,
                element=PlainTextInputElement(
                    action_id=VALUE_ACTION_ID, max_length=NOTE_CHARS,
                    placeholder=PlainTextObject(text="e.g. a 3-year term with a 5% cap"),
                ),
            ),
        ],
    )  # fmt: skip


def parse_levers_form(values: dict[str, Any]) -> tuple[list[str], str | None]:
    """The ticked levers' values and the line, as submitted."""
    block = values.get(BlockId.LEVERS.value) or {}
    picked = (block.get(VALUE_ACTION_ID) or {}).get("selected_options") or []
    ticked = [str(o.get("value")) for o in picked if isinstance(o, dict)]
    note_block = values.get(BlockId.NOTE.value) or {}
    note = (note_block.get(VALUE_ACTION_ID) or {}).get("value")
    return ticked, note if isinstance(note, str) else None


def _what_worked(item: DigestLine) -> ButtonElement:
    return ButtonElement(
        text="What worked…", action_id=ActionId.LEVERS_OPEN.value, value=str(item.subject),
        style="primary",
    )  # fmt: skip


def levers_reminder(items: list[DigestLine]) -> tuple[str, list[Block]]:
    """The buyer's one reminder: the won requests whose levers they have not named."""
    n = len(items)
    text = (
        f":toolbox: *What worked?* — {plural(n, 'won request')} still "
        f"{'waits' if n == 1 else 'wait'} for the levers that worked (sent once):"
    )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text))]
    for item in items[:40]:
        blocks.append(
            SectionBlock(
                block_id=item_block_id(item.kind, item.subject),
                text=MarkdownTextObject(text=fit_markup(item.shown, SECTION_TEXT)),
                accessory=_what_worked(item),
            )
        )
    return text, blocks


# -- /proc playbook and the summary at assign -----------------------------------------------


def lever_ranks_lines(ranks: Sequence[LeverRank]) -> list[str]:
    return [
        f"{n}. {rank.lever.label} — above benchmark in {rank.above} of "
        f"{plural(rank.used, 'win')} it was named in"
        for n, rank in enumerate(ranks, 1)
    ]


@dataclass(frozen=True)
class ResellerLine:
    vendor: str
    quotes: int
    best_unit: Decimal | None
    lowest: Decimal | None


def reseller_text(r: ResellerLine, currency: str) -> str:
    best = (
        f"best {unit_money(r.best_unit, currency)}/seat/yr"
        if r.best_unit is not None
        else f"lowest quote {format_money(Money(r.lowest, currency))}"
        if r.lowest is not None
        else "no price"
    )
    return f"{escape_mrkdwn(r.vendor)} ({plural(r.quotes, 'quote')}, {best})"


@dataclass(frozen=True)
class StudyLine:
    key: str
    customer: str
    marked_by: str
    levers: Sequence[Lever]
    note: str | None


@dataclass(frozen=True)
class PlaybookView:
    """What `/proc playbook` shows, ready to render."""

    tool: str
    pod_name: str
    currency: str
    benchmark: str  # the per-seat benchmark's lines (`/proc benchmark`'s answer)
    won: Sequence[str]
    median_term: Decimal | None
    ranks: Sequence[LeverRank]
    answered: int  # won requests whose buyer named the levers
    resellers: Sequence[ResellerLine]
    studies: Sequence[StudyLine]
    command: str


def playbook_text(view: PlaybookView) -> str:
    """`/proc playbook <tool>`'s answer."""
    tool = escape_mrkdwn(view.tool)
    lines = [f":books: *{tool} playbook* — {escape_mrkdwn(view.pod_name)}", view.benchmark]
    term = f" · median term {months_text(view.median_term)}" if view.median_term else ""
    shown = ", ".join(view.won[:10]) + (", …" if len(view.won) > 10 else "")
    lines.append(
        f"*Won:* {plural(len(view.won), 'request')}" + (f" ({shown})" if view.won else "") + term
    )
    if view.ranks:
        lines.append(
            f"*Levers that worked* (named on {view.answered} of {plural(len(view.won), 'win')}, "
            "ranked by above-benchmark savings):"
        )
        lines += lever_ranks_lines(view.ranks)
    else:
        lines.append("*Levers that worked:* no buyer has named any yet.")
    if view.resellers:
        lines.append(
            "*Resellers quoted:* "
            + " · ".join(reseller_text(r, view.currency) for r in view.resellers[:10])
        )
    else:
        lines.append("*Resellers quoted:* none yet.")
    if view.studies:
        lines.append("*Case studies:*")
        for study in view.studies[:10]:
            levers = ", ".join(lever.label for lever in study.levers) or "levers not named"
            note = f": “{escape_mrkdwn(study.note)}”" if study.note else ""
            lines.append(
                f"• {study.key} {escape_mrkdwn(study.customer)} — {levers}{note} "
                f"(marked by <@{study.marked_by}>)"
            )
    else:
        lines.append(
            "*Case studies:* none yet (an em marks one with *Mark as case study* on a closed card)."
        )
    return "\n".join(lines)


@dataclass(frozen=True)
class PlaybookSummary:
    """The few lines posted for the buyer at assign (no customer named)."""

    tool: str
    won: int
    median_term: Decimal | None
    deals: int
    median_unit: Decimal | None
    best_unit: Decimal | None
    min_deals: int
    ranks: Sequence[LeverRank]
    best_reseller: ResellerLine | None
    studies: int
    currency: str
    command: str


def playbook_summary(buyer: str, s: PlaybookSummary) -> str:
    """`<@buyer> :books: Figma playbook: …` for the new request's thread."""
    tool = escape_mrkdwn(s.tool)
    parts = [f"{plural(s.won, 'won request')}"]
    if s.median_term is not None:
        parts.append(f"median term {months_text(s.median_term)}")
    if s.deals >= s.min_deals and s.median_unit is not None and s.best_unit is not None:
        parts.append(
            f"per seat: median {unit_money(s.median_unit, s.currency)}, best "
            f"{unit_money(s.best_unit, s.currency)} over {plural(s.deals, 'deal')}"
        )
    else:
        parts.append(f"per seat: {plural(s.deals, 'deal')} (a benchmark needs {s.min_deals})")
    if s.ranks:
        top = ", ".join(f"{r.lever.label} ({r.above} of {r.used})" for r in s.ranks[:3])
        parts.append(f"levers above benchmark: {top}")
    if s.best_reseller is not None:
        parts.append(f"best reseller: {reseller_text(s.best_reseller, s.currency)}")
    if s.studies:
        parts.append(plural(s.studies, "case study", "case studies"))
    return (
        f"<@{buyer}> :books: *{tool} playbook*: " + " · ".join(parts)
        + f". `{s.command} playbook {tool}` for the whole of it."
    )  # fmt: skip


# -- bundles ------------------------------------------------------------------------------


@dataclass(frozen=True)
class BundleCustomer:
    """One customer of a bundle as a reader sees it: named only for a reader of its POD."""

    name: str  # the customer's name, or "a customer of <POD>"
    renewal: str  # the renewal date as shown
    annual: str  # its annual amount
    seats: int | None
    usage: str | None


def bundle_proposal(
    bundle_id: int, tool: str, customers: Sequence[BundleCustomer], seats: int | None,
    values: str, best: str | None, resellers: Sequence[str],
) -> tuple[str, list[Block]]:  # fmt: skip
    """The proposal DMed to the ems of a bundle's customers, with its Accept button."""
    name = escape_mrkdwn(tool)
    text = (
        f":package: *Bundle?* {len(customers)} customers renew {name} within 90 days: "
        "negotiate them together?"
    )
    lines = []
    for c in customers:
        extra = f" · {c.seats} seats" if c.seats is not None else ""
        usage = f" · {c.usage}" if c.usage else ""
        lines.append(f"• {c.name} — renews {c.renewal} · {c.annual}/yr{extra}{usage}")
    size = f"{seats} seats" if seats is not None else "seats unknown"
    facts = [
        f"*Combined:* {size} · {values} a year",
        f"*Best unit price at that size:* {best}"
        if best
        else "*Best unit price at that size:* no itemised deal yet",
        "*Resellers that quoted before:* " + (", ".join(resellers) if resellers else "none yet"),
    ]
    body = fit_markup("\n".join([*lines, *facts]), SECTION_TEXT)
    return text, [
        SectionBlock(text=MarkdownTextObject(text=text)),
        SectionBlock(text=MarkdownTextObject(text=body)),
        ActionsBlock(
            block_id=f"bundle:{bundle_id}",
            elements=[
                ButtonElement(
                    text="Accept bundle", action_id=ActionId.BUNDLE_ACCEPT.value,
                    value=str(bundle_id), style="primary",
                )
            ],
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Accepting opens one coordinating thread linking one request per "
                    "customer; each saving is still claimed on its own request."
                )
            ]
        ),
    ]  # fmt: skip
