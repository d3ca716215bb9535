"""`/proc checkin <customer>`: the customer's check-in pack (as the weekly `checkin-pack` job
posts it), ephemerally to a member of the customer's POD, with **Share in channel**, which posts
the same pack — and its CSV in the thread — in the POD channel through the outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.actions import checkin as checkin_actions
from bot.actions.access import require_member
from bot.actions.checkin import ShareCheckin, pack_for
from bot.blocks import answers
from bot.blocks.checkin import checkin_blocks
from bot.blocks.contexts import CheckinShare
from bot.blocks.ids import ActionId
from bot.commands.interactions import answer_click
from bot.commands.router import Invocation, Reply, arguments, subcommand, usage_line
from bot.consequences import perform
from bot.domain.checkin import CheckinPack
from bot.domain.grammar import customer_name
from bot.slack.outbox import Outbox

if TYPE_CHECKING:
    from bot.config import Pod
    from bot.runtime import Runtime

CHECKIN_USAGE = "checkin <customer>"


def _pack(runtime: Runtime, customer: str, user: str, usage: str | None) -> tuple[Pod, CheckinPack]:
    with runtime.db.reading() as session:
        return pack_for(session, runtime.config, customer, user, runtime.clock.now(), usage)


@subcommand(
    "checkin", CHECKIN_USAGE, "a customer's check-in pack, to share in the channel", order=155
)
def checkin(runtime: Runtime, invocation: Invocation) -> Reply:
    require_member(runtime.config, invocation.user_id)
    usage = usage_line(invocation.command, "checkin")
    customer = arguments(customer_name, invocation.args, "Name the customer.")
    _pod, pack = _pack(runtime, customer, invocation.user_id, usage)
    value = CheckinShare(pack.customer).dumps()
    text, blocks = checkin_blocks(pack, share_value=value)
    return Reply(text=text, blocks=blocks)


def register(app: App, runtime: Runtime) -> None:
    """Listen for Share in channel."""

    @app.action(ActionId.CHECKIN_SHARE.value)
    def on_share(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        user = body.get("user", {}).get("id", "")
        action = (body.get("actions") or [{}])[0]
        channel = (body.get("channel") or {}).get("id", "")

        def handle() -> Outbox:
            customer = CheckinShare.loads(
                action.get("value"), source="the Share in channel button's value",
                refusal="This button does not point at a customer.",
            ).customer  # fmt: skip
            outbox, done = perform(runtime, checkin_actions.share, user, ShareCheckin(customer))
            outbox.ephemeral(channel or done.channel, user, answers.checkin_shared(done.pod_name))
            return outbox

        answer_click(runtime, body, handle, channel=channel, user=user, action="checkin share")
