"""Customer accounts in the database: upserted by customer (`name_key`), health set by an em."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from bot.db.contracts import Changes, bulk_rows
from bot.db.models import Account, Request
from bot.domain.accounts import AccountRow
from bot.domain.names import name_key
from bot.domain.vocabulary import OPEN_STAGES, Health

# `updated_by` of what `podbot import accounts` writes.
IMPORTED_BY = "import"


@dataclass(frozen=True)
class AccountFacts:
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
    contacts: str | None
    customer_channel: str | None
    fee: Decimal | None = None


def find_account(session: Session, customer: str, *, for_update: bool = False) -> Account | None:
    """The account of this customer, compared the way the unique index compares."""
    query = select(Account).where(Account.customer_key == name_key(customer))
    if for_update:
        query = query.with_for_update()
    return session.scalars(query).one_or_none()


def account_changes(
    session: Session, rows: Iterable[AccountRow], pod_ids: Mapping[str, int], now: datetime,
    *, for_update: bool = True,
) -> Changes:  # fmt: skip
    """Which rows would insert or change an account (by customer), the stored accounts read
    500 customers a query (locked on PostgreSQL `for_update`). An account identical to what
    the row says is left alone.

    A row without a health keeps the stored health and its note (a new account is neutral):
    the em's judgement in Slack survives a re-import of the file.
    """
    rows = list(rows)
    keys = {name_key(row.customer) for row in rows}
    stored = {found.customer_key: found for found in bulk_rows(session, _KEY, keys, for_update)}
    changes = Changes([], [], [])
    for row in rows:
        key = name_key(row.customer)
        found = stored.get(key)
        before = _facts(found) if found is not None else None
        wanted = _wanted(row, pod_ids[row.pod], before)
        stamp = {"updated_at": now, "updated_by": IMPORTED_BY}
        if found is None:
            new = {"customer_key": key, "created_at": now, "health_note": None}
            changes.inserts.append(vars(wanted) | stamp | new)
        elif before != wanted:
            # A note about the old health goes with it.
            note = found.health_note if wanted.health == found.health else None
            changed = {"row_id": found.id, "health_note": note}
            # A customer channel changed: the canvas kept in the old one is left there, and a
            # new one is made in the new channel (issue 32). Every update row carries these
            # keys (one executemany), unchanged when the channel is.
            moved = wanted.customer_channel != found.customer_channel
            changed |= {
                "canvas_id": None if moved else found.canvas_id,
                "canvas_message_ts": None if moved else found.canvas_message_ts,
                "canvas_recreated": False if moved else found.canvas_recreated,
                "canvas_sections": None if moved else found.canvas_sections,
            }
            changes.updates.append(vars(wanted) | stamp | changed)
        else:
            continue
        changes.rows.append(row)
    return changes


def upsert_accounts(
    session: Session, rows: Iterable[AccountRow], pod_ids: Mapping[str, int], now: datetime
) -> tuple[int, int, int]:
    """Upsert every row by customer in the caller's transaction, in bulk (as contracts);
    returns (inserted, updated, unchanged)."""
    rows = list(rows)
    inserted, updated = account_changes(session, rows, pod_ids, now).write(
        session, _ACCOUNTS, _UPDATE_ACCOUNT
    )
    return inserted, updated, len(rows) - inserted - updated


_ACCOUNTS = Account.__table__
_KEY = _ACCOUNTS.c.customer_key
_UPDATE_ACCOUNT = update(_ACCOUNTS).where(_ACCOUNTS.c.id == bindparam("row_id"))


def _wanted(row: AccountRow, pod_id: int, before: AccountFacts | None) -> AccountFacts:
    """What the row says the account is (its health as stored, or neutral, when left out)."""
    health = (
        row.health.value
        if row.health is not None
        else (before.health if before is not None else Health.NEUTRAL.value)
    )
    contacts = (
        ", ".join(row.contacts)
        if row.contacts is not None
        else (before.contacts if before is not None else None)
    )
    channel = (
        row.channel
        if row.channel is not None
        else (before.customer_channel if before is not None else None)
    )
    return AccountFacts(
        customer_channel=channel,
        contacts=contacts,
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
        fee=row.fee.amount if row.fee is not None else (before.fee if before is not None else None),
    )


def set_health(
    session: Session, account: Account, health: Health, note: str | None, by: str, now: datetime
) -> None:
    """Record the em's judgement of the account: health, note, who and when."""
    account.health = health.value
    account.health_note = note
    account.health_set_at = now
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


def _facts(account: Any) -> AccountFacts:
    return AccountFacts(
        pod_id=account.pod_id,
        customer=account.customer,
        initiated=account.initiated,
        handover=account.handover,
        term_end=account.term_end,
        msg=account.msg,
        pse=account.pse,
        ats=account.ats,
        currency=account.currency,
        health=account.health,
        contacts=account.contacts,
        customer_channel=account.customer_channel,
        fee=account.fee,
    )
