"""`/proc contract add`: add a contract to the POD's SaaS stack, or update the one it has."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.actions import contracts
from bot.blocks.text import escape_mrkdwn, slack_date
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.consequences import perform_upsert
from bot.db.contracts import Saved, Terms
from bot.domain.contracts import describe_terms, parse_contract_add
from bot.errors import UsageError

if TYPE_CHECKING:
    from bot.config import Pod
    from bot.runtime import Runtime

USAGE = (
    "contract add <customer> | <tool> | <annual amount> | <renewal YYYY-MM-DD> [| monthly|annual]"
)


@subcommand("contract", USAGE, "add or update a contract in your POD's SaaS stack", order=140)
def contract(runtime: Runtime, invocation: Invocation) -> Reply:
    """Add the contract to the POD's SaaS stack (or update it) and say what changed."""
    action, *rest = invocation.args.split(maxsplit=1) or [""]
    if not action:
        raise UsageError("Say what to do with the SaaS stack: `contract add …`.")
    if action.lower() != "add":
        raise UsageError(f"`{action[:30]}` is not something `contract` does; it can `add`.")
    given = contracts.AddContract(
        invocation.channel_id,
        lambda pod: arguments(parse_contract_add, rest[0] if rest else "", pod.currency).row(
            pod.key
        ),
    )
    outbox, done = perform_upsert(runtime, contracts.add, invocation.user_id, given)
    return Reply(text=saved_text(done.saved, done.pod), after_ack=[outbox.deliver])


def saved_text(saved: Saved, pod: Pod) -> str:
    """The invoker's confirmation: added, updated (with the old terms) or already so."""
    now = saved.terms
    name = _name(now.customer, now.tool)
    if saved.before is None:
        return f"Added {name} ({_terms(now, pod)}) to {pod.name}'s SaaS stack."
    if saved.outcome == "unchanged":
        return (
            f"{name} is already in {pod.name}'s SaaS stack as {_terms(now, pod)}; nothing changed."
        )
    was = _terms(saved.before, pod)
    return f"Updated {name} ({_terms(now, pod)}; was {was}) in {pod.name}'s SaaS stack."


def _name(customer: str, tool: str) -> str:
    return f"{escape_mrkdwn(customer)} · {escape_mrkdwn(tool)}"


def _terms(terms: Terms, pod: Pod) -> str:
    return describe_terms(
        terms.amount, terms.renewal_date, terms.billing_cycle, lambda d: slack_date(d, pod.timezone)
    )
