"""Intake (SPEC §2, `/proc new` and the intake modal): opening REQ-n in the POD it is asked
for, told beside the open requests for the same customer and tool (a parallel negotiation),
and answering the renewal reminders of the contract it renews.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy.orm import Session

from bot.actions import Work
from bot.actions.access import pod_for_new
from bot.blocks.text import escape_mrkdwn, mentions
from bot.config import Config, Pod
from bot.db.accounts import find_account
from bot.db.contracts import find_contract
from bot.db.models import Request
from bot.db.requests import open_duplicates, pod_row, record_event
from bot.domain.events import RenewalOpened, RequestOpened, ThreadLine
from bot.domain.grammar import AGAIN, NewRequest
from bot.domain.lifecycle import Action, qualification_due
from bot.domain.renewals import past_renewal
from bot.domain.vocabulary import EventKind, RequestType, Role, Stage
from bot.errors import UsageError


@dataclass(frozen=True)
class OpenRequest:
    """A new request: asked in `channel` (a POD's channel picks the POD; elsewhere the user's
    only POD), its fields read with that POD's currency."""

    channel: str
    fields: Callable[[Pod], NewRequest]


@dataclass(frozen=True)
class Beside:
    """An open request for the same customer and tool."""

    key: str
    configured: bool  # False: its POD is no longer configured (nobody there to warn)


@dataclass(frozen=True)
class Opened:
    key: str
    customer: str
    tool: str
    kind: str
    pod_name: str
    channel: str  # the POD's, where the card is
    beside: tuple[Beside, ...]


class PastRenewal(UsageError):
    """The renewal date is before today (a form says so on its renewal date field)."""


class AlreadyOpen(UsageError):
    """Open requests for the same customer and tool the opener did not confirm beside:
    `named` says which in mrkdwn, `plain` in a form's plain text."""

    def __init__(self, live: list[Request], viewer: str) -> None:
        self.named = already_open(live, viewer)
        self.plain = already_open(live, viewer, plain=True)
        super().__init__(f"{self.named}; to open another anyway, end the command with `| {AGAIN}`.")


def open_request(work: Work, user: str, given: OpenRequest) -> Opened:
    """Create REQ-n in the POD it is asked for, with its card, and tell the open requests for
    the same customer and tool and the new one's thread about each other; refused beside an
    open request of a configured POD unless `again` says it is on purpose."""
    pod, _role = pod_for_new(work.config, user, given.channel, Action.NEW)
    fields = given.fields(pod)
    past = past_renewal(fields.renewal_date, pod.today(work.now))
    if past:
        raise PastRenewal(past)
    duplicates = open_duplicates(work.session, fields.customer, fields.tool)
    live = still_worked(duplicates, work.config)
    if live and not fields.again:
        raise AlreadyOpen(live, user)
    request = _create(work, pod, user, fields)
    if request.kind == RequestType.RENEWAL:
        # A renewal of a contract in the POD's SaaS stack answers its renewal reminders.
        contract = find_contract(work.session, request.customer, request.tool)
        if contract is not None and contract.pod_id == request.pod_id:
            work.record(RenewalOpened(contract.id, request.id, request.key))
    for other in duplicates:
        other_pod = work.config.find_pod(other.pod.key)
        if other_pod is None:  # a POD no longer configured: nobody there to warn
            continue
        watchers = other_pod.members_with(Role.ANALYST) + other_pod.members_with(Role.EM)
        work.record(
            ThreadLine(
                other.id,
                f":warning: {mentions(watchers)} Parallel negotiation? <@{user}> just opened "
                f"{request.key} for the same customer and tool ({names(request)}) "
                f"in {pod.name}.",
            )
        )
    if live:
        work.record(
            ThreadLine(
                request.id,
                f":information_source: <@{user}> opened {request.key} on purpose beside "
                f"{listed(live, user)}, open for the same customer and tool.",
            )
        )
    return Opened(
        request.key, request.customer, request.tool, request.kind, pod.name, pod.channel,
        tuple(Beside(d.key, work.config.find_pod(d.pod.key) is not None) for d in duplicates),
    )  # fmt: skip


