"""`/proc help` (and `/proc` alone): the usage of every subcommand, ephemerally."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.blocks.help import help_blocks
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
    return Reply(text=f"podbot commands:\n{body}", blocks=help_blocks(body))
