"""What is open in a POD, as the daily jobs and reports read it: its open requests with their
procurement steps, the won requests whose new term is unrecorded, the pending savings claims,
the breached TATs. Shared by the aging report, the reminders, the weekly digest and the TAT
alerts (a job imports no other job)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot.blocks.claims import headline
from bot.config import Config, Pod
from bot.db.content import claim_view
from bot.db.holds import not_held, open_holds
from bot.db.models import PodRow, ProcurementStep, Request, SavingsClaim
from bot.db.stalls import last_activities
from bot.domain.aging import (
    AgingItem,
    UnrecordedTerm,
    WaitingClaim,
    unrecorded_terms,
    waiting_for_an_em,
)
from bot.domain.lifecycle import TERM_RECORD_HOURS
from bot.domain.procurement import DEFAULT_STEP_WEEKS
from bot.domain.reminders import APPROVAL_HOURS
from bot.domain.vocabulary import OPEN_STAGES, ClaimStatus, Outcome, Stage


def open_items(
    session: Session, pod_key: str, stage_weeks: Mapping[str, tuple[int, int]] | None = None
) -> list[AgingItem]:
    """The POD's open requests as the report needs them: two queries (the requests, and the
    procurement stages under way), whatever their number."""
    rows = session.execute(
        select(
            Request.id,
            Request.customer,
            Request.tool,
            Request.kind,
            Request.stage,
            Request.buyer_id,
            Request.analyst_id,
            Request.created_by,
            Request.created_at,
            Request.qualification_due_at,
            Request.tat_due_at,
            Request.last_update_at,
            Request.preapproved_at,
        )
        .join(PodRow, PodRow.id == Request.pod_id)
        .where(PodRow.key == pod_key)
        .where(Request.stage.in_([s.value for s in OPEN_STAGES]))
        .order_by(Request.id)
    ).all()
    steps = open_steps(session, pod_key)
    holds = open_holds(session, [row[0] for row in rows])
    active = last_activities(session, [row[0] for row in rows if row[4] == Stage.NEGOTIATING.value])
    weeks = stage_weeks if stage_weeks is not None else DEFAULT_STEP_WEEKS
    items = []
    # Unpacked positionally: attribute lookups by name on each row cost more than the rest.
    for (number, customer, tool, kind, stage, buyer, analyst, creator, created_at,
         qualification_due_at, tat_due_at, last_update_at, preapproved_at) in rows:  # fmt: skip
        step = steps.get(number) if stage == Stage.NEGOTIATING else None
        items.append(
            AgingItem(
                number=number,
                key=f"REQ-{number}",
                customer=customer,
                tool=tool,
                kind=kind,
                stage=stage,
                owner=(buyer if stage == Stage.NEGOTIATING else None) or analyst or creator,
                created_at=created_at,
                qualification_due_at=qualification_due_at,
                tat_due_at=tat_due_at,
                last_update_at=last_update_at,
                preapproved_at=preapproved_at,
                procurement_step=step[0] if step else None,
                procurement_started_at=step[1] if step else None,
                procurement_weeks=weeks[step[0]] if step else None,
                hold_party=holds[number].party if number in holds else None,
                hold_since=holds[number].started_at if number in holds else None,
                last_activity_at=max(
                    [at for at in (active.get(number), last_update_at) if at is not None],
                    default=None,
                ),
            )
        )
    return items


def open_steps(session: Session, pod_key: str) -> dict[int, tuple[str, datetime]]:
    """The procurement stage under way of each of the POD's negotiating requests (the latest
    started when more than one is): request id → (stage, started at)."""
    rows = session.execute(
        select(ProcurementStep.request_id, ProcurementStep.stage, ProcurementStep.started_at)
        .join(Request, Request.id == ProcurementStep.request_id)
        .join(PodRow, PodRow.id == Request.pod_id)
        .where(
            PodRow.key == pod_key,
            Request.stage == Stage.NEGOTIATING.value,
            ProcurementStep.done_at.is_(None),
        )
        .order_by(ProcurementStep.id)
    ).all()
    return {request_id: (stage, started_at) for request_id, stage, started_at in rows}


def unrecorded_term_items(session: Session, pod_key: str) -> list[UnrecordedTerm]:
    """The POD's won requests whose new term is not recorded yet (due or not)."""
    rows = session.execute(
        select(Request.id, Request.customer, Request.tool, Request.analyst_id, Request.closed_at)
        .join(PodRow, PodRow.id == Request.pod_id)
        .where(
            PodRow.key == pod_key,
            Request.stage == Stage.CLOSED.value,
            Request.outcome == Outcome.WON.value,
            Request.term_recorded_at.is_(None),
            Request.closed_at.is_not(None),
        )
        .order_by(Request.id)
    ).all()
    return [
        UnrecordedTerm(number, f"REQ-{number}", customer, tool, analyst, closed_at)
        for number, customer, tool, analyst, closed_at in rows
        if closed_at is not None  # as the query asks: a closed request has its time
    ]


