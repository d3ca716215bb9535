"""Domain events: what happened to podbot's data, as facts (ids, a status, who), recorded by a
use case or a job on its unit of work (`bot.actions.Work`). What each causes outside podbot is
the table in `bot/consequences.py`."""

from __future__ import annotations

from dataclasses import dataclass

from bot.domain.checkin import CheckinPack
from bot.domain.vocabulary import ClaimStatus


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
class HoldStarted:
    """A request's clock stopped: the customer or the vendor has the ball (issue 30)."""

    request_id: int
    party: str


@dataclass(frozen=True)
class HoldEnded:
    """A request's hold ended (resumed, or with a qualify, disqualify or close): its clock runs
    again, its due moved out by the time held."""

    request_id: int


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
    blocks: tuple[object, ...] | None = None  # Block Kit blocks, as built by bot/blocks


@dataclass(frozen=True)
class TermAsked:
    """A request was closed won without its new term: the POD's analysts are asked, in its
    thread, to record it."""

    request_id: int


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
class ClaimStepApproved:
    """An approval step of a savings claim needing several (`pods[].approval_rules`) was
    approved by `by`, steps still to go: the claim stays pending; `line` is what the thread is
    told (who approved, who is asked next)."""

    claim_id: int
    request_id: int
    by: str
    line: str


@dataclass(frozen=True)
class AbsenceChanged:
    """Someone went away or came back (`/proc away`, `/proc back`): who decides the pending
    claims of the PODs `pod_keys` changed, and what the Homes of `users` (and of those PODs'
    ems, analysts and fallback approvers) show."""

    pod_keys: tuple[str, ...]
    users: tuple[str, ...]


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


@dataclass(frozen=True)
class RemindersSnoozed:
    """The reminders a DM lists were snoozed by the person reminded: the DM says until when
    (`note`), its Snooze buttons gone."""

    user: str
    channel: str
    ts: str
    note: str


@dataclass(frozen=True)
class AccountHealthSet:
    """An em judged a customer account's health (SPEC §3): nothing outside podbot shows it
    yet (its row is empty), a canvas or CRM would."""

    account_id: int
    health: str
    by: str


@dataclass(frozen=True)
class PeopleMatrixChanged:
    """A person of the customer added to, removed from or contacted in an account's people
    matrix (issue 35): shown on request (`/proc people`), no message yet (its row is empty)."""

    account_id: int
    change: str  # add, remove, contacted
    by: str


@dataclass(frozen=True)
class SentimentSet:
    """A csm or em recorded the customer's sentiment (issue 35): kept as a history shown in
    `/proc account`, no message yet (its row is empty)."""

    account_id: int
    sentiment: str
    by: str


@dataclass(frozen=True)
class RepeatDisqualificationsFlagged:
    """A customer reached three disqualified requests in 30 days (issue 35): its CSMs (who
    opened its requests) and the POD's ems are told the flag with the reasons, once, in their
    digest (`reminders`, `member-digests`), read from the flag's row."""

    flag_id: int
    users: tuple[str, ...]


@dataclass(frozen=True)
class TargetUpdated:
    """A quarter's savings target of a POD (member None) or a member was set or changed: no
    message shows it yet (its row is empty)."""

    pod_key: str
    quarter: str
    member: str | None
    by: str


@dataclass(frozen=True)
class ClickUpLinked:
    """A request was linked to an existing ClickUp task by `by` (issue 31): the task is told
    the request's REQ key, status and due date, and from then on what happens to it."""

    request_id: int
    task_id: str
    by: str


@dataclass(frozen=True)
class CheckinShared:
    """A member shared a customer's check-in pack in the POD channel (its **Share in
    channel**): the pack is posted there, its CSV in the post's thread."""

    pod_key: str
    channel: str  # the POD's
    pack: CheckinPack
    by: str


