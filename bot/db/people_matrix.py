"""An account's people matrix and sentiment history (issue 35), and the disqualified requests
that flag a customer for repeat incorrect requests: reads and writes, in the caller's
transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import (
    AccountPerson,
    AccountSentiment,
    RepeatDisqualificationFlag,
    Request,
    RequestEvent,
)
from bot.domain.names import name_key
from bot.domain.people_matrix import Contact
from bot.domain.vocabulary import EventKind


def people_of(session: Session, account_id: int) -> list[AccountPerson]:
    """The account's people matrix: escalation contacts first (1, then 2), then by name."""
    rows = session.scalars(select(AccountPerson).where(AccountPerson.account_id == account_id))
    return sorted(rows, key=lambda p: (p.escalation or 3, p.name_key))


def contacts_of(session: Session, account_id: int) -> list[Contact]:
    return [
        Contact(p.name, p.role, p.escalation, p.last_contact)
        for p in people_of(session, account_id)
    ]


def find_person(
    session: Session, account_id: int, person: str, *, for_update: bool = False
) -> AccountPerson | None:
    query = select(AccountPerson).where(
        AccountPerson.account_id == account_id, AccountPerson.name_key == name_key(person)
    )
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def sentiments_of(session: Session, account_id: int) -> list[AccountSentiment]:
    """The account's sentiment history, oldest first."""
    return list(
        session.scalars(
            select(AccountSentiment)
            .where(AccountSentiment.account_id == account_id)
            .order_by(AccountSentiment.id)
        )
    )


def disqualified_since(
    session: Session, pod_id: int, customer_key: str, since: datetime
) -> list[tuple[str, datetime, str]]:
    """The customer's requests in the POD disqualified at or after `since`: (key, when,
    reason), oldest first (a request disqualified twice counts once, its last)."""
    rows = session.execute(
        select(Request.id, RequestEvent.at, RequestEvent.text)
        .join(RequestEvent, RequestEvent.request_id == Request.id)
        .where(
            Request.pod_id == pod_id,
            Request.customer_key == customer_key,
            RequestEvent.kind == EventKind.DISQUALIFIED.value,
            RequestEvent.at >= since,
        )
        .order_by(RequestEvent.at, RequestEvent.id)
    )
    last: dict[str, tuple[str, datetime, str]] = {}
    for number, at, text in rows:
        last[f"REQ-{number}"] = (f"REQ-{number}", at, text or "")
    return sorted(last.values(), key=lambda row: row[1])


def last_flag(
    session: Session, pod_id: int, customer_key: str
) -> RepeatDisqualificationFlag | None:
    return session.scalars(
        select(RepeatDisqualificationFlag)
        .where(
            RepeatDisqualificationFlag.pod_id == pod_id,
            RepeatDisqualificationFlag.customer_key == customer_key,
        )
        .order_by(
            RepeatDisqualificationFlag.flagged_at.desc(), RepeatDisqualificationFlag.id.desc()
        )
        .limit(1)
    ).one_or_none()


def openers_of(session: Session, pod_id: int, customer_key: str) -> set[str]:
    """Who opened requests for the customer in the POD (its CSMs, with the POD's roles)."""
    return set(
        session.scalars(
            select(Request.created_by).where(
                Request.pod_id == pod_id, Request.customer_key == customer_key
            )
        )
    )
