"""The monthly leadership report's message (issue 35): its lines (`bot/domain/leadership.py`)
packed into sections."""

from __future__ import annotations

from slack_sdk.models.blocks import Block, MarkdownTextObject, SectionBlock

from bot.blocks.limits import MAX_MESSAGE_BLOCKS, SECTION_TEXT
from bot.blocks.text import fit_markup

__all__ = ["leadership_blocks"]


def leadership_blocks(lines: list[str]) -> list[Block]:
    """The report's lines as sections, each within Slack's section limit."""
    blocks: list[Block] = []
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > SECTION_TEXT:
            blocks.append(SectionBlock(text=MarkdownTextObject(text=current)))
            current = ""
        current = f"{current}\n{line}" if current else fit_markup(line, SECTION_TEXT)
    if current:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=current)))
    return blocks[:MAX_MESSAGE_BLOCKS]
