"""`hold` and `resume` (issue 30): the adapters of `bot/actions/holds.py`'s use cases (the held
card's **Resume** button is `bot/commands/card_actions.py`'s)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.actions import holds
from bot.actions.holds import PutOnHold, Resume
from bot.blocks import answers
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.consequences import perform
from bot.domain.grammar import parse_hold, parse_key

if TYPE_CHECKING:
    from bot.runtime import Runtime

HOLD_USAGE = "hold REQ customer|vendor <reason>"
RESUME_USAGE = "resume REQ"


@subcommand("hold", HOLD_USAGE, "the customer or vendor has the ball: the clock stops", order=86)
def hold(runtime: Runtime, invocation: Invocation) -> Reply:
    """Put a request on hold: its TAT (or, in intake, qualification) clock stops."""
    number, party, reason = arguments(parse_hold, invocation.args)
    outbox, done = perform(
        runtime, holds.hold, invocation.user_id, PutOnHold(number, party, reason)
    )
    return Reply(text=answers.held(done.key, done.party, done.clock), after_ack=[outbox.deliver])


@subcommand("resume", RESUME_USAGE, "end a hold: the clock runs again", order=87)
def resume(runtime: Runtime, invocation: Invocation) -> Reply:
    """End a request's hold: its clock runs again, due later by the time held."""
    number = arguments(parse_key, invocation.args)
    outbox, done = perform(runtime, holds.resume, invocation.user_id, Resume(number))
    text = answers.resumed(done.key, done.clock, done.due, done.timezone)
    return Reply(text=text, after_ack=[outbox.deliver])
