"""Savings: a buyer's claim posted for the em's approval, and its one decision (SPEC §4)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from bot.actions import Work, arguments, unconfirmed
from bot.actions.access import authorize, load_request
from bot.blocks.claims import ClaimView, claim_noun, claim_verb, headline, revision_note
from bot.blocks.text import escape_mrkdwn, mentions, slack_date
from bot.db import claim_ledger
from bot.db.approvals import Step, approvals_of, claim_progress, lock_pending, record_approval
from bot.db.content import claim_view
from bot.db.models import Request, SavingsClaim
from bot.db.requests import record_event
from bot.db.savings import pending_claim, revised_claim, supersede_revised
from bot.domain.approvals import approval_chain, progress_line
from bot.domain.events import ClaimDecided, ClaimPosted, ClaimStepApproved
from bot.domain.lifecycle import Action, savings_decision_refusal
from bot.domain.money import Money, format_money, out_of_scale
from bot.domain.savings import ClaimError, check_claim, parse_claim_text
from bot.domain.vocabulary import ClaimStatus, EventKind, Outcome, Stage
from bot.errors import NotFound, NotPermitted, Refusal, WrongStage


@dataclass(frozen=True)
class Claim:
    number: int
    typed: str  # `<baseline> <final> [avoidance] [| additional] [right-sizing]`
    usage: str | None = None  # the usage line a refused claim is told with
    confirmed: bool = False  # "Yes, log it": a baseline far from the spend is meant


@dataclass(frozen=True)
class Claimed:
    """A claim posted: what it is, who may decide it, what it supersedes (`superseded`: the
    pending claim it replaced, by its kind and amount; empty for none)."""

    key: str
    kind: str
    view: ClaimView
    approvers: tuple[str, ...]
    fallback_reason: str | None  # why a fallback approver decides it, when one does
    additional: bool
    superseded_kind: str | None
    superseded: str
    pod_name: str = ""
    # The named approvers it needs after the em's step (`pods[].approval_rules`), in order.
    chain: tuple[str, ...] = ()


@dataclass(frozen=True)
class Decide:
    claim_id: int
    status: ClaimStatus  # approved or rejected
    reason: str | None = None  # a rejection's, as typed (plain text)


@dataclass(frozen=True)
class Decided:
    claim_id: int
    key: str
    status: ClaimStatus


def require_savings_stage(request: Request) -> None:
    """Savings are claimed while negotiating or once won; WrongStage otherwise."""
    if not (
        request.stage == Stage.NEGOTIATING
        or (request.stage == Stage.CLOSED and request.outcome == Outcome.WON)
    ):
        state = f"closed {request.outcome}" if request.stage == Stage.CLOSED else request.stage
        raise WrongStage(
            f"{request.key} is {state}: savings are claimed while negotiating or once won."
        )


def claim(work: Work, user_id: str, given: Claim) -> Claimed:
    """A savings claim posted for the em's approval (command, the card's Claim savings modal
    and "Yes, log it"): `given.typed` is `<baseline> <final> [avoidance] [| additional]
    [right-sizing]`. A baseline far from the request's current spend is asked to be confirmed
    first (nothing written) unless `given.confirmed`."""
    session, number, typed, usage = work.session, given.number, given.typed, given.usage
    confirmed = given.confirmed
    request, pod = load_request(session, work.config, number)
    claimed = arguments(parse_claim_text, typed, pod.currency)
    baseline, final, kind = claimed.baseline, claimed.final, claimed.kind
    authorize(work.config, user_id, request, pod, Action.SAVINGS)
    require_savings_stage(request)
    try:
        check_claim(baseline, final)
    except ClaimError as exc:
        raise Refusal(str(exc), usage=usage) from None
    approvers = pod.claim_approvers(user_id)
    if not approvers.users:
        who = (
            f"You are the only em of {pod.name}"
            if pod.role_of(user_id) == "em"
            else f"{pod.name} has no em"
        )
        raise NotPermitted(
            f"{who} and it has no fallback approver, so nobody could decide this claim "
            "(an operator sets `fallback_approvers` for the POD in the config)."
        )
    spend = Money(request.amount, request.currency) if request.amount is not None else None
    scale = out_of_scale(baseline, spend)
    if scale is not None and spend is not None and not confirmed:
        raise unconfirmed(
            work.config, "savings", f"{request.key} {' '.join(typed.split())}",
            f"A baseline of {format_money(baseline)} is {scale} {request.key}'s current "
            f"spend ({format_money(spend)}); nothing is claimed yet.",
        )  # fmt: skip
    now = work.now
    previous = pending_claim(session, request.id)
    # The claim it replaces is named by its kind and amount, never by its id.
    was = headline(claim_view(session, work.config, previous)) if previous is not None else ""
    if previous is not None:
        # Out of the one-pending slot first, so the schema's partial unique index holds.
        previous.status = ClaimStatus.SUPERSEDED.value
        session.flush()
    # A claim not marked additional revises the request's approved claim of its kind.
    revised = None if claimed.additional else revised_claim(session, request.id, kind)
    claim = SavingsClaim(
        request_id=request.id,
        kind=kind,
        baseline=baseline.amount,
        final=final.amount,
        currency=baseline.currency,
        status=ClaimStatus.PENDING.value,
        created_by=user_id,
        created_at=now,
        additional=claimed.additional,
        right_sizing=claimed.right_sizing,
        revises_id=revised.id if revised is not None else None,
    )
    session.add(claim)
    session.flush()
    view = claim_view(session, work.config, claim)
    note = revision_note(view)
    record_event(
        session, request, at=now, actor=user_id, kind=EventKind.SAVINGS_CLAIMED,
        text=f"{headline(view)} ({format_money(baseline)} → {format_money(final)}, {kind}"
        + (f"; {note}" if note else "") + ")",
        data={"claim": claim.id},
    )  # fmt: skip
    if previous is not None:
        previous.superseded_by_id = claim.id
        record_event(
            session, request, at=now, actor=user_id, kind=EventKind.SAVINGS_SUPERSEDED,
            text=f"{was} replaced by {headline(view)}",
        )  # fmt: skip
    # The card shows the claim pending, since when; a superseded claim's message says so.
    work.record(ClaimPosted(claim.id, request.id, previous.id if previous is not None else None))
    return Claimed(
        key=request.key, kind=kind, view=view, approvers=tuple(approvers.users),
        fallback_reason=approvers.reason if approvers.fallback else None,
        additional=claimed.additional,
        superseded_kind=previous.kind if previous is not None else None, superseded=was,
        pod_name=pod.name, chain=approval_chain(pod.approval_rules, view.saved.amount, user_id),
    )  # fmt: skip


def decide(work: Work, user_id: str, given: Decide) -> Decided:
    """Record the one decision on a claim (Approve, or Reject with its reason), or refuse
    saying who decided first. A claim with approval steps to go after this one
    (`approval_rules`) records the approval and stays pending (`_approve_step`)."""
    session, claim_id, status, reason = work.session, given.claim_id, given.status, given.reason
    claim = check_decider(work, user_id, claim_id)
    now = work.now
    step = _step_of(work, claim)
    if status is ClaimStatus.APPROVED and not step.progress.last:
        return _approve_step(work, claim, user_id, step)
    revised: int | None = None
    if status is ClaimStatus.APPROVED:
        claim_ledger.lock_request(session, claim.request_id)
    if status is ClaimStatus.APPROVED and not claim.additional:
        # A revision replaces the request's claim of its kind, from now on: that one stops
        # counting first, so the schema's one-effective-claim index holds at every statement.
        revised = supersede_revised(session, claim, now)
    # The database decides the race: only one UPDATE finds the claim still pending. A loser
    # raises, and its transaction — the supersession above included — is rolled back.
    result = session.execute(
        update(SavingsClaim)
        .where(SavingsClaim.id == claim_id, SavingsClaim.status == ClaimStatus.PENDING.value)
        .values(
            status=status.value, decided_by=user_id, decided_at=now, reason=reason,
            revises_id=revised if status is ClaimStatus.APPROVED else SavingsClaim.revises_id,
        )
        .execution_options(synchronize_session=False)
    )  # fmt: skip
    assert isinstance(result, CursorResult)  # what an UPDATE returns
    if result.rowcount != 1:
        raise Refusal(already_decided(session, claim_id))
    # The row is ours now: a step approved meanwhile (by a racer) refuses this decision.
    if status is ClaimStatus.APPROVED:
        record_approval(
            session, claim_id, step.progress.step, user_id, now,
            step.progress.covering.get(user_id),
        )  # fmt: skip
        # What the KPI figures read of it: its tool's benchmark now, its customer's savings.
        claim_ledger.record_decision(session, claim_id, revised)
    elif len(approvals_of(session, claim_id)) != step.progress.step:
        raise Refusal("This claim's approvals changed meanwhile; look at it again.")
    session.refresh(claim)
    request, _pod = load_request(session, work.config, claim.request_id, for_update=False)
    view = claim_view(session, work.config, claim)
    # The reason is a modal value, which Slack does not escape: plain text, shown as itself.
    shown = escape_mrkdwn(reason) if reason else None
    record_event(
        session, request, at=now, actor=user_id, kind=(
            EventKind.SAVINGS_APPROVED if status is ClaimStatus.APPROVED
            else EventKind.SAVINGS_REJECTED
        ),
        text=f"{headline(view)} {claim_verb(claim.kind)}" + (f" — {shown}" if shown else ""),
        data={"claim": claim.id},
    )  # fmt: skip
    told = list(dict.fromkeys(u for u in (request.buyer_id, claim.created_by) if u))
    yours = f"{mentions(told)} your {claim_noun(claim.kind)} of {headline(view)}"
    if status is ClaimStatus.APPROVED:
        line = f":tada: {yours} was approved by <@{user_id}>."
        if view.revises is not None:
            line += (
                f" It replaces the approved {format_money(view.revises.saved)}, which no longer "
                "counts."
            )
    else:
        line = f":no_entry: {yours} was rejected by <@{user_id}>: {shown}"
        if view.revises is not None:
            line += f"\nThe approved {format_money(view.revises.saved)} stands."
    work.record(
        ClaimDecided(claim.id, request.id, status, user_id, line, request.tool_key, revised)
    )
    return Decided(claim.id, request.key, status)


def _step_of(work: Work, claim: SavingsClaim) -> Step:
    """The claim's approval steps in its POD's rules."""
    _request, pod = load_request(work.session, work.config, claim.request_id, for_update=False)
    return claim_progress(work.session, pod, claim, work.now)


def _approve_step(work: Work, claim: SavingsClaim, user_id: str, step: Step) -> Decided:
    """An approval with steps still to go: recorded, the claim still pending, the next
    approver asked in the thread."""
    session, now = work.session, work.now
    if not lock_pending(session, claim.id):
        raise Refusal(already_decided(session, claim.id))
    record_approval(
        session, claim.id, step.progress.step, user_id, now, step.progress.covering.get(user_id)
    )
    request, pod = load_request(session, work.config, claim.request_id, for_update=False)
    after = claim_progress(session, pod, claim, now).progress
    view = claim_view(session, work.config, claim)
    record_event(
        session, request, at=now, actor=user_id, kind=EventKind.SAVINGS_STEP_APPROVED,
        text=f"{headline(view)}: approval {after.step} of {after.total}",
        data={"claim": claim.id},
    )  # fmt: skip
    line = (
        f":white_check_mark: <@{user_id}> approved the {claim_noun(claim.kind)} of "
        f"{headline(view)} ({progress_line(after)})."
    )
    work.record(ClaimStepApproved(claim.id, request.id, user_id, line))
    return Decided(claim.id, request.key, ClaimStatus.PENDING)


def check_decider(work: Work, user_id: str, claim_id: int) -> SavingsClaim:
    """The claim, if `user_id` may decide it and it is still pending; refused otherwise. At a
    later approval step (`approval_rules`) only that step's approver decides it."""
    session = work.session
    claim = session.get(SavingsClaim, claim_id)
    if claim is None:
        raise NotFound("This savings claim no longer exists.")
    _request, pod = load_request(session, work.config, claim.request_id, for_update=False)
    if claim.status == ClaimStatus.PENDING.value:
        progress = claim_progress(session, pod, claim, work.now).progress
        if progress.step == 0 and user_id in progress.waiting:
            # Who is asked decides: an em (or fallback approver), or who stands in for one
            # away (`/proc away`: the cover, another em, the fallback approvers).
            return claim
        if progress.step > 0:  # a later step: only its approver (or their cover) decides
            if user_id in progress.approved:
                raise NotPermitted(
                    f"You already approved this claim; it waits for {progress_line(progress)}."
                )
            if user_id == claim.created_by:
                raise NotPermitted("You made this claim yourself, so you may not decide it.")
            if user_id not in progress.waiting:
                raise NotPermitted(f"This claim is at {progress_line(progress)}.")
            return claim
    approvers = pod.claim_approvers(claim.created_by)
    refusal = savings_decision_refusal(
        pod.role_of(user_id),
        pod.name,
        is_claimant=claim.created_by == user_id,
        is_fallback_approver=user_id in pod.fallback_approvers,
        fallback_applies=approvers.fallback,
    )
    if refusal is not None:
        raise NotPermitted(refusal)
    if claim.status != ClaimStatus.PENDING.value:
        raise Refusal(already_decided(session, claim_id))
    return claim


def already_decided(session: Session, claim_id: int) -> str:
    claim = session.scalars(
        select(SavingsClaim)
        .where(SavingsClaim.id == claim_id)
        .execution_options(populate_existing=True)
    ).one()
    if claim.status == ClaimStatus.SUPERSEDED.value:
        return "This claim was superseded by a newer claim in the same thread; decide on that one."
    assert claim.decided_at is not None
    request = session.get(Request, claim.request_id)
    assert request is not None
    decided = slack_date(claim.decided_at, request.pod.timezone, with_time=True)
    return f"This claim was already {claim.status} by <@{claim.decided_by}> at {decided}."
