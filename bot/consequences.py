"""What a change causes: domain events and the one table of their consequences.

A handler, a use case or a job says *what happened* by recording a domain event on its unit
of work (`Work.record(RequestChanged(12, "update"))`); this module alone says what that
causes outside podbot — the card edit, the thread line, the claim messages, the reminder DMs
it settles, the Homes it republishes — as outbox rows written in the same transaction as the
change. "What does an Approve cause?" is the `ClaimDecided` row of `CONSEQUENCES`; a new kind
of consequence (a ClickUp comment, a canvas edit) is one more function in the rows it belongs
to.

Events are applied as they are recorded, in order, so the rows of one lane (a request's card,
its thread, its claim messages) are queued in the order the change decided them. A job records
events on its plan (`JobContext.record`): they are applied in the run's own transaction, once
per run recorded.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.models.blocks import Block
from sqlalchemy.orm import Session

from bot.db.models import Contract, PodRow, Request
from bot.db.savings import pending_claims_for_tool
from bot.domain.vocabulary import ClaimStatus
from bot.slack import reminder_dms
from bot.slack.outbox import Outbox

# -- the events ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RequestOpened:
    """A request was created (REQ-n): its card is posted."""

    request_id: int


@dataclass(frozen=True)
class RequestChanged:
    """Something a request's card, reminders or Homes show changed: `what` names it (an update,
    a quote, qualified, disqualified, pre-approved, closed, a new term recorded …)."""

    request_id: int
    what: str


@dataclass(frozen=True)
class RequestReassigned:
    """A request changed buyer: the last buyer's Home no longer lists it."""

    request_id: int
    previous_buyer: str | None


@dataclass(frozen=True)
class ProcurementStepMoved:
    """A procurement step (S0 stage) of a negotiating request started or finished."""

    request_id: int


@dataclass(frozen=True)
class ClockCrossed:
    """A clock of the request crossed a line a job watches (a TAT breached, a procurement step's
    day moved): its card's badge or day changes."""

    request_id: int


@dataclass(frozen=True)
class ThreadLine:
    """A line said in the request card's thread (a timeline event as the POD reads it)."""

    request_id: int
    text: str
    blocks: tuple[Block, ...] | None = None


@dataclass(frozen=True)
class ClaimPosted:
    """A savings claim was posted on its request; `superseded_id` is the pending claim it
    replaced, if any."""

    claim_id: int
    request_id: int
    superseded_id: int | None = None


@dataclass(frozen=True)
class ClaimDecided:
    """A savings claim was approved or rejected (once) by `by`. `revised_id` is the approved
    claim an approved revision superseded; `line` is what the thread is told; `tool_key` is the
    tool whose benchmark an approval moved."""

    claim_id: int
    request_id: int
    status: ClaimStatus
    by: str
    line: str
    tool_key: str
    revised_id: int | None = None


@dataclass(frozen=True)
class MentionResolved:
    """Mentions (pending responses) answered or marked answered."""

    mention_ids: tuple[int, ...]


@dataclass(frozen=True)
class RenewalOpened:
    """A renewal request was opened for a contract of the SaaS stack: its renewal reminders
    are answered."""

    contract_id: int
    request_id: int
    request_key: str


Event = (
    RequestOpened
    | RequestChanged
    | RequestReassigned
    | ProcurementStepMoved
    | ClockCrossed
    | ThreadLine
    | ClaimPosted
    | ClaimDecided
    | MentionResolved
    | RenewalOpened
)

# -- the consequences ------------------------------------------------------------------------

Consequence = Callable[[Session, Outbox, Any], None]


def card(session: Session, outbox: Outbox, event: Any) -> None:
    """The request's card: posted, or refreshed in place (pending edits collapse)."""
    outbox.card(session, event.request_id)


def thread_line(session: Session, outbox: Outbox, event: ThreadLine) -> None:
    """A reply in the card's thread."""
    blocks = list(event.blocks) if event.blocks is not None else None
    outbox.thread(session, event.request_id, event.text, blocks)


def decision_line(session: Session, outbox: Outbox, event: ClaimDecided) -> None:
    """The thread told who decided the claim, and how."""
    outbox.thread(session, event.request_id, event.line)


def homes_of_request(session: Session, outbox: Outbox, event: Any) -> None:
    """The Homes that list the request: its buyer, the POD's analysts, ems and fallback
    approvers."""
    request = session.get(Request, event.request_id)
    if request is not None:
        outbox.homes_of(session, request)


def previous_buyers_home(session: Session, outbox: Outbox, event: RequestReassigned) -> None:
    """The Home of the buyer the request left."""
    outbox.homes(session, [event.previous_buyer])


