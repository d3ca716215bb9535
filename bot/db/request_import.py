"""Writing `podbot import requests` rows: each new external id becomes a request at its stage,
with its clocks from the file's dates, its timeline (created, imported, its last update) — in
the caller's transaction; an external id already imported is left as it is."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import Request
from bot.db.requests import pod_row, record_event
from bot.domain.lifecycle import negotiation_due, qualification_due
from bot.domain.request_import import ImportedRequest
from bot.domain.working_time import WorkCalendar

IMPORT_ACTOR = "import"


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


def create_imported(
    session: Session,
    row: ImportedRequest,
    *,
    calendar: WorkCalendar,
    timezone: str,
    currency: str,
    qualification_hours: int,
    tat_days: int,
    file_name: str,
    now: datetime,
) -> Request:
    """Create one imported request with its timeline; returns it (flushed, with its id)."""
    negotiating = row.stage == "negotiating"
    assigned = row.assigned if negotiating else None
    request = Request(
        pod_id=pod_row(session, row.pod).id,
        customer=row.customer,
        tool=row.tool,
        kind=row.kind,
        stage=row.stage,
        amount=row.current_spend.amount if row.current_spend else None,
        currency=row.current_spend.currency if row.current_spend else currency,
        renewal_date=row.renewal_date,
        notes=row.notes,
        created_by=row.analyst or IMPORT_ACTOR,
        analyst_id=row.analyst,
        buyer_id=row.buyer if negotiating else None,
        created_at=row.created,
        qualification_due_at=qualification_due(calendar, row.created, qualification_hours),
        assigned_at=assigned,
        tat_due_at=negotiation_due(timezone, assigned, tat_days) if assigned else None,
        last_update_at=assigned,
        updated_at=now,
        external_id=row.external_id,
    )
    session.add(request)
    session.flush()
    record_event(
        session, request, at=row.created, actor=request.created_by, kind="created",
        text=f"{row.customer} · {row.tool} ({row.kind})",
    )  # fmt: skip
    record_event(
        session, request, at=now, actor=IMPORT_ACTOR, kind="imported",
        text=f"imported from {file_name} (external id {row.external_id})",
        data={"external_id": row.external_id, "file": file_name, "stage": row.stage},
    )  # fmt: skip
    if row.last_update and row.last_update_at:
        stamp = {"last_update_at": row.last_update_at} if negotiating else None
        record_event(
            session, request, at=row.last_update_at, actor=row.buyer or IMPORT_ACTOR,
            kind="update", text=row.last_update, stamp=stamp,
        )  # fmt: skip
    request.updated_at = now
    return request
