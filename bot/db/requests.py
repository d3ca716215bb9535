"""Queries and writes for requests and their timeline, shared by commands, jobs and cards."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, func, insert, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from bot.db.models import PodRow, ProcurementStep, Quote, Request, RequestEvent
from bot.domain.names import name_key
from bot.domain.vocabulary import OPEN_STAGES, EventKind


def get_request(session: Session, number: int, *, for_update: bool = False) -> Request | None:
    """The request REQ-`number`; locked for the transaction when `for_update` (PostgreSQL)."""
    query = select(Request).where(Request.id == number)
    if for_update:
        query = query.with_for_update(of=Request)
    return session.scalars(query).one_or_none()


# Built once (every command's ack path loads its request this way).
_REQUEST_AND_POD_KEY = (
    select(Request, PodRow.key)
    .join(PodRow, PodRow.id == Request.pod_id)
    .where(Request.id == bindparam("n"))
)
_REQUEST_AND_POD_KEY_LOCKED = _REQUEST_AND_POD_KEY.with_for_update(of=Request)


def get_request_and_pod_key(
    session: Session, number: int, *, for_update: bool = False
) -> tuple[Request, str] | None:
    """REQ-`number` and its POD's config key in one statement (no second load of the POD)."""
    query = _REQUEST_AND_POD_KEY_LOCKED if for_update else _REQUEST_AND_POD_KEY
    row = session.execute(query, {"n": number}).one_or_none()
    if row is None:
        return None
    request, key = row[0], row[1]
    session.info.setdefault(_POD_KEYS, {})[request.pod_id] = key
    return request, key


# The POD keys of the requests a session loaded with `get_request_and_pod_key`, by POD row id:
# the consequences of the change (a thread reply's channel, the Homes to republish) ask again.
_POD_KEYS = "podbot_pod_keys"


def known_pod_key(session: Session, pod_id: int) -> str | None:
    """The config key of POD row `pod_id`, if this session loaded a request of it."""
    keys: dict[int, str] | None = session.info.get(_POD_KEYS)
    return keys.get(pod_id) if keys is not None else None


def pod_row(session: Session, key: str) -> PodRow:
    """The database row of the POD with this config key."""
    return session.scalars(select(PodRow).where(PodRow.key == key)).one()


def record_event(
    session: Session,
    request: Request,
    *,
    at: datetime,
    actor: str,
    kind: EventKind,
    text: str | None = None,
    data: dict[str, Any] | None = None,
    stamp: dict[str, Any] | None = None,
    work_day: int | None = None,
) -> None:
    """Append one timeline event to the request's timeline and stamp the request's `updated_at`
    (and any other columns in `stamp`); an update records its `work_day`
    (`bot.db.request_clocks.work_day`).

    Both are plain INSERT/UPDATE statements rather than unit-of-work changes: this runs on
    every command's ack path, where the ORM's flush bookkeeping was the largest cost.
    """
    if request.id is None:  # created in this transaction and not flushed yet
        session.flush()
    event = {"request_id": request.id, "at": at, "actor": actor, "kind": kind.value}
    if work_day is not None:
        event["work_day"] = work_day
    # On the session's connection: plain statements need none of the ORM's execution layer.
    session.connection().execute(_INSERT_EVENT, event | {"text": text, "data": data})
    write_columns(session, request, updated_at=at, **(stamp or {}))


# Built once: constructing a statement per call costs more than executing it.
_INSERT_EVENT = insert(RequestEvent.__table__)
_UPDATE_REQUEST = update(Request.__table__).where(Request.__table__.c.id == bindparam("row_id"))


def write_columns(session: Session, request: Request, **values: Any) -> None:
    """Set columns of a loaded request with one UPDATE, keeping the object in step (without
    marking it changed, so no second UPDATE follows at commit)."""
    session.connection().execute(_UPDATE_REQUEST, {"row_id": request.id, **values})
    for name, value in values.items():
        set_committed_value(request, name, value)


def open_duplicates(session: Session, customer: str, tool: str) -> list[Request]:
    """Open requests for the same customer and tool (by `name_key`), oldest first."""
    query = (
        select(Request)
        .where(Request.customer_key == name_key(customer))
        .where(Request.tool_key == name_key(tool))
        .where(Request.stage.in_([s.value for s in OPEN_STAGES]))
        .order_by(Request.id)
    )
    return list(session.scalars(query))


def open_requests_of(session: Session, user_id: str) -> list[Request]:
    """Open requests the user buys, qualified or opened, oldest first."""
    query = (
        select(Request)
        .where(
            or_(
                Request.buyer_id == user_id,
                Request.analyst_id == user_id,
                Request.created_by == user_id,
            )
        )
        .where(Request.stage.in_([s.value for s in OPEN_STAGES]))
        .order_by(Request.id)
    )
    return list(session.scalars(query))


def timeline(session: Session, request_id: int) -> list[RequestEvent]:
    """Every event of a request, oldest first."""
    query = (
        select(RequestEvent).where(RequestEvent.request_id == request_id).order_by(RequestEvent.id)
    )
    return list(session.scalars(query))


def quote_count(session: Session, request_id: int) -> int:
    """How many competing quotes the request has: vendors, by name key (a vendor's later quote
    revises its earlier one, so it is one competitor however often it quotes)."""
    query = select(func.count(func.distinct(Quote.vendor_key))).where(
        Quote.request_id == request_id
    )
    return int(session.scalar(query) or 0)


def latest_quote(session: Session, request_id: int, vendor: str) -> Quote | None:
    """The vendor's latest quote on the request (by name key): the one a new quote revises."""
    query = (
        select(Quote)
        .where(Quote.request_id == request_id, Quote.vendor_key == name_key(vendor))
        .order_by(Quote.id.desc())
        .limit(1)
    )
    return session.scalars(query).first()


def open_step(
    session: Session, request_id: int, stage: str | None = None
) -> ProcurementStep | None:
    """The request's procurement step under way (of `stage`, or the latest of any), if any."""
    query = select(ProcurementStep).where(
        ProcurementStep.request_id == request_id, ProcurementStep.done_at.is_(None)
    )
    if stage is not None:
        query = query.where(ProcurementStep.stage == stage)
    return session.scalars(query.order_by(ProcurementStep.id.desc()).limit(1)).first()
