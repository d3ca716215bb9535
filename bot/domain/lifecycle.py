"""The request lifecycle of SPEC §2 and who may move it (SPEC §1, §3): pure rules, no I/O."""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.domain.vocabulary import FINISHED_STAGES, OPEN_STAGES, Role, Stage
from bot.domain.working_time import WorkCalendar, add_working_hours, local_datetime


class Action(enum.StrEnum):
    """Everything a user can do to a request, a contract, an account or a target."""

    NEW = "new"
    QUALIFY = "qualify"
    DISQUALIFY = "disqualify"
    ASSIGN = "assign"
    UPDATE = "update"
    QUOTE = "quote"
    SAVINGS = "savings"
    CLOSE = "close"
    CANCEL = "cancel"  # close … cancelled
    CONTRACT_ADD = "contract add"
    ACCOUNT_VIEW = "account"
    ACCOUNT_HEALTH = "account health"
    TARGET_SET = "target"
    RECORD_TERM = "record term"  # a won request's new term, into the SaaS stack
    PREAPPROVAL = "preapproval"  # a pre-approval sent to the customer (intake)
    PROCUREMENT_STEP = "stage"  # a procurement step started or done (negotiating): `/proc stage`
    HOLD = "hold"  # a clock held (or resumed) while the customer or vendor has the ball
    # Issue 33: a contract checklist item, a sole source or no saving, a final document.
    COMPLIANCE = "checklist"
    VENDOR_FILE = "vendor"  # a document of a vendor's file recorded
    OVERRIDE = "override"  # a won close past the close guards


# Roles allowed per action, before the "assigned buyer" refinement below. The em may do
# everything a buyer or analyst may do in their own POD (SPEC §1).
_ROLES: dict[Action, frozenset[Role]] = {
    Action.NEW: frozenset({Role.ANALYST, Role.EM, Role.CSM}),
    Action.QUALIFY: frozenset({Role.ANALYST, Role.EM}),
    Action.DISQUALIFY: frozenset({Role.ANALYST, Role.EM}),
    Action.ASSIGN: frozenset({Role.ANALYST, Role.EM}),
    Action.UPDATE: frozenset({Role.BUYER, Role.EM}),
    Action.QUOTE: frozenset({Role.BUYER, Role.EM}),
    Action.SAVINGS: frozenset({Role.BUYER, Role.EM}),
    Action.CLOSE: frozenset({Role.BUYER, Role.ANALYST, Role.EM}),
    Action.CANCEL: frozenset({Role.ANALYST, Role.EM}),
    Action.CONTRACT_ADD: frozenset({Role.ANALYST, Role.EM}),
    Action.ACCOUNT_VIEW: frozenset(Role),
    Action.ACCOUNT_HEALTH: frozenset({Role.EM}),
    Action.TARGET_SET: frozenset({Role.EM}),
    Action.RECORD_TERM: frozenset({Role.ANALYST, Role.EM}),
    Action.PREAPPROVAL: frozenset({Role.ANALYST, Role.EM}),
    Action.PROCUREMENT_STEP: frozenset({Role.BUYER, Role.ANALYST, Role.EM}),
    Action.HOLD: frozenset({Role.BUYER, Role.ANALYST, Role.EM}),
    Action.COMPLIANCE: frozenset({Role.BUYER, Role.ANALYST, Role.EM}),
    Action.VENDOR_FILE: frozenset({Role.BUYER, Role.ANALYST, Role.EM}),
    Action.OVERRIDE: frozenset({Role.EM}),
}
# For these a buyer must be the request's assigned buyer, not any buyer of the POD.
_ASSIGNED_BUYER_ONLY = frozenset(
    {
        Action.UPDATE,
        Action.SAVINGS,
        Action.CLOSE,
        Action.PROCUREMENT_STEP,
        Action.HOLD,
        Action.COMPLIANCE,
    }
)

_WHO = {
    Action.NEW: "an analyst, em or csm",
    Action.QUALIFY: "an analyst or em",
    Action.DISQUALIFY: "an analyst or em",
    Action.ASSIGN: "an analyst or em",
    Action.UPDATE: "the assigned buyer or an em",
    Action.QUOTE: "a buyer or em",
    Action.SAVINGS: "the assigned buyer or an em",
    Action.CLOSE: "the assigned buyer (won or lost), an analyst or an em",
    Action.CANCEL: "an analyst or em",
    Action.CONTRACT_ADD: "an analyst or em",
    Action.ACCOUNT_VIEW: "a member of the account's POD",
    Action.ACCOUNT_HEALTH: "an em",
    Action.TARGET_SET: "an em",
    Action.RECORD_TERM: "an analyst or em",
    Action.PREAPPROVAL: "an analyst or em",
    Action.PROCUREMENT_STEP: "the assigned buyer, an analyst or an em",
    Action.HOLD: "the assigned buyer, an analyst or an em",
    Action.COMPLIANCE: "the assigned buyer, an analyst or an em",
    Action.VENDOR_FILE: "a buyer, analyst or em",
    Action.OVERRIDE: "an em",
}


def may(role: str | None, action: Action, *, is_assigned_buyer: bool = False) -> bool:
    """Whether someone with `role` in the request's POD may take `action`."""
    if role is None or role not in _ROLES[action]:
        return False
    if role == Role.BUYER and action in _ASSIGNED_BUYER_ONLY:
        return is_assigned_buyer
    return True


@dataclass(frozen=True)
class Approvers:
    """Who is asked to decide a savings claim: the POD's ems other than the claimant, or,
    when there is none, its fallback approvers (`fallback` True); empty: nobody can."""

    users: tuple[str, ...]
    fallback: bool = False
    # Why the fallback applies, in words: the POD's only em made the claim, or it has no em.
    reason: str = ""


