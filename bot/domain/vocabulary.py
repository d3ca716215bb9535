"""The POD's words: roles, request types, stages, outcomes, savings claims, billing cycles,
account health and target scopes.

Plain string enums (each member equals its stored value), so rules in `bot/domain/` speak
them without importing the database; `bot/db/models.py` backs them with check constraints.
"""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    BUYER = "buyer"
    ANALYST = "analyst"
    EM = "em"
    CSM = "csm"


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