def late_terms(session: Session, pod: Pod, now: datetime) -> list[UnrecordedTerm]:
    """The POD's won requests whose new term is unrecorded 24 working hours after the close."""
    items = unrecorded_term_items(session, pod.key)
    return unrecorded_terms(items, now, pod.calendar, TERM_RECORD_HOURS)


def pending_claims(session: Session, config: Config, pod: Pod) -> list[WaitingClaim]:
    """The POD's pending savings claims, with what the report and the approval queue show."""
    rows = session.execute(
        select(SavingsClaim, Request)
        .join(Request, Request.id == SavingsClaim.request_id)
        .join(PodRow, PodRow.id == Request.pod_id)
        .where(PodRow.key == pod.key, SavingsClaim.status == ClaimStatus.PENDING.value)
        .order_by(SavingsClaim.id)
    ).all()
    return [
        WaitingClaim(
            claim.id,
            request.id,
            request.key,
            request.customer,
            request.tool,
            request.buyer_id or claim.created_by,
            headline(claim_view(session, config, claim)),
            claim.created_at,
            claim.kind,
        )
        for claim, request in rows
    ]


def waiting_claims(session: Session, config: Config, pod: Pod, now: datetime) -> list[WaitingClaim]:
    """The POD's claims pending for 24 working hours or more: waiting for an em."""
    return waiting_for_an_em(
        pending_claims(session, config, pod), now, pod.calendar, APPROVAL_HOURS
    )


def breach_key(request: Request) -> tuple[str, str, datetime]:
    """(ledger period, what was breached, when it was due) for a breached request."""
    if request.stage == Stage.INTAKE:
        return f"{request.key}/qualification", "qualification", request.qualification_due_at
    assert request.tat_due_at is not None
    due = request.tat_due_at
    return f"{request.key}/negotiation/{due:%Y%m%dT%H%MZ}", "negotiation TAT", due


def breached_requests(session: Session, pod_key: str, now: datetime) -> list[Request]:
    """The POD's open requests whose qualification or negotiation TAT has passed at `now` (an
    intake request pre-approved to its customer has met its qualification clock)."""
    return list(
        session.scalars(
            select(Request)
            .join(PodRow, PodRow.id == Request.pod_id)
            .where(PodRow.key == pod_key)
            .where(
                or_(
                    # A pre-approval sent to the customer meets the qualification clock.
                    and_(
                        Request.stage == Stage.INTAKE,
                        Request.qualification_due_at <= now,
                        Request.preapproved_at.is_(None),
                    ),
                    and_(Request.stage == Stage.NEGOTIATING, Request.tat_due_at <= now),
                )
            )
            # A held clock is stopped: it counts unheld time only (issue 30).
            .where(not_held())
            .order_by(Request.id)
        )
    )
