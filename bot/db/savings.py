"""Queries for savings claims: the pending one, the tool's benchmark, the latest approved."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import Request, SavingsClaim
from bot.domain.names import name_key
from bot.domain.savings import benchmark, savings_percent
from bot.domain.vocabulary import ClaimStatus


def pending_claim(session: Session, request_id: int) -> SavingsClaim | None:
    """The request's pending claim (at most one, by the schema), locked for the transaction."""
    query = (
        select(SavingsClaim)
        .where(SavingsClaim.request_id == request_id)
        .where(SavingsClaim.status == ClaimStatus.PENDING.value)
        .with_for_update()
    )
    return session.scalars(query).one_or_none()


def latest_approved(session: Session, request_id: int) -> SavingsClaim | None:
    """The request's most recent approved claim: the savings its card shows."""
    query = (
        select(SavingsClaim)
        .where(SavingsClaim.request_id == request_id)
        .where(SavingsClaim.status == ClaimStatus.APPROVED.value)
        .order_by(SavingsClaim.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def tool_benchmark(
    session: Session, tool: str, *, excluding_request: int | None = None
) -> tuple[Decimal | None, int]:
    """Mean savings % of approved claims for `tool` (latest per request) and how many there are."""
    latest = (
        select(func.max(SavingsClaim.id))
        .join(Request, Request.id == SavingsClaim.request_id)
        .where(Request.tool_key == name_key(tool))
        .where(SavingsClaim.status == ClaimStatus.APPROVED.value)
        .group_by(SavingsClaim.request_id)
    )
    if excluding_request is not None:
        latest = latest.where(SavingsClaim.request_id != excluding_request)
    rows = session.execute(
        select(SavingsClaim.baseline, SavingsClaim.final).where(SavingsClaim.id.in_(latest))
    ).all()
    percents = [savings_percent(baseline, final) for baseline, final in rows]
    return benchmark(percents), len(percents)
