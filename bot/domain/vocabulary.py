"""The POD's words: roles, request types, stages, timeline event kinds, outcomes, savings
claims, billing cycles, account health and target scopes.

Plain string enums (each member equals its stored value), so rules in `bot/domain/` speak
them without importing the database; `bot/db/models.py` backs them with check constraints.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    """A member's role in a POD (`pods[].members` in the config)."""

    BUYER = "buyer"
    ANALYST = "analyst"
    EM = "em"
    CSM = "csm"


# Who counts as a buyer, the one place that says so: who may be assigned a request (and be
# named its buyer by an import), has a member's quarterly target and a buyer's scorecard and
# digest. An em buys too; an analyst qualifies, a csm neither.
BUYER_ROLES = (Role.BUYER, Role.EM)
# Who may be named a request's analyst by an import: an analyst, or an em.
ANALYST_ROLES = (Role.ANALYST, Role.EM)


def counts_as_buyer(role: str | None) -> bool:
    """Whether a member of this role (None: no member) counts as a buyer (`BUYER_ROLES`)."""
    return role in BUYER_ROLES


class RequestType(enum.StrEnum):
    NEW = "new"
    RENEWAL = "renewal"


class Stage(enum.StrEnum):
    INTAKE = "intake"
    QUALIFIED = "qualified"
    NEGOTIATING = "negotiating"
    CLOSED = "closed"
    DISQUALIFIED = "disqualified"


# In the order a request moves through them (the aging report lists them so).
OPEN_STAGES = (Stage.INTAKE, Stage.QUALIFIED, Stage.NEGOTIATING)
FINISHED_STAGES = (Stage.CLOSED, Stage.DISQUALIFIED)


class EventKind(enum.StrEnum):
    """What a timeline event records (`request_events.kind`); the card's thread and
    `/proc status` say each in words (`bot/blocks/cards.py`)."""

    CREATED = "created"
    IMPORTED = "imported"
    QUALIFIED = "qualified"
    DISQUALIFIED = "disqualified"
    PREAPPROVAL = "preapproval"
    PREAPPROVAL_ANSWERED = "preapproval_answered"  # the customer answered it in Slack (issue 32)
    ASSIGNED = "assigned"
    UPDATE = "update"
    QUOTE = "quote"
    PROCUREMENT_STARTED = "procurement_started"  # a procurement step began
    PROCUREMENT_DONE = "procurement_done"  # … and finished
    HOLD = "hold"  # a clock held: the customer or the vendor has the ball (issue 30)
    RESUMED = "resumed"  # … and running again
    CLOSED = "closed"
    SAVINGS_CLAIMED = "savings_claimed"
    SAVINGS_APPROVED = "savings_approved"
    SAVINGS_STEP_APPROVED = "savings_step_approved"  # one approval of several (approval_rules)
    SAVINGS_REJECTED = "savings_rejected"
    SAVINGS_SUPERSEDED = "savings_superseded"
    TERM_RECORDED = "term_recorded"
    # Issue 33: risk and compliance before the close.
    CHECKLIST = "checklist"  # a contract checklist item's state changed
    DOCUMENT = "document"  # a final quote, signed contract, PO or invoice attached or linked
    SOLE_SOURCE = "sole_source"  # no competing quote: why
    NO_SAVING = "no_saving"  # no savings claim: why
    GUARDS_OVERRIDDEN = "guards_overridden"  # an em closed won past the close guards
    VENDOR_EXPIRED = "vendor_expired"  # a document of the vendor's file expired (job)
    # Recorded by the jobs (actor `podbot`).
    TAT_WARNED = "tat_warned"
    TAT_BREACHED = "tat_breached"
    TAT_ESCALATED = "tat_escalated"
    APPROVAL_REMINDED = "approval_reminded"
    APPROVAL_ESCALATED = "approval_escalated"
    PREAPPROVAL_REMINDED = "preapproval_reminded"
    HOLD_REVIEWED = "hold_reviewed"  # a long hold raised to the analyst, then the em
    STALL_FLAGGED = "stall_flagged"  # a procurement step past its bound, or no activity
    # A change made in the request's ClickUp task by a person: its status or assignee (issue 31).
    CLICKUP = "clickup"
    # No longer recorded; rows of older versions still show in words.
    CANCELLED = "cancelled"
    REMINDER = "reminder"


class Outcome(enum.StrEnum):
    WON = "won"
    LOST = "lost"
    CANCELLED = "cancelled"


class ClaimKind(enum.StrEnum):
    SAVINGS = "savings"
    AVOIDANCE = "avoidance"


class ClaimStatus(enum.StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"


class BillingCycle(enum.StrEnum):
    MONTHLY = "monthly"
    ANNUAL = "annual"


class Health(enum.StrEnum):
    """How a customer account is doing, as its em judges it."""

    FAVORABLE = "favorable"
    NEUTRAL = "neutral"
    AT_RISK = "at-risk"


class TargetScope(enum.StrEnum):
    """Whom a quarter's savings target is for: the whole POD or one member (buyer or em)."""

    POD = "pod"
    MEMBER = "member"