@dataclass(frozen=True)
class ContractSaved:
    """A contract was added to a POD's SaaS stack, or updated there (`outcome`: inserted,
    updated or unchanged): nothing outside podbot shows it yet (its row is empty)."""

    pod_key: str
    customer: str
    tool: str
    outcome: str
    by: str


@dataclass(frozen=True)
class HomeOpened:
    """A person opened podbot's Home tab: their Home is published."""

    user: str


@dataclass(frozen=True)
class ChecklistChanged:
    """Items of a request's contract checklist changed state (issue 33): its card's checklist
    line, edited once however many items one change set."""

    request_id: int


@dataclass(frozen=True)
class CustomerUpdateDrafted:
    """A customer update was drafted (issue 32): the draft, with its `.eml`, is DMed to each
    of `users` (the account's analysts and csm)."""

    update_id: int
    users: tuple[str, ...]


@dataclass(frozen=True)
class CustomerUpdateSettled:
    """A drafted update was marked sent, or its Send clicked (`emailing`): the DM clicked
    (`channel`, `ts`; none from elsewhere) says so, and the email goes out when `emailing`."""

    update_id: int
    emailing: bool
    channel: str | None = None
    ts: str | None = None


@dataclass(frozen=True)
class PreapprovalAsked:
    """A pre-approval was put to the customer in their channel (issue 32): posted there with
    Approve / Needs changes."""

    ask_id: int


@dataclass(frozen=True)
class PreapprovalAnswered:
    """The customer answered a pre-approval: the message clicked (`channel`, `ts`) shows the
    answer, without its buttons."""

    ask_id: int
    channel: str | None = None
    ts: str | None = None


@dataclass(frozen=True)
class UsageImported:
    """A renewal request's seat usage was imported (issue 34): its card shows the new line."""

    request_id: int


@dataclass(frozen=True)
class NegotiationStarted:
    """A qualified request was assigned to its first buyer (issue 34: the tool's playbook is
    posted for them)."""

    request_id: int
    buyer: str


@dataclass(frozen=True)
class LeversAsked:
    """A request was closed won: its buyer is asked, once, which levers worked (issue 34)."""

    request_id: int
    buyer: str


@dataclass(frozen=True)
class LeversAnswered:
    """A won request's buyer (or an em) said which levers worked: `line` says it; the ask they
    answered from (`channel`, `ts`; None from the reminder DM) shows it in place."""

    request_id: int
    line: str
    channel: str | None = None
    ts: str | None = None


@dataclass(frozen=True)
class LeversSkipped:
    """The levers question was skipped (nothing recorded): the ask at `channel`/`ts` says so."""

    request_id: int
    text: str
    channel: str
    ts: str


@dataclass(frozen=True)
class BundleProposed:
    """A book-of-business bundle was proposed (issue 34): its customers' ems are told, once."""

    bundle_id: int


@dataclass(frozen=True)
class BundleAccepted:
    """A bundle was accepted: its coordinating thread is opened, linking its requests."""

    bundle_id: int


Event = (
    RequestOpened
    | RequestChanged
    | RequestReassigned
    | HoldStarted
    | HoldEnded
    | ProcurementStepMoved
    | ClockCrossed
    | ThreadLine
    | TermAsked
    | ClaimPosted
    | ClaimDecided
    | ClaimStepApproved
    | AbsenceChanged
    | MentionResolved
    | RenewalOpened
    | RemindersSnoozed
    | AccountHealthSet
    | PeopleMatrixChanged
    | SentimentSet
    | RepeatDisqualificationsFlagged
    | TargetUpdated
    | ClickUpLinked
    | CheckinShared
    | ContractSaved
    | HomeOpened
    | ChecklistChanged
    | CustomerUpdateDrafted
    | CustomerUpdateSettled
    | PreapprovalAsked
    | PreapprovalAnswered
    | UsageImported
    | NegotiationStarted
    | LeversAsked
    | LeversAnswered
    | LeversSkipped
    | BundleProposed
    | BundleAccepted
)
