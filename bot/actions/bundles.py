"""Book-of-business bundles (issue 34): customers of any POD renewing the same tool within 90
days are proposed to their ems as one bundle, once; an em of one of those PODs accepts it,
which links one request per customer (an open one kept, else a renewal request opened) in one
coordinating thread. Each customer's saving is still claimed and approved on its own request,
and no customer is named on another customer's request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from bot.actions import Work
from bot.actions.access import require_member
from bot.actions.intake import open_for_contract
from bot.blocks.text import escape_mrkdwn
from bot.db.bundles import bundle, unbundled_renewals
from bot.db.models import Bundle, BundleMember, Contract, PodRow
from bot.db.requests import open_duplicates, pod_row
from bot.domain.events import BundleAccepted, BundleProposed, ThreadLine
from bot.domain.grammar import NewRequest
from bot.domain.money import Money
from bot.domain.playbooks import BUNDLE_DAYS, Renewal, bundles_due, proposer
from bot.domain.vocabulary import RequestType, Role
from bot.errors import NotFound, NotPermitted, WrongStage


def bundles_to_propose(renewals: list[Renewal], pod_key: str, today: date) -> list[list[Renewal]]:
    """The bundles this POD's run proposes: those whose first POD (by key) it is."""
    return [group for group in bundles_due(renewals, today) if proposer(group) == pod_key]


def due_renewals(work: Work, today: date) -> list[Renewal]:
    return unbundled_renewals(work.session, today, today + timedelta(days=BUNDLE_DAYS))


def propose_bundles(work: Work, pod_key: str, today: date) -> int:
    """Propose each bundle due that this POD's run proposes (a contract's renewal is in one
    bundle at most: the schema's unique key); how many were proposed."""
    session = work.session
    groups = bundles_to_propose(due_renewals(work, today), pod_key, today)
    proposing = pod_row(session, pod_key).id
    for group in groups:
        contracts = [session.get(Contract, r.contract_id) for r in group]
        first = contracts[0]
        assert first is not None
        row = Bundle(
            tool_key=first.tool_key, tool=first.tool, pod_id=proposing, proposed_at=work.now
        )
        session.add(row)
        session.flush()
        for contract in contracts:
            assert contract is not None
            session.add(
                BundleMember(
                    bundle_id=row.id, contract_id=contract.id,
                    renewal_date=contract.renewal_date, pod_id=contract.pod_id,
                    customer=contract.customer,
                )
            )  # fmt: skip
        session.flush()
        work.record(BundleProposed(row.id))
    return len(groups)


@dataclass(frozen=True)
class AcceptBundle:
    bundle_id: int


@dataclass(frozen=True)
class BundleOpened:
    tool: str
    channel: str  # where the coordinating thread is
    keys: tuple[str, ...]  # the linked requests, one per customer


def accept_bundle(work: Work, user: str, given: AcceptBundle) -> BundleOpened:
    """Accept a proposed bundle, once: one request per customer (its open one kept, else a
    renewal request opened in its POD), each told in its thread — no other customer named —
    and one coordinating thread in the accepting em's POD channel."""
    session, config = work.session, work.config
    require_member(config, user)
    row = bundle(session, given.bundle_id, for_update=True)
    if row is None:
        raise NotFound("This bundle is no longer there.")
    pod_keys = {m.pod_id: session.get(PodRow, m.pod_id) for m in row.members}
    theirs = sorted(p.key for p in pod_keys.values() if p is not None)
    mine = [
        pod
        for key in theirs
        if (pod := config.find_pod(key)) is not None and pod.role_of(user) == Role.EM
    ]
    if not mine:
        raise NotPermitted("Only an em of a bundled customer's POD may accept the bundle.")
    if row.accepted_at is not None:
        raise WrongStage(f"<@{row.accepted_by}> already accepted this bundle of {row.tool}.")
    pod = mine[0]
    keys = []
    for member in row.members:
        contract = session.get(Contract, member.contract_id)
        member_pod_row = pod_keys.get(member.pod_id)
        member_pod = config.find_pod(member_pod_row.key) if member_pod_row else None
        if contract is None or member_pod is None:
            continue  # its contract is gone, or its POD no longer configured
        kept = [
            r for r in open_duplicates(session, contract.customer, contract.tool)
            if r.pod_id == member.pod_id
        ]  # fmt: skip
        if kept:
            request = kept[0]
        else:
            fields = NewRequest(
                customer=contract.customer, tool=contract.tool, kind=RequestType.RENEWAL.value,
                amount=Money(contract.annual_amount, contract.currency),
                renewal_date=contract.renewal_date, notes=f"Bundle B-{row.id}",
            )  # fmt: skip
            request = open_for_contract(work, member_pod, user, fields)
        member.request_id = request.id
        keys.append(request.key)
    row.accepted_by, row.accepted_at, row.channel = user, work.now, pod.channel
    session.flush()
    work.record(BundleAccepted(row.id))
    others = len(keys) - 1
    for member in row.members:
        if member.request_id is None:
            continue
        work.record(
            ThreadLine(
                member.request_id,
                f":package: Part of bundle B-{row.id}: this renewal of "
                f"{escape_mrkdwn(row.tool)} is negotiated together with the renewals of {others} "
                f"other customer{'s' if others != 1 else ''} — coordinating thread in "
                f"<#{pod.channel}>. Its saving is still claimed and approved here, on this "
                "request.",
            )
        )
    return BundleOpened(row.tool, pod.channel, tuple(keys))
