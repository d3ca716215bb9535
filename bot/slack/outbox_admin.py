"""What `podbot outbox list|retry|drop` reads and changes: the outbox rows still queued or
parked, each with where it goes, its age, why it is parked and what it says in one line.

A parked row queued again (`retry`) keeps its attempts, so the worker treats it as a retry:
before posting it looks in Slack for the message tagged with its id (the metadata every
post carries) and records that one instead of posting twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, or_, select, update

from bot.db.models import OutboxRow, OutboxStatus, SavingsClaim
from bot.db.session import Database

_OPEN = (OutboxStatus.PENDING.value, OutboxStatus.IN_FLIGHT.value)
_PARKED = OutboxStatus.PARKED.value
SUMMARY_LIMIT = 60


@dataclass(frozen=True)
class Listed:
    """One outbox row as `outbox list` shows it."""

    id: int
    kind: str
    status: str
    where: str  # a channel id, or who a DM, Home or answer is for
    age: timedelta
    reason: str  # Slack's error (or the exception) that parked it or failed it last; "" none
    summary: str


def where_of(row: OutboxRow) -> str:
    """The channel a row posts in, or whose DM, Home or answer it is."""
    payload = row.payload or {}
    channel = row.channel or payload.get("channel")
    if channel:
        return str(channel)
    if row.kind in ("dm", "home", "respond") and payload.get("user"):
        return f"{row.kind} {payload['user']}"
    return row.lane


def _channel_filter(channel: str) -> Any:
    # The channel column, or (edits, a card's thread) the channel named in the payload.
    return or_(OutboxRow.channel == channel, OutboxRow.payload["channel"].as_string() == channel)


def list_rows(
    db: Database, now: datetime, *, parked_only: bool = False, channel: str | None = None
) -> list[Listed]:
    """The rows still queued (pending, in flight) and parked, oldest first."""
    statuses = (_PARKED,) if parked_only else (*_OPEN, _PARKED)
    query = select(OutboxRow).where(OutboxRow.status.in_(statuses)).order_by(OutboxRow.id)
    if channel:
        query = query.where(_channel_filter(channel))
    with db.reading() as session:
        rows = list(session.scalars(query))
        names = _names(session, rows)
        return [
            Listed(
                row.id, row.kind, row.status, where_of(row),
                max(timedelta(0), now - row.created_at), row.last_error or "",
                _summary(row, names),
            )
            for row in rows
        ]  # fmt: skip


def _names(session: Any, rows: list[OutboxRow]) -> dict[int, str]:
    """The request (REQ-n) of each savings claim the rows name, in one query."""
    claims = {int(r.payload["claim"]) for r in rows if "claim" in (r.payload or {})}
    if not claims:
        return {}
    found = session.execute(
        select(SavingsClaim.id, SavingsClaim.request_id).where(SavingsClaim.id.in_(claims))
    )
    return {claim: f"REQ-{request}" for claim, request in found}


def _summary(row: OutboxRow, claims: dict[int, str]) -> str:
    payload = row.payload or {}
    if row.kind == "card":
        text = f"the card of REQ-{payload.get('request')}"
    elif row.kind == "claim":
        text = f"a savings claim on {claims.get(int(payload['claim']), 'a request')}"
    elif row.kind == "home":
        text = "the App Home tab"
    elif row.kind == "upload":
        text = f"file {payload.get('filename', '')}"
    elif row.kind == "email":
        text = f"the email of customer update {payload.get('update')}"
    elif row.kind == "canvas":
        text = f"the customer canvas of account {payload.get('account')}"
    else:
        text = str(payload.get("text") or "")
        if row.kind == "thread" and "request" in payload:
            text = f"REQ-{payload['request']}: {text}"
    line = " ".join(text.split())
    return line if len(line) <= SUMMARY_LIMIT else line[: SUMMARY_LIMIT - 1] + "…"


def age_text(age: timedelta) -> str:
    """3d 4h, 2h 5m, 12m, 40s."""
    seconds = int(age.total_seconds())
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    return f"{minutes}m" if minutes else f"{seconds}s"


class NotParked(Exception):
    """A row `retry` or `drop` cannot take; the message says why."""


def retry(
    db: Database,
    now: datetime,
    *,
    row_id: int | None = None,
    channel: str | None = None,
) -> list[tuple[int, str | None]]:
    """Queue parked rows again, due now: one by id, or every parked row (of `channel`).
    Returns each row's id and channel. Their attempts are kept (so the worker looks in Slack
    for each before posting it: delivered once, never twice)."""
    query = select(OutboxRow).where(OutboxRow.status == _PARKED).order_by(OutboxRow.id)
    if row_id is not None:
        with db.reading() as session:
            row = session.get(OutboxRow, row_id)
            if row is None:
                raise NotParked(f"there is no outbox row {row_id}")
            if row.status != _PARKED:
                raise NotParked(
                    f"outbox row {row_id} is {row.status.replace('_', ' ')}, not parked"
                )
        query = query.where(OutboxRow.id == row_id)
    elif channel:
        query = query.where(_channel_filter(channel))
    with db.transaction() as session:
        rows = list(session.scalars(query))
        ids = [row.id for row in rows]
        if ids:
            session.execute(
                update(OutboxRow)
                .where(OutboxRow.id.in_(ids), OutboxRow.status == _PARKED)
                .values(
                    status=OutboxStatus.PENDING.value,
                    next_attempt_at=now,
                    # At least one, so the worker looks before it posts.
                    attempts=case((OutboxRow.attempts < 1, 1), else_=OutboxRow.attempts),
                )
                .execution_options(synchronize_session=False)
            )
        return [(row.id, row.channel or (row.payload or {}).get("channel")) for row in rows]


def drop(db: Database, row_id: int) -> None:
    """Delete a parked row for good (a row that still has children keeps them: their parent
    is gone, so they post in the channel, as after any parked parent)."""
    with db.transaction() as session:
        row = session.get(OutboxRow, row_id)
        if row is None:
            raise NotParked(f"there is no outbox row {row_id}")
        if row.status != _PARKED:
            raise NotParked(
                f"outbox row {row_id} is {row.status.replace('_', ' ')}, not parked: only a "
                "parked row is dropped"
            )
        session.execute(
            update(OutboxRow).where(OutboxRow.parent_id == row_id).values(parent_id=None)
        )
        session.delete(row)


def parked_count(db: Database) -> int:
    """How many rows are parked (for /readyz and the metric)."""
    with db.reading() as session:
        return int(session.scalar(select(func.count()).where(OutboxRow.status == _PARKED)) or 0)
