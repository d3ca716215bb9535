"""Writing `podbot import requests` rows: each new external id becomes a request at its stage,
with its clocks from the file's dates and its timeline (created, imported, its last update),
a batch at a time in the caller's transaction, marked with the import's id (`bot.db.imports`:
no reader sees them until the import is complete). An external id already imported is left
as it is."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from bot.db import request_clocks
from bot.db.models import Request, RequestEvent
from bot.domain.lifecycle import negotiation_due, qualification_due
from bot.domain.names import name_key
from bot.domain.request_import import ImportedRequest
from bot.domain.vocabulary import EventKind
from bot.domain.working_time import WorkCalendar

if TYPE_CHECKING:
    from bot.db.session import Database

IMPORT_ACTOR = "import"

_REQUESTS = Request.__table__
# One statement per batch, the new ids read back in the order of the rows.
_INSERT_REQUESTS = insert(_REQUESTS).returning(_REQUESTS.c.id, sort_by_parameter_order=True)
_INSERT_EVENTS = insert(RequestEvent.__table__)


@dataclass(frozen=True)
class PodClocks:
    """What the import needs of a configured POD to set an imported request's clocks."""

    pod_id: int
    calendar: WorkCalendar
    timezone: str
    currency: str
    qualification_hours: int
    tat_days: Mapping[str, int]  # by request type


def already_imported(session: Session, external_ids: Iterable[str]) -> set[str]:
    """The external ids of the file that are requests already."""
    wanted = list(external_ids)
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        found.update(
            session.scalars(
                select(Request.external_id).where(
                    Request.external_id.in_(wanted[start : start + 500])
                )
            )
        )
    return found


@dataclass(frozen=True)
class Batch:
    """Rows of the file to write in one transaction, with their requests' columns computed
    beforehand (the clocks' working-time arithmetic), so the transaction only writes."""

    rows: Sequence[ImportedRequest]
    requests: list[dict[str, Any]]
    # Each row's last update's working-day number (`bot.db.request_clocks.work_day`).
    update_days: list[int | None]


def prepare_batch(
    rows: Sequence[ImportedRequest], *, pods: Mapping[str, PodClocks], now: datetime,
    import_id: int,
) -> Batch:  # fmt: skip
    """The columns of these rows' requests, marked with `import_id`."""
    return Batch(
        rows,
        [_request_values(row, pods[row.pod], now, import_id) for row in rows],
        [
            request_clocks.work_day(pods[row.pod].calendar, row.last_update_at)
            if row.last_update and row.last_update_at
            else None
            for row in rows
        ],
    )


def write_batch(session: Session, batch: Batch, *, file_name: str, now: datetime) -> list[int]:
    """Insert the batch's requests and their timelines, in two statements; returns the new
    requests' numbers in the order of its rows."""
    if not batch.rows:
        return []
    connection = session.connection()
    numbers = list(connection.execute(_INSERT_REQUESTS, batch.requests).scalars())
    events = [
        event
        for row, number, day in zip(batch.rows, numbers, batch.update_days, strict=True)
        for event in _timeline(row, number, file_name, now, day)
    ]
    connection.execute(_INSERT_EVENTS, events)
    return numbers


def _request_values(
    row: ImportedRequest, pod: PodClocks, now: datetime, import_id: int
) -> dict[str, Any]:
    negotiating = row.stage == "negotiating"
    assigned = row.assigned if negotiating else None
    tat_due = negotiation_due(pod.timezone, assigned, pod.tat_days[row.kind]) if assigned else None
    # The last update stamps a negotiation's update clock; without one, the assignment does.
    last_update = row.last_update_at if negotiating and row.last_update else assigned
    return {
        "pod_id": pod.pod_id,
        "customer": row.customer,
        "tool": row.tool,
        "customer_key": name_key(row.customer),
        "tool_key": name_key(row.tool),
        "type": row.kind,
        "stage": row.stage,
        "amount": row.current_spend.amount if row.current_spend else None,
        "currency": row.current_spend.currency if row.current_spend else pod.currency,
        "renewal_date": row.renewal_date,
        "notes": row.notes,
        "created_by": row.analyst or IMPORT_ACTOR,
        "analyst_id": row.analyst,
        "buyer_id": row.buyer if negotiating else None,
        "created_at": row.created,
        "qualification_due_at": qualification_due(
            pod.calendar, row.created, pod.qualification_hours
        ),
        "assigned_at": assigned,
        "tat_due_at": tat_due,
        # The clocks the KPI rules judge (`bot.db.request_clocks`).
        "triage_due_by": qualification_due(pod.calendar, row.created, pod.qualification_hours),
        "tat_due_by": tat_due,
        "cadence_from": request_clocks.cadence_from(pod.calendar, assigned) if assigned else None,
        "cadence_stop": None,
        "last_update_at": last_update,
        "updated_at": now,
        "external_id": row.external_id,
        "import_id": import_id,
    }


def _timeline(
    row: ImportedRequest, number: int, file_name: str, now: datetime, update_day: int | None
) -> list[dict[str, Any]]:
    """The request's first timeline events: created, imported, and the file's last update if any."""
    created_by = row.analyst or IMPORT_ACTOR
    events = [
        _event(number, row.created, created_by, EventKind.CREATED,
               f"{row.customer} · {row.tool} ({row.kind})"),
        _event(number, now, IMPORT_ACTOR, EventKind.IMPORTED,
               f"imported from {file_name} (external id {row.external_id})",
               {"external_id": row.external_id, "file": file_name, "stage": row.stage}),
    ]  # fmt: skip
    if row.last_update and row.last_update_at:
        events.append(
            _event(number, row.last_update_at, row.buyer or IMPORT_ACTOR, EventKind.UPDATE,
                   row.last_update) | {"work_day": update_day}
        )  # fmt: skip
    return events


def _event(
    number: int, at: datetime, actor: str, kind: EventKind, text: str,
    data: dict[str, Any] | None = None,
) -> dict[str, Any]:  # fmt: skip
    return {
        "request_id": number, "at": at, "actor": actor, "kind": kind.value, "text": text,
        "data": data, "work_day": None,
    }  # fmt: skip


class _Undone(Exception):
    """Rolls back the transaction that looked for the row the database refuses."""


def refused_row(
    db: Database, batch: Batch, *, file_name: str, now: datetime
) -> tuple[ImportedRequest, DBAPIError] | None:
    """The first row of `batch` the database refuses (a rule only it checks) and its error,
    found by writing the rows one at a time in a transaction that is then rolled back; None
    when it takes them all (the batch failed for another reason)."""
    row = None
    try:
        with db.transaction() as session:
            for row, values, day in zip(batch.rows, batch.requests, batch.update_days, strict=True):
                write_batch(session, Batch([row], [values], [day]), file_name=file_name, now=now)
            raise _Undone
    except _Undone:
        return None
    except DBAPIError as error:
        return (row, error) if row is not None else None
