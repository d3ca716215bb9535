"""A POD's SaaS stack: a contract added, or the one it has updated (`/proc contract add`).

The POD found (the channel's, else the user's only one) and the user authorized, the contract
parsed in the POD's currency, its renewal checked, the row upserted; `ContractSaved` recorded
(nothing outside podbot shows it yet). Run with `perform_upsert`: two writers may insert the
same customer and tool at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.actions import Work
from bot.actions.access import pod_for_new
from bot.blocks.text import escape_mrkdwn
from bot.config import Pod
from bot.db.contracts import Saved, find_contract, upsert_contract
from bot.db.models import PodRow
from bot.db.requests import pod_row
from bot.domain.contracts import ContractRow
from bot.domain.events import ContractSaved
from bot.domain.lifecycle import Action
from bot.domain.renewals import past_renewal
from bot.errors import NotPermitted, UsageError


@dataclass(frozen=True)
class AddContract:
    channel: str  # where it was typed: its POD's stack
    read: Callable[[Pod], ContractRow]  # the arguments, parsed in the POD's currency


@dataclass(frozen=True)
class ContractAdded:
    saved: Saved
    pod: Pod


def add(work: Work, user: str, given: AddContract) -> ContractAdded:
    """Add the contract to the POD's SaaS stack, or update the one it has there."""
    pod, _role = pod_for_new(work.config, user, given.channel, Action.CONTRACT_ADD)
    row = given.read(pod)
    past = past_renewal(row.renewal_date, pod.today(work.now))
    if past:
        raise UsageError(past)
    session = work.session
    pod_id = pod_row(session, pod.key).id
    existing = find_contract(session, row.customer, row.tool, for_update=True)
    if existing is not None and existing.pod_id != pod_id:
        owner = session.get(PodRow, existing.pod_id)
        # A POD that left the config no longer owns anything; another may take it over.
        if owner is not None and owner.active:
            raise NotPermitted(
                f"{escape_mrkdwn(existing.customer)} · {escape_mrkdwn(existing.tool)} is in "
                f"{owner.name}'s SaaS stack; ask its analyst or em to change it."
            )
    saved = upsert_contract(session, row, pod_id, work.now)
    work.record(ContractSaved(pod.key, row.customer, row.tool, saved.outcome, user))
    return ContractAdded(saved, pod)
