"""`/proc help` (and `/proc` alone): the usage of every subcommand, ephemerally."""

from __future__ import annotations

from typing import TYPE_CHECKING

from slack_sdk.models.blocks import ContextBlock, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.commands.router import SUBCOMMANDS, Invocation, Reply, subcommand

if TYPE_CHECKING:
    from bot.runtime import Runtime


def usage_text(command: str) -> str:
    """Every subcommand's grammar with a one-line summary, in SPEC order."""
    lines = [
        f"`{command} {sub.usage}` — {sub.summary}"
        for sub in sorted(SUBCOMMANDS.values(), key=lambda s: s.order)
    ]
    return "\n".join(lines)


@subcommand("help", "help", "this list", order=0)
def show_help(runtime: Runtime, invocation: Invocation) -> Reply:
    """Answer the usage of every subcommand."""
    command = invocation.command
    body = usage_text(command)
    return Reply(
        text=f"podbot commands:\n{body}",
        blocks=[
            HeaderBlock(text="podbot — procurement POD assistant"),
            SectionBlock(text=MarkdownTextObject(text=body)),
            ContextBlock(
                elements=[
                    MarkdownTextObject(
                        text="Requests are written `REQ-12`, `req-12` or `12`; "
                        "amounts like `48000`, `48k`, `$48,000.50` or `EUR 40k`."
                    )
                ]
            ),
        ],
    )
