"""Approval by amount (SPEC §4, `pods[].approval_rules`): which approvals a savings claim
needs, who decides each step, and the claim's progress in words. Pure: no I/O.

A claim needs one approval — an em's (else a fallback approver's) — unless its savings amount
is **above** a rule's threshold: then, after the em's, the approval of each person the rule
names (`then`), one after the other. Rules above several thresholds add up (lowest first, each
person once). Nobody approves a claim twice, nor their own claim: a named approver who made the
claim is left out of its chain. The claim is approved only with its last approval.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

__all__ = [
    "ApprovalRule",
    "Progress",
    "approval_chain",
    "covering_note",
    "progress_line",
    "step_deciders",
]


@dataclass(frozen=True)
class ApprovalRule:
    """`{ above = "50k", then = ["U0HEAD001"] }`: a claim saving more than `above` (in the
    POD's currency) needs, after the em's approval, the approval of each of `then`, in order."""

    above: Decimal
    then: tuple[str, ...]


def approval_chain(rules: Sequence[ApprovalRule], saved: Decimal, claimant: str) -> tuple[str, ...]:
    """The named approvers a claim saving `saved` needs after the em's step, in order: those
    of every rule it is above (exactly the threshold is not above), lowest threshold first,
    each person once, never the claimant."""
    chain: list[str] = []
    for rule in sorted(rules, key=lambda r: r.above):
        if saved > rule.above:
            chain += [u for u in rule.then if u != claimant and u not in chain]
    return tuple(chain)


def step_deciders(
    step: int, em_step: Sequence[str], chain: Sequence[str], approved: Sequence[str]
) -> tuple[str, ...]:
    """Who may decide step `step` (0: the em's step, whose deciders are `em_step`; then the
    chain's person): nobody who already approved the claim."""
    people = tuple(em_step) if step == 0 else (chain[step - 1],) if step <= len(chain) else ()
    return tuple(u for u in people if u not in approved)


@dataclass(frozen=True)
class Progress:
    """Where a claim needing `total` approvals stands: who approved (in order) and who is
    asked now."""

    total: int
    approved: tuple[str, ...]
    waiting: tuple[str, ...]
    # A decider standing in for someone away (`/proc away`): {cover: whom they cover for}.
    covering: Mapping[str, str] = field(default_factory=dict)

    @property
    def step(self) -> int:
        """The step being decided now (0-based)."""
        return len(self.approved)

    @property
    def last(self) -> bool:
        """Whether the step being decided is the claim's last."""
        return self.step >= self.total - 1


def covering_note(covering: Mapping[str, str], user: str) -> str:
    """` (covering for <@U…>)` after a decider standing in for someone away, else nothing."""
    return f" (covering for <@{covering[user]}>)" if user in covering else ""


def progress_line(progress: Progress) -> str:
    """`1 of 2 approvals: ✅ <@U…> · waiting for <@U…>` (mrkdwn)."""
    parts = [f"✅ <@{u}>" for u in progress.approved]
    waiting = (
        " or ".join(f"<@{u}>" + covering_note(progress.covering, u) for u in progress.waiting)
        or "nobody who can decide it"
    )
    parts.append(f"waiting for {waiting}")
    return f"{len(progress.approved)} of {progress.total} approvals: " + " · ".join(parts)
