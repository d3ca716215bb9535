"""`/proc offline` (an offline purchase counted in the account's ATS on the platform) and
`/proc catchup [pod]` (the weekly POD catch-up pack, read now; issue 35). The change is the use
case `bot.actions.ats.record_offline`; the pack is read by `bot/db/catchup.py::build_pack`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.actions import ats
from bot.actions.access import require_member
from bot.blocks.catchup import catchup_post, catchup_sections
from bot.blocks.limits import MAX_MESSAGE_TEXT
from bot.blocks.text import escape_mrkdwn, fit_markup
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.consequences import perform_upsert
from bot.db.catchup import build_pack
from bot.domain.ats_trend import OFFLINE_USAGE, parse_offline_command
from bot.domain.money import Money, format_money
from bot.errors import NotPermitted, UsageError

if TYPE_CHECKING:
    from bot.runtime import Runtime

CATCHUP_USAGE = "catchup [pod]"


@subcommand(
    "offline", OFFLINE_USAGE, "record a tool the customer bought outside the platform", order=154
)
def offline(runtime: Runtime, invocation: Invocation) -> Reply:
    """Record the purchase (csm, analyst, em of the account's POD) and say what it counts."""
    require_member(runtime.config, invocation.user_id)
    args = invocation.args
    given = ats.RecordOffline(lambda currency: arguments(parse_offline_command, args, currency))
    outbox, done = perform_upsert(runtime, ats.record_offline, invocation.user_id, given)
    was = ""
    if done.was is not None:
        was = f" (was {format_money(Money(done.was, done.amount.currency))})"
    return Reply(
        text=(
            f"Recorded {escape_mrkdwn(done.customer)}'s offline purchase of "
            f"{escape_mrkdwn(done.tool)}: {format_money(done.amount)} a year{was}. It counts in "
            "the account's ATS on the platform from the next snapshot."
        ),
        after_ack=[outbox.deliver],
    )


@subcommand(
    "catchup", CATCHUP_USAGE, "the weekly POD catch-up pack, as of now", order=156,
    deferred="Putting the catch-up pack together…",
)  # fmt: skip
def catchup(runtime: Runtime, invocation: Invocation) -> Reply:
    """The pack of the named POD (or the asker's only one), to a member of it."""
    require_member(runtime.config, invocation.user_id)
    key = invocation.args.strip().lower()
    mine = [pod for pod, _role in runtime.config.memberships(invocation.user_id)]
    if key:
        pod = runtime.config.find_pod(key)
        if pod is None:
            raise UsageError(f"There is no POD `{escape_mrkdwn(key[:30])}`.")
        if pod not in mine:
            raise NotPermitted(f"You are not a member of {pod.name}.")
    elif len(mine) == 1:
        pod = mine[0]
    else:
        names = ", ".join(p.key for p in mine)
        raise UsageError(f"You are in several PODs: name one ({names}).")
    with runtime.db.reading() as session:
        pack = build_pack(session, pod, runtime.clock.now())
    head, _blocks = catchup_post(pack)
    parts = [head.replace(" The pack is in the thread.", "")]
    for title, lines in catchup_sections(pack):
        parts.append(f"*{title}*\n" + "\n".join(lines))
    return Reply(text=fit_markup("\n\n".join(parts), MAX_MESSAGE_TEXT))