def request_dms_settled(session: Session, outbox: Outbox, event: Any) -> None:
    """The reminder DMs about the request that the change resolved: settled."""
    session.flush()  # the settle reads the change
    reminder_dms.settle(session, outbox, requests=[event.request_id])


def superseded_claim_message(session: Session, outbox: Outbox, event: ClaimPosted) -> None:
    """The message of the pending claim the new one supersedes says so."""
    if event.superseded_id is not None:
        outbox.claim(session, event.superseded_id)


def revised_claim_message(session: Session, outbox: Outbox, event: ClaimDecided) -> None:
    """The message of the approved claim an approved revision replaced says it no longer
    counts."""
    if event.revised_id is not None:
        outbox.claim(session, event.revised_id)


def claim_message(session: Session, outbox: Outbox, event: ClaimPosted | ClaimDecided) -> None:
    """The claim's message in the thread: posted, or edited in place."""
    outbox.claim(session, event.claim_id)


def benchmark_claims(session: Session, outbox: Outbox, event: ClaimDecided) -> None:
    """An approval moved the tool's benchmark: the pending claims on its other requests show
    it now, not when they are next edited."""
    if event.status is ClaimStatus.APPROVED:
        for pending in pending_claims_for_tool(session, event.tool_key, event.request_id):
            outbox.claim(session, pending)


def claim_dms_settled(session: Session, outbox: Outbox, event: ClaimDecided) -> None:
    """The em's approval reminders listing the decided claim: settled."""
    session.flush()
    reminder_dms.settle(session, outbox, claims=[event.claim_id])


def mention_dms_settled(session: Session, outbox: Outbox, event: MentionResolved) -> None:
    """The reminder and escalation DMs about the mentions: settled."""
    if event.mention_ids:
        reminder_dms.settle(session, outbox, mentions=event.mention_ids)


def renewal_dms_settled(session: Session, outbox: Outbox, event: RenewalOpened) -> None:
    """Every renewal reminder DM about the contract, to each analyst who got one: settled,
    its Open renewal request button gone, naming the request now open."""
    contract = session.get(Contract, event.contract_id)
    pod_row = session.get(PodRow, contract.pod_id) if contract is not None else None
    pod = outbox.runtime.config.find_pod(pod_row.key) if pod_row is not None else None
    request = session.get(Request, event.request_id)
    analysts = pod.members_with("analyst") if pod is not None else []
    # The request's analyst too, should the POD's analysts have changed since.
    users = [*analysts, *([request.analyst_id] if request and request.analyst_id else [])]
    reminder_dms.settle_renewal(session, outbox, users, event.contract_id, event.request_key)


# The one table: what each event causes, in the order its rows are queued.
CONSEQUENCES: dict[type[Any], tuple[Consequence, ...]] = {
    RequestOpened: (card, homes_of_request),
    RequestChanged: (card, request_dms_settled, homes_of_request),
    RequestReassigned: (card, request_dms_settled, homes_of_request, previous_buyers_home),
    ProcurementStepMoved: (card,),
    ClockCrossed: (card, homes_of_request),
    ThreadLine: (thread_line,),
    ClaimPosted: (superseded_claim_message, claim_message, card, homes_of_request),
    ClaimDecided: (
        revised_claim_message,
        claim_message,
        card,
        homes_of_request,
        decision_line,
        benchmark_claims,
        claim_dms_settled,
    ),
    MentionResolved: (mention_dms_settled,),
    RenewalOpened: (renewal_dms_settled,),
}


def apply(session: Session, outbox: Outbox, event: Event) -> None:
    """Queue the outbox rows `event` causes, in the caller's transaction."""
    for consequence in CONSEQUENCES[type(event)]:
        consequence(session, outbox, event)


@dataclass
class Work:
    """A unit of work: one transaction's session, the events recorded on it, and the outbox
    their consequences are queued on (applied as each is recorded, in the same transaction)."""

    session: Session
    outbox: Outbox
    events: list[Event] = field(default_factory=list)

    def record(self, *events: Event) -> None:
        for event in events:
            self.events.append(event)
            apply(self.session, self.outbox, event)


def record(session: Session, outbox: Outbox, *events: Event) -> None:
    """Record events on a transaction that has no `Work` of its own: their consequences are
    queued now, in it."""
    Work(session, outbox).record(*events)


def describe(event: Event) -> str:
    """What a job's dry run prints for an event it planned."""
    if isinstance(event, ClockCrossed | RequestChanged | RequestOpened):
        return f"refresh the card of request {event.request_id}"
    return type(event).__name__


__all__ = [
    "CONSEQUENCES", "ClaimDecided", "ClaimPosted", "ClockCrossed", "Event", "MentionResolved",
    "ProcurementStepMoved", "RenewalOpened", "RequestChanged", "RequestOpened",
    "RequestReassigned", "ThreadLine", "Work", "apply", "describe", "record",
]  # fmt: skip
