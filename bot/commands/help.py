"""`/proc help` (and `/proc` alone): the usage of every subcommand, ephemerally; `/proc help
kpis`: what each KPI of a scorecard means, as the engine computes it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.blocks.help import help_blocks, kpi_help_blocks, kpi_help_text
from bot.commands.router import SUBCOMMANDS, Invocation, Reply, subcommand

if TYPE_CHECKING:
    from bot.runtime import Runtime

# `help kpis` (`kpi` too); any other word after `help` is answered with the list.
KPI_TOPICS = ("kpis", "kpi")


def usage_text(command: str) -> str:
    """Every subcommand's grammar with a one-line summary, in SPEC order."""
    lines = [
        f"`{command} {sub.usage}` — {sub.summary}"
        for sub in sorted(SUBCOMMANDS.values(), key=lambda s: s.order)
    ]
    return "\n".join(lines)


@subcommand("help", "help [kpis]", "this list; `help kpis`: what the KPIs mean", order=0)
def show_help(runtime: Runtime, invocation: Invocation) -> Reply:
    """Answer the usage of every subcommand, or what the KPIs mean."""
    command = invocation.command
    if invocation.args.strip().lower() in KPI_TOPICS:
        clocks = runtime.config.clocks
        text = kpi_help_text(
            command,
            reply_hours=clocks.response_hours,
            qualification_hours=clocks.qualification_hours,
            tat_new=clocks.tat_days["new"],
            tat_renewal=clocks.tat_days["renewal"],
        )
        return Reply(text=text, blocks=kpi_help_blocks(text))
    body = usage_text(command)
    return Reply(text=f"podbot commands:\n{body}", blocks=help_blocks(body))
