"""Block Kit for `/proc help`: the usage of every subcommand."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.limits import SECTION_TEXT
from bot.blocks.text import split_markup

__all__ = ["help_blocks"]


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
                    "amounts like `48000`, `48k`, `$48,000.50` or `EUR 40k`."
                )
            ]
        ),
    ]
