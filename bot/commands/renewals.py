"""`/proc renewals [next|YYYYQn]`: a quarter's renewal calendar of your POD(s), just for you."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.actions.access import require_member
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.domain.quarters import parse_quarter
from bot.jobs.renewal_calendar import build_calendar
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from bot.runtime import Runtime


@subcommand(
    "renewals",
    "renewals [next|YYYYQn]",
    "a quarter's renewal calendar (default: next quarter), just for you",
    order=130,
)
def renewals(runtime: Runtime, invocation: Invocation) -> Reply:
    """Answer with the first calendar message; further parts and PODs follow as ephemerals."""
    text = invocation.args or "next"
    now = runtime.clock.now()
    # Refuse bad text before anything else; `next` is resolved per POD below.
    arguments(parse_quarter, text, runtime.config.fiscal_year_start_month, now.date())
    memberships = require_member(runtime.config, invocation.user_id)
    messages = []
    for pod, _role in memberships:
        # `next` is the quarter after the one holding the POD's own local today.
        today = now.astimezone(pod.zone).date()
        quarter = parse_quarter(text, pod.fiscal_year_start_month, today)
        _calendar, pod_messages = build_calendar(runtime, pod, quarter, today)
        messages.extend(pod_messages)
    first, rest = messages[0], messages[1:]
    outbox = Outbox(runtime)
    for message in rest:
        outbox.ephemeral(
            invocation.channel_id, invocation.user_id, message.text, blocks=message.blocks
        )
    return Reply(text=first.text, blocks=first.blocks, after_ack=[outbox.deliver])
