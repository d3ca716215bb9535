"""Block Kit for `/proc help`: the usage of every subcommand; and `/proc help kpis`: what each
KPI a scorecard prints means, built from the definitions beside the rules that compute them
(`bot.domain.kpis.DEFINITIONS`, `bot.domain.scorecard.EXTRA_EXPLAINS`)."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.limits import MAX_MESSAGE_BLOCKS, SECTION_TEXT
from bot.blocks.stats import EXTRA_LABELS, LABELS, STATUS_MARK, bar_words
from bot.blocks.text import split_markup
from bot.domain.kpis import (
    APART_EXPLAINS,
    BAR_EXPLAINS,
    DEFINITIONS,
    SAVINGS_EXPLAINS,
    STATUS_EXPLAINS,
    KpiStatus,
)
from bot.domain.scorecard import EXTRA_EXPLAINS

__all__ = ["help_blocks", "kpi_help_blocks", "kpi_help_text"]


def help_blocks(usage: str) -> list[Block]:
    """The header, the usage lines (as many sections as they need) and how to write things."""
    return [
        HeaderBlock(text="podbot — procurement POD assistant"),
        *(
            SectionBlock(text=MarkdownTextObject(text=part))
            for part in split_markup(usage, SECTION_TEXT)
        ),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text="Requests are written `REQ-12`, `req-12` or `12`; "
                    "amounts like `48000`, `48k`, `$48,000.50` or `EUR 40k`. "
                    "What the KPIs of `stats` mean: `help kpis`."
                )
            ]
        ),
    ]


def kpi_help_text(command: str, **clocks: int) -> str:
    """Every KPI a scorecard prints, in SPEC §8's groups: its name as the line shows it, its
    bar, its rule and what it counts apart; then the lines without a bar. `clocks` are the
    configured `reply_hours`, `qualification_hours`, `tat_new` and `tat_renewal`."""
    statuses = "\n".join(f"{STATUS_MARK[s]} {STATUS_EXPLAINS[s]}" for s in KpiStatus)
    lines = [
        "*What the KPIs mean*",
        f"A line of `{command} stats` reads `✅ *KPI*: value (bar …) — the counts behind it`.",
        BAR_EXPLAINS,
        statuses,
        APART_EXPLAINS,
        SAVINGS_EXPLAINS,
    ]
    for group, definitions in DEFINITIONS:
        lines.append(f"\n*{group}*")
        for definition in definitions:
            explains, apart = definition.explained(**clocks)
            bar = bar_words(definition.name, definition.bar)
            line = f"• *{LABELS[definition.name]}* (bar {bar}): {explains}"
            lines.append(line + (f" _Counted apart:_ {apart}" if apart else ""))
    lines.append("\n*Lines without a bar*")
    lines += [f"• *{EXTRA_LABELS[name]}*: {text}" for name, text in EXTRA_EXPLAINS.items()]
    return "\n".join(lines)


def kpi_help_blocks(text: str) -> list[Block]:
    """`kpi_help_text` in sections of at most 3000 characters, at most 50 blocks."""
    pieces = split_markup(text, SECTION_TEXT)[:MAX_MESSAGE_BLOCKS]
    return [SectionBlock(text=MarkdownTextObject(text=piece)) for piece in pieces if piece]
