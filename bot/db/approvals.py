"""A savings claim's approval steps, read and written (SPEC §4, `pods[].approval_rules`): who
approved it so far (`claim_approvals`), who decides it now, since when its current step waits.

The rules are `bot.domain.approvals`; the config is read at each decision, as
`Pod.claim_approvers` is. `status = 'approved'` is written only with the last step, so
`bot.db.savings.effective_claim` stays the one rule of which claims count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from bot.db.absences import away_in
from bot.db.models import ClaimApproval, SavingsClaim
from bot.domain.absences import covered
from bot.domain.approvals import Progress, approval_chain, step_deciders
from bot.domain.savings import savings_amount
from bot.domain.vocabulary import ClaimStatus, Role
from bot.errors import Refusal

if TYPE_CHECKING:
    from bot.config import Pod

__all__ = ["Step", "approvals_of", "claim_progress", "lock_pending", "record_approval"]


@dataclass(frozen=True)
class Step:
    """A claim's progress and the instant its current step began waiting (its creation, or
    the previous step's approval)."""

    progress: Progress
    since: datetime


def approvals_of(session: Session, claim_id: int) -> list[ClaimApproval]:
    """The claim's approvals so far, in step order (read afresh, not from the session)."""
    return list(
        session.scalars(
            select(ClaimApproval)
            .where(ClaimApproval.claim_id == claim_id)
            .order_by(ClaimApproval.step)
            .execution_options(populate_existing=True)
        )
    )


def claim_progress(
    session: Session, pod: Pod, claim: SavingsClaim, now: datetime | None = None
) -> Step:
    """Where `claim` stands in `pod`'s approval rules: its approvals, who decides next. With
    `now`, a decider away then is replaced by their cover, else another em of the POD, else
    its fallback approvers (`bot.domain.absences.covered`)."""
    done = approvals_of(session, claim.id)
    saved = savings_amount(claim.baseline, claim.final)
    chain = approval_chain(pod.approval_rules, saved, claim.created_by)
    approved = tuple(a.approver_id for a in done)
    em_step = pod.claim_approvers(claim.created_by).users
    total = 1 + len(chain)
    step = len(done)
    waiting = (
        step_deciders(step, em_step, chain, approved)
        if claim.status == ClaimStatus.PENDING.value
        else ()
    )
    covering: dict[str, str] = {}
    away = away_in(session, pod, now) if now is not None and waiting else {}
    if any(user in away for user in waiting):
        waiting, covering = covered(
            waiting, away,
            others=pod.members_with(Role.EM) if step else (),
            fallback=pod.fallback_approvers, excluded=(claim.created_by, *approved),
        )  # fmt: skip
    since = done[-1].approved_at if done else claim.created_at
    return Step(Progress(total, approved, waiting, covering), since)


def lock_pending(session: Session, claim_id: int) -> bool:
    """Take the claim's row for this transaction if it is still pending (False: decided).
    On PostgreSQL a second decider waits here for the first to commit, then reads its step."""
    result = session.execute(
        update(SavingsClaim)
        .where(SavingsClaim.id == claim_id, SavingsClaim.status == ClaimStatus.PENDING.value)
        .values(status=ClaimStatus.PENDING.value)
        .execution_options(synchronize_session=False)
    )
    assert isinstance(result, CursorResult)  # what an UPDATE returns
    return result.rowcount == 1


def record_approval(
    session: Session,
    claim_id: int,
    step: int,
    approver: str,
    at: datetime,
    covering_for: str | None = None,
) -> ClaimApproval:
    """Write the approval of step `step`, refusing if that step was approved meanwhile (the
    caller holds the claim's row: `lock_pending` or its decision's UPDATE)."""
    done = approvals_of(session, claim_id)
    if len(done) != step:
        raise Refusal(
            f"This claim's step was already approved by <@{done[-1].approver_id}>; it has moved on."
            if done
            else "This claim's approvals changed meanwhile; look at it again."
        )
    row = ClaimApproval(
        claim_id=claim_id, step=step, approver_id=approver, approved_at=at,
        covering_for=covering_for,
    )  # fmt: skip
    session.add(row)
    session.flush()
    return row