def open_for_contract(work: Work, pod: Pod, user: str, fields: NewRequest) -> Request:
    """Open a renewal request for a contract of the POD's SaaS stack on someone's behalf (an
    accepted bundle, issue 34), answering its renewal reminders like `/proc new` does."""
    request = _create(work, pod, user, fields)
    contract = find_contract(work.session, request.customer, request.tool)
    if contract is not None and contract.pod_id == request.pod_id:
        work.record(RenewalOpened(contract.id, request.id, request.key))
    return request


def _create(work: Work, pod: Pod, user: str, fields: NewRequest) -> Request:
    customer, tool = recorded_names(work.session, fields.customer, fields.tool)
    request = Request(
        pod_id=pod_row(work.session, pod.key).id,
        customer=customer,
        tool=tool,
        kind=fields.kind,
        stage=Stage.INTAKE,
        amount=fields.amount.amount if fields.amount else None,
        currency=fields.amount.currency if fields.amount else pod.currency,
        renewal_date=fields.renewal_date,
        notes=fields.notes,
        created_by=user,
        created_at=work.now,
        qualification_due_at=qualification_due(
            pod.calendar, work.now, work.config.clocks.qualification_hours
        ),
        updated_at=work.now,
    )
    # The qualification rule's due, holds aside (`bot.db.request_clocks`): the same instant.
    request.triage_due_by = request.qualification_due_at
    work.session.add(request)
    work.session.flush()
    record_event(
        work.session, request, at=work.now, actor=user, kind=EventKind.CREATED,
        text=summary(request),
    )  # fmt: skip
    work.record(RequestOpened(request.id))
    return request


def still_worked(duplicates: list[Request], config: Config) -> list[Request]:
    """The open requests a new one must be confirmed beside: those of a configured POD (a
    removed POD's requests stay open, but nobody works them; the opener is only told)."""
    return [d for d in duplicates if config.find_pod(d.pod.key) is not None]


def recorded_names(session: Session, customer: str, tool: str) -> tuple[str, str]:
    """The customer and tool as the SaaS stack's contract spells them, else the customer as
    its account does: `NILGIRI  FOODS` typed for the account Nilgiri Foods is Nilgiri Foods.
    Names matching neither stay as typed."""
    contract = find_contract(session, customer, tool)
    if contract is not None:
        return contract.customer, contract.tool
    account = find_account(session, customer)
    return (account.customer if account is not None else customer), tool


def owner(request: Request, viewer: str, *, plain: bool = False) -> str:
    """Who has the request now: `buyer <@U…>`, else `analyst <@U…>` (who qualified it), else
    `opened by <@U…>`; `you` for the viewer. In `plain` text (a form's error, where Slack
    renders no mention) someone else is named by their part only: `its buyer`."""
    if request.buyer_id:
        role, user = "buyer", request.buyer_id
    elif request.analyst_id:
        role, user = "analyst", request.analyst_id
    else:
        role, user = "opened by", request.created_by
    if user == viewer:
        return f"{role} you" if role == "opened by" else f"{role}: you"
    if plain:
        return "opened by a colleague" if role == "opened by" else f"its {role}"
    return f"{role} <@{user}>"


def listed(requests: list[Request], viewer: str, *, plain: bool = False) -> str:
    """`REQ-3 (POD Alpha, negotiating, buyer <@U…>) and REQ-7 (…)`: which, where, how far and
    whose, for the opener of another request for the same customer and tool."""
    shown = [
        f"{r.key} ({r.pod.name}, {r.stage}, {owner(r, viewer, plain=plain)})" for r in requests
    ]
    return shown[0] if len(shown) == 1 else f"{', '.join(shown[:-1])} and {shown[-1]}"


def already_open(duplicates: list[Request], viewer: str, *, plain: bool = False) -> str:
    """`REQ-3 (…) is already open for Acme · Figma`, naming them as the oldest spells them."""
    verb = "is" if len(duplicates) == 1 else "are"
    first = duplicates[0]
    what = f"{first.customer} · {first.tool}" if plain else names(first)
    return f"{listed(duplicates, viewer, plain=plain)} {verb} already open for {what}"


def names(request: Request) -> str:
    """`Acme · Figma` as mrkdwn: names are stored as plain text (a modal's are not escaped)."""
    return f"{escape_mrkdwn(request.customer)} · {escape_mrkdwn(request.tool)}"


def summary(request: Request) -> str:
    """`Acme · Figma (renewal)` for timelines and replies, as mrkdwn."""
    return f"{names(request)} ({request.kind})"
