"""What the weekly catch-up pack reads of a POD (issue 35): its accounts' facts — this
week's ATS lines (the snapshot's when one was taken, else live), the snapshots of the weeks
the pack compares and charts, health, last sentiment, people — and the requests audit of the
seven days before `now`."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from bot.config import Pod
from bot.db.ats import account_lines, pod_accounts, snapshots_of
from bot.db.models import Request, RequestEvent, SavingsClaim
from bot.db.people_matrix import contacts_of, sentiments_of
from bot.db.requests import pod_row
from bot.domain.ats_trend import AtsLine
from bot.domain.catchup import (
    AccountFacts,
    CatchupPack,
    RequestsAudit,
    abnormalities,
    account_trend,
    chart_series,
    chart_weeks,
    pack_weeks,
)
from bot.domain.request_keys import format_request_key
from bot.domain.vocabulary import ClaimStatus, EventKind, Stage

__all__ = ["build_pack", "pack_facts", "requests_audit"]


def build_pack(session: Session, pod: Pod, now: datetime) -> CatchupPack:
    """The POD's catch-up pack as of `now` (the POD's local day)."""
    today = now.astimezone(pod.zone).date()
    facts = pack_facts(session, pod.key, today)
    return CatchupPack(
        pod=pod.key,
        pod_name=pod.name,
        week=pack_weeks(today)[0],
        as_of=today,
        currency=pod.currency,
        trends=tuple(account_trend(f, today) for f in facts),
        accounts=tuple(facts),
        audit=requests_audit(session, pod.key, now),
        abnormalities=tuple(abnormalities(facts, today)),
        series=tuple(chart_series(facts, chart_weeks(today), pod.currency)),
    )


def pack_facts(session: Session, pod_key: str, today: date) -> list[AccountFacts]:
    """Every account of the POD with what the pack shows of it, by customer key."""
    pod_id = pod_row(session, pod_key).id
    accounts = pod_accounts(session, pod_id)
    this, last, four = pack_weeks(today)
    weeks = sorted({*chart_weeks(today), last, four})
    taken = snapshots_of(session, [a.id for a in accounts], weeks)
    live = account_lines(session, pod_id, accounts, today)
    facts: list[AccountFacts] = []
    for account in accounts:
        by_week: dict[str, tuple[AtsLine, ...]] = {
            week: tuple(taken[(account.id, week)][1])
            for week in weeks
            if (account.id, week) in taken
        }
        lines = by_week.get(this, tuple(live[account.id]))
        # Not taken yet: the run that shows it writes it (`take_snapshots`) with what it shows.
        by_week.setdefault(this, lines)
        history = sentiments_of(session, account.id)
        last_sentiment = history[-1] if history else None
        facts.append(
            AccountFacts(
                customer=account.customer,
                currency=account.currency,
                account_ats=account.ats,
                handover=account.handover,
                health=account.health,
                health_set=account.health_set_at.date() if account.health_set_at else None,
                sentiment=last_sentiment.sentiment if last_sentiment else None,
                sentiment_set=last_sentiment.set_at.date() if last_sentiment else None,
                contacts=tuple(contacts_of(session, account.id)),
                lines=lines,
                weeks=by_week,
            )
        )
    return facts


def requests_audit(session: Session, pod_key: str, now: datetime) -> RequestsAudit:
    """The POD's requests of the seven days before `now`: opened, qualified, disqualified
    (with the reason given), closed, and the approved savings (baseline − final) by currency."""
    pod_id = pod_row(session, pod_key).id
    since = now - timedelta(days=7)

    def keys(
        column: InstrumentedAttribute[datetime] | InstrumentedAttribute[datetime | None],
    ) -> tuple[str, ...]:
        rows = session.scalars(
            select(Request.id)
            .where(Request.pod_id == pod_id, column >= since, column < now)
            .order_by(Request.id)
        )
        return tuple(format_request_key(n) for n in rows)

    closed = session.scalars(
        select(Request.id)
        .where(
            Request.pod_id == pod_id,
            Request.stage == Stage.CLOSED.value,
            Request.closed_at >= since,
            Request.closed_at < now,
        )
        .order_by(Request.id)
    )
    disqualified: dict[str, str] = {}
    for number, text in session.execute(
        select(Request.id, RequestEvent.text)
        .join(RequestEvent, RequestEvent.request_id == Request.id)
        .where(
            Request.pod_id == pod_id,
            RequestEvent.kind == EventKind.DISQUALIFIED.value,
            RequestEvent.at >= since,
            RequestEvent.at < now,
        )
        .order_by(Request.id, RequestEvent.at, RequestEvent.id)
    ):
        disqualified[format_request_key(number)] = text or ""
    savings: dict[str, Decimal] = {}
    for baseline, final, currency in session.execute(
        select(SavingsClaim.baseline, SavingsClaim.final, SavingsClaim.currency)
        .join(Request, Request.id == SavingsClaim.request_id)
        .where(
            Request.pod_id == pod_id,
            SavingsClaim.status == ClaimStatus.APPROVED.value,
            SavingsClaim.superseded_at.is_(None),
            SavingsClaim.decided_at >= since,
            SavingsClaim.decided_at < now,
        )
    ):
        savings[currency] = savings.get(currency, Decimal(0)) + baseline - final
    return RequestsAudit(
        opened=keys(Request.created_at),
        qualified=keys(Request.qualified_at),
        disqualified=tuple(disqualified.items()),
        closed=tuple(format_request_key(n) for n in closed),
        savings_approved=savings,
    )
