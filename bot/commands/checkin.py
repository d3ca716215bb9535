"""`/proc checkin <customer>`: the customer's check-in pack (as the weekly `checkin-pack` job
posts it), ephemerally to a member of the customer's POD, with **Share in channel**, which posts
the same pack — and its CSV in the thread — in the POD channel through the outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from slack_bolt import Ack, App

from bot.actions.access import require_member
from bot.blocks.checkin import checkin_blocks
from bot.blocks.contexts import CheckinShare
from bot.blocks.ids import ActionId
from bot.blocks.text import escape_mrkdwn, plain_date
from bot.commands.interactions import answer_click
from bot.commands.router import Invocation, Reply, arguments, subcommand, usage_line
from bot.db.checkin import customer_facts, find_customer_pod, pack_of
from bot.domain.checkin import CheckinPack, checkin_csv, checkin_csv_name
from bot.domain.grammar import customer_name
from bot.errors import NotFound, NotPermitted
from bot.slack.outbox import Lane, Outbox

if TYPE_CHECKING:
    from bot.config import Pod
    from bot.runtime import Runtime

CHECKIN_USAGE = "checkin <customer>"


def _pack(runtime: Runtime, customer: str, user: str, usage: str | None) -> tuple[Pod, CheckinPack]:
    with runtime.db.reading() as session:
        found = find_customer_pod(session, customer)
        if found is None:
            raise NotFound(
                f"There is no account or open request for {escape_mrkdwn(customer)}.", usage=usage
            )
        pod_key, key, name = found
        pod = runtime.config.find_pod(pod_key)
        if pod is None:
            raise NotFound(f"{escape_mrkdwn(name)}'s POD is no longer configured.")
        if pod.role_of(user) is None:
            raise NotPermitted(
                f"{escape_mrkdwn(name)} is a customer of {pod.name}, "
                "and you are not a member of it."
            )
        now = runtime.clock.now()
        facts = customer_facts(session, pod_key, key, name, now)
    return pod, pack_of(facts, pod.name, pod.zone, now)


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
            pod, pack = _pack(runtime, customer, user, None)
            text, blocks = checkin_blocks(pack)
            outbox = Outbox(runtime)
            lane = Lane.CHANNEL.of(pod.channel)  # after the posts decided before it
            with runtime.db.transaction() as session:
                parent = outbox.message(session, lane, pod.channel, text, blocks)
                outbox.upload(
                    session, lane, pod.channel, checkin_csv_name(pod.key, pack),
                    checkin_csv(pack).encode("utf-8"),
                    f"Check-in {pack.customer} {plain_date(pack.as_of)}",
                    parent=parent,
                )  # fmt: skip
            outbox.ephemeral(channel or pod.channel, user, f"Shared in {pod.name}'s channel.")
            return outbox

        answer_click(runtime, body, handle, channel=channel, user=user, action="checkin share")