def claim_approvers(ems: Sequence[str], fallback: Sequence[str], claimant: str) -> Approvers:
    """Who decides a claim made by `claimant` (SPEC §4): every em of the POD but the claimant;
    when that leaves nobody, the POD's fallback approvers but the claimant."""
    deciders = tuple(u for u in ems if u != claimant)
    if deciders:
        return Approvers(deciders)
    reason = "the POD's only em made this claim" if ems else "the POD has no em"
    return Approvers(tuple(u for u in fallback if u != claimant), fallback=True, reason=reason)


def savings_decision_refusal(
    role: str | None,
    pod_name: str,
    *,
    is_claimant: bool,
    is_fallback_approver: bool = False,
    fallback_applies: bool = False,
) -> str | None:
    """Why this person may not approve or reject a savings claim, or None when they may
    (SPEC §4). The permission table:

    | who                                           | decides |
    |-----------------------------------------------|---------|
    | an em of the request's POD, not the claimant  | yes     |
    | the claimant (em or fallback approver)        | no      |
    | a fallback approver, when no other em exists  | yes     |
    | a fallback approver, while another em exists  | no      |
    | anyone else                                   | no      |
    """
    if is_claimant and (role == Role.EM or is_fallback_approver):
        if fallback_applies:
            return "You made this claim yourself, so the fallback approver must decide it."
        return "You made this claim yourself, so another em must decide it."
    if fallback_applies and is_fallback_approver:
        return None
    if role != Role.EM:
        if fallback_applies:
            return (
                f"Only an em of {pod_name} or its fallback approver may approve or reject "
                "this savings claim."
            )
        return f"Only an em of {pod_name} may approve or reject savings claims."
    return None


def who_may(action: Action) -> str:
    """Who may take `action`, in words for a refusal."""
    return _WHO[action]


# Stage each action requires, and the stage it leads to (None: the stage does not change).
_FROM: dict[Action, tuple[Stage, ...]] = {
    Action.QUALIFY: (Stage.INTAKE,),
    Action.DISQUALIFY: (Stage.INTAKE,),
    Action.ASSIGN: (Stage.QUALIFIED, Stage.NEGOTIATING),
    Action.UPDATE: (Stage.NEGOTIATING,),
    Action.QUOTE: (Stage.QUALIFIED, Stage.NEGOTIATING),
    Action.CLOSE: (Stage.NEGOTIATING,),
    Action.CANCEL: OPEN_STAGES,
    Action.PREAPPROVAL: (Stage.INTAKE,),
    Action.PROCUREMENT_STEP: (Stage.NEGOTIATING,),
    Action.HOLD: (Stage.INTAKE, Stage.NEGOTIATING),
}
_TO: dict[Action, Stage | None] = {
    Action.QUALIFY: Stage.QUALIFIED,
    Action.DISQUALIFY: Stage.DISQUALIFIED,
    Action.ASSIGN: Stage.NEGOTIATING,
    Action.UPDATE: None,
    Action.QUOTE: None,
    Action.CLOSE: Stage.CLOSED,
    Action.CANCEL: Stage.CLOSED,
    Action.PREAPPROVAL: None,
    Action.PROCUREMENT_STEP: None,
    Action.HOLD: None,
}
_HINT = {
    Action.QUALIFY: "only an intake request can be qualified",
    Action.DISQUALIFY: "only an intake request can be disqualified (use `close … cancelled`)",
    Action.ASSIGN: "qualify it first",
    Action.UPDATE: "updates are for requests under negotiation",
    Action.QUOTE: "quotes are recorded once a request is qualified",
    Action.CLOSE: "only a request under negotiation can be closed won or lost",
    Action.CANCEL: "it is already finished",
    Action.PREAPPROVAL: "a pre-approval is for a request in intake",
    Action.PROCUREMENT_STEP: "procurement stages are for requests under negotiation",
    Action.HOLD: "only a clock that runs can be held (intake or under negotiation)",
}


@dataclass(frozen=True)
class StageError(Exception):
    """The request's stage does not allow the action."""

    message: str


def next_stage(stage: str, action: Action, key: str) -> str:
    """The stage after `action`, or StageError saying why the current stage forbids it."""
    if stage not in _FROM[action]:
        if stage in FINISHED_STAGES:
            raise StageError(f"{key} is {stage}: it is already finished.")
        raise StageError(f"{key} is {stage_words(stage)}: {_HINT[action]}.")
    return _TO[action] or stage


def stage_words(stage: str) -> str:
    """The stage as a phrase: 'in intake', 'qualified', 'closed'."""
    words: dict[str, str] = {Stage.INTAKE: "in intake", Stage.NEGOTIATING: "under negotiation"}
    return words.get(stage, stage)


def qualification_due(calendar: WorkCalendar, created_at: datetime, hours: int) -> datetime:
    """When an intake request must be qualified: `hours` working hours after creation."""
    return add_working_hours(calendar, created_at, hours)


# A won request's new term is due in the SaaS stack this many working hours after the close.
TERM_RECORD_HOURS = 24


def negotiation_due(timezone: str, assigned_at: datetime, days: int) -> datetime:
    """The negotiation TAT: `days` calendar days after assignment, same local time of day."""
    zone = ZoneInfo(timezone)
    local = assigned_at.astimezone(zone)
    day = local.date() + timedelta(days=days)
    # local_datetime resolves wall times that DST skipped or repeated.
    calendar = WorkCalendar(timezone=zone, workdays=frozenset(range(7)))
    return local_datetime(calendar, day, local.time().replace(tzinfo=None))
