"""Reads for a tool's negotiation playbook (issue 34): the POD's won requests for the tool with
the levers their buyers named and whether their savings beat the tool's benchmark, their
terms, the resellers quoted and their best prices, and the case studies an em marked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy import BigInteger, func, select, type_coerce
from sqlalchemy.orm import Session

from bot.db.models import CaseStudy, LeverAnswer, PodRow, Quote, QuoteLine, Request, SavingsClaim
from bot.db.savings import effective_claim
from bot.domain.playbooks import Lever, WonResult, above_benchmark, loads_levers
from bot.domain.vocabulary import Outcome, Stage


@dataclass(frozen=True)
class Reseller:
    """A vendor quoted on the POD's requests for the tool: how many quotes, its best annual
    unit price (itemised quotes) and its lowest quote (in the POD's currency)."""

    vendor: str
    quotes: int
    best_unit: Decimal | None
    lowest: Decimal | None


@dataclass(frozen=True)
class CaseStudyFact:
    key: str
    customer: str
    marked_by: str
    levers: frozenset[Lever]
    note: str | None


@dataclass(frozen=True)
class PlaybookFacts:
    """What a playbook shows, read in one go."""

    tool: str
    won: list[str]  # the won requests' keys, newest first
    results: list[WonResult]  # one per won request whose buyer named its levers
    terms: list[int]  # the term in months of each won request's last itemised line
    resellers: list[Reseller]  # by best unit price, then lowest quote, then name
    case_studies: list[CaseStudyFact]  # newest first


def tool_name(session: Session, pod_key: str, tool_key: str) -> str | None:
    """The tool as the POD's latest request for it spells it; None when it has none."""
    return session.scalar(
        select(Request.tool)
        .join(PodRow, PodRow.id == Request.pod_id)
        .where(PodRow.key == pod_key, Request.tool_key == tool_key)
        .order_by(Request.id.desc())
        .limit(1)
    )


def _percents(session: Session, tool_key: str) -> dict[int, Decimal]:
    """Each request's savings % by its latest effective claim (every POD's requests for the
    tool: the savings benchmark's sample). The latest claim of each request is picked in SQL (a
    window numbering its claims newest first), and its amounts read as whole cents, so the
    answer reads one row per request and converts no money type; the % is the exact one of
    `savings_percent` ((b − f) × 100 ÷ b is the same fraction in cents as in units)."""
    cents = BigInteger()
    claims = (
        select(
            SavingsClaim.request_id,
            type_coerce(SavingsClaim.baseline, cents).label("baseline"),
            type_coerce(SavingsClaim.final, cents).label("final"),
            func.row_number()
            .over(
                partition_by=SavingsClaim.request_id,
                order_by=(SavingsClaim.decided_at.desc(), SavingsClaim.id.desc()),
            )
            .label("n"),
        )
        .join(Request, Request.id == SavingsClaim.request_id)
        .where(Request.tool_key == tool_key, effective_claim())
        .subquery()
    )
    rows = session.execute(
        select(claims.c.request_id, claims.c.baseline, claims.c.final).where(claims.c.n == 1)
    ).all()
    return {
        request: Decimal((baseline - final) * 100) / Decimal(baseline)
        for request, baseline, final in rows
        if baseline > 0
    }


def playbook_facts(
    session: Session, pod_key: str, tool_key: str, tool: str, currency: str
) -> PlaybookFacts:
    """The POD's playbook facts for the tool (its requests only: customers of other PODs are
    not named here)."""
    pod_id = session.scalar(select(PodRow.id).where(PodRow.key == pod_key))
    won = select(Request.id).where(
        Request.pod_id == pod_id,
        Request.tool_key == tool_key,
        Request.stage == Stage.CLOSED.value,
        Request.outcome == Outcome.WON.value,
    )
    won_ids = list(session.scalars(won.order_by(Request.closed_at.desc(), Request.id.desc())))
    percents = _percents(session, tool_key)
    total = sum(percents.values(), Decimal(0))
    answers = session.execute(
        select(LeverAnswer.request_id, LeverAnswer.levers).where(LeverAnswer.request_id.in_(won))
    ).all()
    results = []
    for request_id, levers in sorted(answers):
        own = percents.get(request_id)
        # The benchmark a claim is compared with: the mean of the tool's other requests'.
        others = len(percents) - (1 if own is not None else 0)
        above = above_benchmark(own, total - (own or Decimal(0)), others)
        results.append(WonResult(loads_levers(levers), above))
    # The term of each won request's last itemised line.
    last_line = (
        select(QuoteLine.request_id, func.max(QuoteLine.id).label("line"))
        .where(QuoteLine.request_id.in_(won))
        .group_by(QuoteLine.request_id)
        .subquery()
    )
    term_query = select(QuoteLine.term_months).join(last_line, last_line.c.line == QuoteLine.id)
    terms = list(session.scalars(term_query))
    # The resellers quoted on any of the POD's requests for the tool.
    tool_requests = select(Request.id).where(Request.pod_id == pod_id, Request.tool_key == tool_key)
    quoted = session.execute(
        select(
            Quote.vendor_key,
            func.max(Quote.vendor),
            func.count(Quote.id),
            func.min(Quote.amount),
        )
        .where(Quote.request_id.in_(tool_requests), Quote.currency == currency)
        .group_by(Quote.vendor_key)
    ).all()
    units = dict(
        session.execute(
            select(Quote.vendor_key, func.min(QuoteLine.annual_unit_price))
            .join(QuoteLine, QuoteLine.quote_id == Quote.id)
            .where(Quote.request_id.in_(tool_requests), QuoteLine.currency == currency)
            .group_by(Quote.vendor_key)
        ).all()
    )
    resellers = [
        Reseller(vendor, count, units.get(key), lowest) for key, vendor, count, lowest in quoted
    ]
    resellers.sort(
        key=lambda r: (
            r.best_unit is None,
            r.best_unit or Decimal(0),
            r.lowest is None,
            r.lowest or Decimal(0),
            r.vendor.casefold(),
        )
    )
    studies = session.execute(
        select(Request.id, Request.customer, CaseStudy.marked_by, LeverAnswer.levers,
               LeverAnswer.note)
        .join(CaseStudy, CaseStudy.request_id == Request.id)
        .outerjoin(LeverAnswer, LeverAnswer.request_id == Request.id)
        .where(Request.pod_id == pod_id, Request.tool_key == tool_key)
        .order_by(CaseStudy.marked_at.desc(), CaseStudy.id.desc())
    ).all()  # fmt: skip
    case_studies = [
        CaseStudyFact(f"REQ-{number}", customer, by, loads_levers(levers or ""), note)
        for number, customer, by, levers, note in studies
    ]
    return PlaybookFacts(
        tool, [f"REQ-{number}" for number in won_ids], results, terms, resellers, case_studies
    )


def lever_answer(session: Session, request_id: int) -> LeverAnswer | None:
    """The request's levers answer, if its buyer gave one."""
    return session.scalars(
        select(LeverAnswer).where(LeverAnswer.request_id == request_id)
    ).one_or_none()


def case_study(session: Session, request_id: int) -> CaseStudy | None:
    """The request's case-study mark, if an em made one."""
    return session.scalars(
        select(CaseStudy).where(CaseStudy.request_id == request_id)
    ).one_or_none()


def unanswered_wins(session: Session, pod_key: str, since: datetime) -> list[Request]:
    """The POD's requests won since `since` with a buyer who has not named their levers."""
    return list(
        session.scalars(
            select(Request)
            .join(PodRow, PodRow.id == Request.pod_id)
            .outerjoin(LeverAnswer, LeverAnswer.request_id == Request.id)
            .where(
                PodRow.key == pod_key,
                Request.stage == Stage.CLOSED.value,
                Request.outcome == Outcome.WON.value,
                Request.buyer_id.is_not(None),
                Request.closed_at >= since,
                LeverAnswer.id.is_(None),
            )
            .order_by(Request.id)
        )
    )
