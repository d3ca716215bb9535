"""What a customer's check-in pack shows, read from the database: its customers (accounts of
the POD and customers with open requests there) and one customer's facts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.holds import open_holds
from bot.db.models import Account, Contract, PodRow, Request, RequestEvent, SavingsClaim
from bot.db.savings import effective_claim
from bot.db.usage import latest_usage
from bot.domain.checkin import (
    CHECKIN_LOOKBACK_DAYS,
    CheckinPack,
    Closed,
    Open,
    Renewal,
    Saving,
    TimelineEvent,
    checkin_pack,
)
from bot.domain.money import Money
from bot.domain.names import name_key
from bot.domain.usage import DEFAULT_HEADROOM
from bot.domain.vocabulary import OPEN_STAGES, EventKind, Stage


@dataclass(frozen=True)
class CheckinFacts:
    pod_key: str
    customer: str
    customer_key: str
    open: list[Open]
    closed: list[Closed]
    savings: list[Saving]
    renewals: list[Renewal]
    events: list[TimelineEvent]  # the requests' timeline events of the last 7 days


def pod_customers(session: Session, pod_key: str) -> dict[str, str]:
    """customer key -> name as typed: the POD's accounts, then customers with open requests."""
    pod_id = session.scalars(select(PodRow.id).where(PodRow.key == pod_key)).one()
    found: dict[str, str] = {}
    for key, name in session.execute(
        select(Account.customer_key, Account.customer).where(Account.pod_id == pod_id)
        .order_by(Account.customer_key)
    ):  # fmt: skip
        found.setdefault(key, name)
    for key, name in session.execute(
        select(Request.customer_key, Request.customer)
        .where(Request.pod_id == pod_id)
        .where(Request.stage.in_([s.value for s in OPEN_STAGES]))
        .order_by(Request.id)
    ):
        found.setdefault(key, name)
    return dict(sorted(found.items()))


def find_customer_pod(session: Session, customer: str) -> tuple[str, str, str] | None:
    """(POD key, customer key, name) of a customer: by its account, else an open request."""
    key = name_key(customer)
    row = session.execute(
        select(PodRow.key, Account.customer).join(PodRow, PodRow.id == Account.pod_id)
        .where(Account.customer_key == key)
    ).first()  # fmt: skip
    if row is None:
        row = session.execute(
            select(PodRow.key, Request.customer).join(PodRow, PodRow.id == Request.pod_id)
            .where(Request.customer_key == key)
            .where(Request.stage.in_([s.value for s in OPEN_STAGES]))
            .order_by(Request.id)
        ).first()  # fmt: skip
    return None if row is None else (row[0], key, row[1])


def customer_facts(
    session: Session, pod_key: str, customer_key: str, customer: str, now: datetime
) -> CheckinFacts:
    """What the customer's pack shows as of `now`, and the timeline events of its last 7 days."""
    pod_id = session.scalars(select(PodRow.id).where(PodRow.key == pod_key)).one()
    requests = session.scalars(
        select(Request).where(Request.pod_id == pod_id, Request.customer_key == customer_key)
        .order_by(Request.id)
    ).all()  # fmt: skip
    open_ = []
    closed = []
    holds = open_holds(session, [r.id for r in requests])
    for r in requests:
        if r.stage in [s.value for s in OPEN_STAGES]:
            update = session.scalar(
                select(RequestEvent.text)
                .where(RequestEvent.request_id == r.id, RequestEvent.kind == EventKind.UPDATE.value)
                .order_by(RequestEvent.at.desc(), RequestEvent.id.desc())
                .limit(1)
            )
            due = r.tat_due_at if r.stage == Stage.NEGOTIATING.value else None
            hold = holds.get(r.id)
            open_.append(
                Open(
                    r.key, r.tool, r.stage, r.created_at, due, update,
                    hold.party if hold else None, hold.started_at if hold else None,
                )
            )  # fmt: skip
        elif r.stage == Stage.CLOSED.value and r.closed_at and r.outcome:
            closed.append(Closed(r.key, r.tool, r.outcome, r.closed_at))
    by_id = {r.id: r for r in requests}
    savings = [
        Saving(by_id[c.request_id].key, by_id[c.request_id].tool,
               Money(c.baseline - c.final, c.currency), c.decided_at, c.kind)
        for c in session.scalars(
            select(SavingsClaim).where(
                SavingsClaim.request_id.in_(list(by_id)),
                effective_claim(),
            )
        )
        if c.decided_at is not None
    ]  # fmt: skip
    renewals = [
        Renewal(
            c.tool,
            c.renewal_date,
            Money(c.annual_amount, c.currency),
            latest_usage(session, c.customer, c.tool),
        )
        for c in session.scalars(
            select(Contract).where(Contract.pod_id == pod_id, Contract.customer_key == customer_key)
        )
    ]
    since = now - timedelta(days=CHECKIN_LOOKBACK_DAYS)
    events = [
        TimelineEvent(by_id[request_id].key, kind, at, actor)
        for request_id, kind, at, actor in session.execute(
            select(RequestEvent.request_id, RequestEvent.kind, RequestEvent.at, RequestEvent.actor)
            .where(RequestEvent.request_id.in_(list(by_id)), RequestEvent.at >= since)
            .order_by(RequestEvent.id)
        )
    ]
    return CheckinFacts(pod_key, customer, customer_key, open_, closed, savings, renewals, events)


def pack_of(
    facts: CheckinFacts, pod_name: str, zone: ZoneInfo, now: datetime,
    headroom: Decimal = DEFAULT_HEADROOM,
) -> CheckinPack:  # fmt: skip
    """The customer's pack from its facts, as of `now` (`headroom`: `[usage] headroom`)."""
    return checkin_pack(
        facts.customer, pod_name, zone, now, open_requests=facts.open, closed=facts.closed,
        savings=facts.savings, renewals=facts.renewals, events=facts.events, headroom=headroom,
    )  # fmt: skip
