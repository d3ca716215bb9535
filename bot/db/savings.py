"""Queries for savings claims: the pending one, the effective ones, the tool's benchmark.

A claim is **effective** — it counts in every figure — from its approval until a revision of it
is approved (`superseded_at`). `effective_claim` is the one condition every reader of approved
claims uses, so no figure can count a revised claim beside its revision (SPEC §4)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, or_, select, update
from sqlalchemy.orm import Session

from bot.db.models import Request, SavingsClaim
from bot.domain.names import name_key
from bot.domain.savings import benchmark, savings_percent
from bot.domain.vocabulary import ClaimStatus


def effective_claim(as_of: datetime | None = None) -> ColumnElement[bool]:
    """The condition on `SavingsClaim` of a claim that counts: approved and not superseded by an
    approved revision — now (`as_of` None), or at the instant `as_of` (approved by then and not
    superseded by then), so a past quarter's figure as of a day before a revision still counts
    the claim it revised."""
    approved = SavingsClaim.status == ClaimStatus.APPROVED.value
    if as_of is None:
        return and_(approved, SavingsClaim.superseded_at.is_(None))
    return and_(
        approved,
        SavingsClaim.decided_at <= as_of,
        or_(SavingsClaim.superseded_at.is_(None), SavingsClaim.superseded_at > as_of),
    )


def pending_claim(session: Session, request_id: int) -> SavingsClaim | None:
    """The request's pending claim (at most one, by the schema), locked for the transaction."""
    query = (
        select(SavingsClaim)
        .where(SavingsClaim.request_id == request_id)
        .where(SavingsClaim.status == ClaimStatus.PENDING.value)
        .with_for_update()
    )
    return session.scalars(query).one_or_none()


def pending_claims_for_tool(session: Session, tool_key: str, excluding_request: int) -> list[int]:
    """The pending claims on the tool's other requests: their messages show its benchmark."""
    query = (
        select(SavingsClaim.id)
        .join(Request, Request.id == SavingsClaim.request_id)
        .where(
            Request.tool_key == tool_key,
            SavingsClaim.request_id != excluding_request,
            SavingsClaim.status == ClaimStatus.PENDING.value,
        )
        .order_by(SavingsClaim.id)
    )
    return list(session.scalars(query))


def revised_claim(session: Session, request_id: int, kind: str) -> SavingsClaim | None:
    """The request's effective claim of `kind` that is not marked additional: the one a new
    claim of that kind (not marked additional) revises. At most one, by the schema."""
    query = select(SavingsClaim).where(
        SavingsClaim.request_id == request_id,
        SavingsClaim.kind == kind,
        SavingsClaim.additional.is_(False),
        effective_claim(),
    )
    return session.scalars(query).one_or_none()


def supersede_revised(session: Session, claim: SavingsClaim, at: datetime) -> int | None:
    """In the approval of `claim` (a claim not marked additional), before its own decision is
    written: the claim it revises stops counting at `at`. Returns that claim's id, if any.

    One UPDATE, conditioned on the claim still being effective: of two transactions racing
    on the same revision the second finds nothing to supersede (PostgreSQL re-reads the row
    once the first commits), and its decision then finds the revision already decided."""
    revised = session.execute(
        update(SavingsClaim)
        .where(
            SavingsClaim.request_id == claim.request_id,
            SavingsClaim.kind == claim.kind,
            SavingsClaim.additional.is_(False),
            SavingsClaim.id != claim.id,
            effective_claim(),
        )
        .values(revised_by_id=claim.id, superseded_at=at)
        .returning(SavingsClaim.id)
        .execution_options(synchronize_session=False)
    ).scalars()
    return next(iter(revised), None)


def effective_claims(session: Session, request_id: int) -> list[SavingsClaim]:
    """The request's claims that count now (its savings on the card), oldest first."""
    query = (
        select(SavingsClaim)
        .where(SavingsClaim.request_id == request_id, effective_claim())
        .order_by(SavingsClaim.id)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class ToolBenchmark:
    """What a claim is compared against: the mean savings % of the tool's other requests (each
    by its latest effective claim), how many requests that is and for how many customers."""

    percent: Decimal | None
    claims: int
    customers: int


def tool_benchmark(
    session: Session, tool: str, *, excluding_request: int | None = None
) -> ToolBenchmark:
    """The tool's benchmark now (every POD's requests): each request counts once, by its latest
    effective claim — the same rule `bot.db.kpis` replays for the benchmark a won procurement
    was judged by. `excluding_request`'s claims are left out: a claim is not compared with its
    own request's (a revision with the claim it revises)."""
    query = (
        select(
            SavingsClaim.id, SavingsClaim.request_id, SavingsClaim.baseline, SavingsClaim.final,
            SavingsClaim.decided_at, Request.customer_key,
        )
        .join(Request, Request.id == SavingsClaim.request_id)
        .where(Request.tool_key == name_key(tool), effective_claim())
    )  # fmt: skip
    if excluding_request is not None:
        query = query.where(SavingsClaim.request_id != excluding_request)
    latest: dict[int, Row[*tuple[Any, ...]]] = {}
    for row in session.execute(query):
        seen = latest.get(row.request_id)
        if seen is None or (row.decided_at, row.id) > (seen.decided_at, seen.id):
            latest[row.request_id] = row
    percents = [savings_percent(row.baseline, row.final) for row in latest.values()]
    customers = {row.customer_key for row in latest.values()}
    return ToolBenchmark(benchmark(percents), len(latest), len(customers))
