"""Customer accounts in the database: upserted by customer (`name_key`), health set by an em."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Account, Request
from bot.domain.accounts import AccountRow
from bot.domain.names import name_key
from bot.domain.vocabulary import OPEN_STAGES, Health

Outcome = Literal["inserted", "updated", "unchanged"]
# `updated_by` of what `podbot import accounts` writes.
IMPORTED_BY = "import"


@dataclass(frozen=True)
class Facts:
    """Everything the accounts file states about an account (the health only when stated)."""

    pod_id: int
    customer: str
    initiated: date
    handover: date | None
    term_end: date
    msg: Decimal
    pse: Decimal | None
    ats: Decimal | None
    currency: str
    health: str


def find_account(session: Session, customer: str, *, for_update: bool = False) -> Account | None:
    """The account of this customer, compared the way the unique index compares."""
    query = select(Account).where(Account.customer_key == name_key(customer))
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def upsert_account(session: Session, row: AccountRow, pod_id: int, now: datetime) -> Outcome:
    """Insert or update one account; one identical to what is stored is not written at all.

    A row without a health keeps the stored health and its note (a new account is neutral):
    the em's judgement in Slack survives a re-import of the file.
    """
    account = find_account(session, row.customer, for_update=True)
    before = _facts(account) if account is not None else None
    health = (
        row.health.value
        if row.health is not None
        else (before.health if before is not None else Health.NEUTRAL.value)
    )
    wanted = Facts(
        pod_id=pod_id,
        customer=row.customer,
        initiated=row.initiated,
        handover=row.handover,
        term_end=row.term_end,
        msg=row.msg.amount,
        pse=row.pse.amount if row.pse is not None else None,
        ats=row.ats.amount if row.ats is not None else None,
        currency=row.currency,
        health=health,
    )
    if before == wanted:
        return "unchanged"
    if account is None:
        account = Account(created_at=now)
        session.add(account)
    elif before is not None and before.health != wanted.health:
        account.health_note = None  # the note was about the old health
    for name, value in vars(wanted).items():
        setattr(account, name, value)
    account.updated_at = now
    account.updated_by = IMPORTED_BY
    return "inserted" if before is None else "updated"


def upsert_accounts(
    session: Session, rows: Iterable[AccountRow], pod_ids: Mapping[str, int], now: datetime
) -> tuple[int, int, int]:
    """Upsert every row in the caller's transaction; returns (inserted, updated, unchanged)."""
    counts: dict[Outcome, int] = {"inserted": 0, "updated": 0, "unchanged": 0}
    for row in rows:
        counts[upsert_account(session, row, pod_ids[row.pod], now)] += 1
    return counts["inserted"], counts["updated"], counts["unchanged"]


def set_health(
    session: Session, account: Account, health: Health, note: str | None, by: str, now: datetime
) -> None:
    """Record the em's judgement of the account: health, note, who and when."""
    account.health = health.value
    account.health_note = note
    account.updated_by = by
    account.updated_at = now


def open_requests_for(session: Session, account: Account) -> list[Request]:
    """The account's POD's open requests for its customer, oldest first."""
    return list(
        session.scalars(
            select(Request)
            .where(
                Request.pod_id == account.pod_id,
                Request.customer_key == account.customer_key,
                Request.stage.in_([stage.value for stage in OPEN_STAGES]),
            )
            .order_by(Request.id)
        )
    )


def _facts(account: Account) -> Facts:
    return Facts(
        pod_id=account.pod_id,
        customer=account.customer,
        initiated=account.initiated,  # type: ignore[arg-type]
        handover=account.handover,
        term_end=account.term_end,  # type: ignore[arg-type]
        msg=account.msg,  # type: ignore[arg-type]
        pse=account.pse,
        ats=account.ats,
        currency=account.currency,
        health=account.health,
    )
