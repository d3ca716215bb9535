"""`/proc away` and `/proc back`: absences with cover (SPEC §3). Anyone for themselves, an em
for a member of their POD. While someone is away nothing is DMed to them; their approvals go
to the cover (else another em, else the fallback approvers), their reminders to the cover;
escalations skip them (`bot.domain.absences`)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.actions import absences
from bot.actions.absences import Away
from bot.blocks.text import slack_date
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.consequences import perform
from bot.domain.absences import parse_away, parse_back

if TYPE_CHECKING:
    from bot.runtime import Runtime

AWAY_USAGE = "away [@member] until YYYY-MM-DD [cover @person]"
BACK_USAGE = "back [@member]"


@subcommand("away", AWAY_USAGE, "say you are away, and who covers for you", order=180)
def away(runtime: Runtime, invocation: Invocation) -> Reply:
    """Record an absence until a return day, with an optional cover."""
    command = arguments(parse_away, invocation.args)
    actor = invocation.user_id
    given = Away(command.member or actor, command.until, command.cover)
    outbox, done = perform(runtime, absences.away, actor, given)
    member, cover = done.member, done.cover
    who = "You are" if member == actor else f"<@{member}> is"
    back_on = slack_date(done.until, done.timezone)
    text = f"{who} away until {back_on} (back that morning)"
    if cover is not None:
        text += (
            f"; <@{cover}> covers: pending approvals go to them, and the reminders too. "
            "Nothing is DMed until then; the first digest back lists what is still open."
        )
    else:
        text += (
            ": pending approvals go to another em of the POD, else its fallback approvers. "
            "Nothing is DMed until then; the first digest back lists what is still open."
        )
    return Reply(text=text, after_ack=[outbox.deliver])


@subcommand("back", BACK_USAGE, "end an absence now", order=181)
def back_now(runtime: Runtime, invocation: Invocation) -> Reply:
    """End an absence now."""
    member = arguments(parse_back, invocation.args) or invocation.user_id
    outbox, _member = perform(runtime, absences.back_now, invocation.user_id, member)
    who = "Welcome back" if member == invocation.user_id else f"<@{member}> is back"
    return Reply(
        text=f"{who}: approvals and reminders go to <@{member}> again.",
        after_ack=[outbox.deliver],
    )
