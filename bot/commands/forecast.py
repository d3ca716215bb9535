"""`/proc forecast <customer>` (issue 35, item 5): when the customer's approved savings reach its
MSG, which open requests decide it, and the inputs and arithmetic behind it, worked out now
(`bot/domain/forecast.py`; the Monday `forecast` job keeps the same figures each week)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.actions import accounts
from bot.actions.access import require_member
from bot.blocks.forecast import forecast_text
from bot.blocks.text import escape_mrkdwn
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.db.forecast import forecasts_now
from bot.domain.accounts import AccountCommand
from bot.domain.grammar import customer_name

if TYPE_CHECKING:
    from bot.runtime import Runtime

FORECAST_USAGE = "forecast <customer>"


def _customer(args: str) -> AccountCommand:
    return AccountCommand(customer_name(args, "Name the customer: `forecast <customer>`."))


@subcommand(
    "forecast", FORECAST_USAGE, "when a customer reaches its MSG, and which requests decide it",
    order=154, deferred="Working out the forecast…",
)  # fmt: skip
def forecast(runtime: Runtime, invocation: Invocation) -> Reply:
    """The customer's MSG forecast with its inputs and arithmetic, to a member of its POD."""
    require_member(runtime.config, invocation.user_id)
    asked = arguments(_customer, invocation.args)
    now = runtime.clock.now()
    with runtime.db.reading() as session:
        seen = accounts.account_for(
            session, runtime.config, invocation.user_id, asked, for_update=False
        )
        account, pod = seen.account, seen.pod
        found = forecasts_now(session, runtime.config, pod, now, account.customer_key)
    if not found:
        today = now.astimezone(pod.zone).date()
        why = (
            "no MSG recorded"
            if not account.msg
            else "no handover date recorded"
            if account.handover is None
            else "a handover still ahead"
            if account.handover > today
            else "nothing to forecast"
        )
        return Reply(text=f"{escape_mrkdwn(account.customer)} has {why}: no MSG forecast.")
    return Reply(text=forecast_text(found[0], pod.timezone))
