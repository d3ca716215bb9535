"""`/proc aging`: the aging report of each POD you are in, shown only to you, as the daily job
posts it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.actions.access import require_member
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.domain.grammar import parse_nothing
from bot.jobs.aging_report import build_report
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from bot.runtime import Runtime


@subcommand("aging", "aging", "the aging report of each POD you are in, just for you", order=120)
def aging(runtime: Runtime, invocation: Invocation) -> Reply:
    """Answer with the first report message; any further parts follow as ephemerals."""
    arguments(parse_nothing, invocation.args)
    memberships = require_member(runtime.config, invocation.user_id)
    now = runtime.clock.now()
    messages = []
    for pod, _role in memberships:
        _lines, pod_messages = build_report(runtime, pod, now)
        messages.extend(pod_messages)
    first, rest = messages[0], messages[1:]
    outbox = Outbox(runtime)
    for message in rest:
        outbox.ephemeral(
            invocation.channel_id, invocation.user_id, message.text, blocks=message.blocks
        )
    return Reply(text=first.text, blocks=first.blocks, after_ack=[outbox.deliver])
