"""`/proc contract add`: add a contract to the POD's SaaS stack, or update the one it has."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.actions.access import pod_for_new
from bot.blocks.text import escape_mrkdwn, slack_date
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.db.contracts import Saved, Terms, find_contract, saving_upserts, upsert_contract
from bot.db.models import PodRow
from bot.db.requests import pod_row
from bot.domain.contracts import describe_terms, parse_contract_add
from bot.domain.lifecycle import Action
from bot.domain.renewals import past_renewal
from bot.errors import NotPermitted, UsageError

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

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
    pod, _role = pod_for_new(
        runtime.config, invocation.user_id, invocation.channel_id, Action.CONTRACT_ADD
    )
    fields = arguments(parse_contract_add, rest[0] if rest else "", pod.currency)
    row = fields.row(pod.key)
    now = runtime.clock.now()
    past = past_renewal(row.renewal_date, pod.today(now))
    if past:
        raise UsageError(past)

    def save(session: Session) -> Saved:
        pod_id = pod_row(session, pod.key).id
        existing = find_contract(session, row.customer, row.tool, for_update=True)
        if existing is not None and existing.pod_id != pod_id:
            owner = session.get(PodRow, existing.pod_id)
            # A POD that left the config no longer owns anything; another may take it over.
            if owner is not None and owner.active:
                raise NotPermitted(
                    f"{_name(existing.customer, existing.tool)} is in {owner.name}'s SaaS "
                    f"stack; ask its analyst or em to change it."
                )
        return upsert_contract(session, row, pod_id, now)

    return Reply(text=saved_text(saving_upserts(runtime.db, save), pod))


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
