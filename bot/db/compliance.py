"""The vendor file and the contract checklist as stored (issue 33), and the facts a won close's
guards judge (`close_facts`)."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.db.models import (
    ChecklistEntry,
    PodRow,
    ProcurementStep,
    Request,
    RequestEvent,
    SavingsClaim,
    Vendor,
    VendorDocument,
)
from bot.db.requests import quote_count, record_event
from bot.domain.compliance import (
    AUTO_RENEWAL,
    ChecklistGap,
    ChecklistItem,
    CloseFacts,
    FileState,
    ItemStatus,
    VendorDoc,
    VendorRow,
    checklist_gaps,
    checklist_status,
    file_state,
)
from bot.domain.names import name_key
from bot.domain.procurement import STEP_ORDER
from bot.domain.vocabulary import OPEN_STAGES, ClaimStatus, EventKind, Outcome, Stage

LAST_STEP = STEP_ORDER[-1]  # the PO

DOCUMENT_EVENT = EventKind.DOCUMENT


def find_vendor(session: Session, name: str) -> Vendor | None:
    """The vendor of this name (by name key), if it has a file."""
    return session.scalars(select(Vendor).where(Vendor.key == name_key(name))).first()


def ensure_vendor(session: Session, name: str, now: datetime) -> Vendor:
    """The vendor of this name, created when it has no record yet: named as a request spells
    its tool, else as given."""
    vendor = find_vendor(session, name)
    if vendor is None:
        key = name_key(name)
        spelled = session.scalars(select(Request.tool).where(Request.tool_key == key).limit(1))
        vendor = Vendor(key=key, name=spelled.first() or name.strip(), created_at=now)
        session.add(vendor)
        session.flush()
    return vendor


def documents_of(session: Session, vendor_id: int) -> list[VendorDocument]:
    return list(
        session.scalars(
            select(VendorDocument)
            .where(VendorDocument.vendor_id == vendor_id)
            .order_by(VendorDocument.kind)
        )
    )


def vendor_file(session: Session, name: str, today: date) -> FileState:
    """The file of the vendor named so (empty when it has no record) as of `today`."""
    vendor = find_vendor(session, name)
    docs = documents_of(session, vendor.id) if vendor is not None else []
    return file_state(
        [VendorDoc(d.kind, d.received_on, d.expires_on, d.checked_by) for d in docs], today
    )


def checklist_of(
    session: Session, request_id: int, items: tuple[ChecklistItem, ...]
) -> list[ItemStatus]:
    """The request's checklist: the POD's items with their recorded states."""
    rows = session.scalars(
        select(ChecklistEntry).where(ChecklistEntry.request_id == request_id)
    ).all()
    return checklist_status(items, {row.item: (row.state, row.reason) for row in rows})


def document_count(session: Session, request_id: int) -> int:
    """How many final documents (quote, signed contract, PO, invoice) are attached or linked."""
    query = select(func.count(RequestEvent.id)).where(
        RequestEvent.request_id == request_id, RequestEvent.kind == DOCUMENT_EVENT.value
    )
    return int(session.scalar(query) or 0)


def close_facts(
    session: Session, request: Request, items: tuple[ChecklistItem, ...], today: date
) -> CloseFacts:
    """What the close guards judge for the request, as of the POD's `today`."""
    statuses = session.scalars(
        select(SavingsClaim.status).where(SavingsClaim.request_id == request.id)
    ).all()
    decided = {ClaimStatus.APPROVED.value, ClaimStatus.REJECTED.value}
    return CloseFacts(
        quote_vendors=quote_count(session, request.id),
        sole_source=request.sole_source_reason is not None,
        claim_decided=any(s in decided for s in statuses),
        claim_pending=ClaimStatus.PENDING.value in statuses,
        no_saving=request.no_saving_reason is not None,
        checklist=tuple(checklist_of(session, request.id, items)),
        vendor=request.tool,
        vendor_file=vendor_file(session, request.tool, today),
        documents=document_count(session, request.id),
    )


def guard_share(session: Session, pod_key: str, start: datetime, end: datetime) -> tuple[int, int]:
    """(met, judged): of the POD's requests closed won in [start, end) with their guards
    judged, how many met every guard (the others an em overrode)."""
    rows = session.execute(
        select(Request.guards_met, func.count(Request.id))
        .join(PodRow, PodRow.id == Request.pod_id)
        .where(
            PodRow.key == pod_key,
            Request.outcome == Outcome.WON.value,
            Request.closed_at >= start,
            Request.closed_at < end,
            Request.guards_met.is_not(None),
        )
        .group_by(Request.guards_met)
    ).all()
    counts = {bool(met): int(n) for met, n in rows}
    return counts.get(True, 0), counts.get(True, 0) + counts.get(False, 0)


def overrides_between(
    session: Session, pod_key: str, start: datetime, end: datetime
) -> list[tuple[str, str, str, datetime]]:
    """The POD's won closes an em overrode in [start, end): (request key, em, reason, when)."""
    rows = session.execute(
        select(Request.id, RequestEvent.actor, RequestEvent.text, RequestEvent.at)
        .join(Request, Request.id == RequestEvent.request_id)
        .join(PodRow, PodRow.id == Request.pod_id)
        .where(
            PodRow.key == pod_key,
            RequestEvent.kind == EventKind.GUARDS_OVERRIDDEN.value,
            RequestEvent.at >= start,
            RequestEvent.at < end,
        )
        .order_by(RequestEvent.at, RequestEvent.id)
    ).all()
    return [(f"REQ-{n}", actor, text or "", at) for n, actor, text, at in rows]


def last_step_gaps(
    session: Session, pod_key: str, items: tuple[ChecklistItem, ...]
) -> list[ChecklistGap]:
    """The POD's negotiating requests whose last procurement step (the PO) has started, with
    required checklist items still open, oldest first."""
    if not any(item.required for item in items):
        return []
    at_po = (
        select(ProcurementStep.id)
        .where(ProcurementStep.request_id == Request.id, ProcurementStep.stage == LAST_STEP)
        .exists()
    )
    rows = session.scalars(
        select(Request)
        .join(PodRow, PodRow.id == Request.pod_id)
        .where(PodRow.key == pod_key, Request.stage == Stage.NEGOTIATING.value, at_po)
        .order_by(Request.id)
    ).all()
    # Their checklist entries in one query, not one per request (an analyst's Home reads this).
    recorded: dict[int, dict[str, tuple[str, str | None]]] = {r.id: {} for r in rows}
    ids = list(recorded)
    for start in range(0, len(ids), 500):
        entries = session.execute(
            select(
                ChecklistEntry.request_id, ChecklistEntry.item, ChecklistEntry.state,
                ChecklistEntry.reason,
            ).where(ChecklistEntry.request_id.in_(ids[start : start + 500]))
        )  # fmt: skip
        for request_id, item, state, reason in entries:
            recorded[request_id][item] = (state, reason)
    found: list[ChecklistGap] = []
    for request in rows:
        gaps = checklist_gaps(checklist_status(items, recorded[request.id]))
        if gaps:
            found.append(
                ChecklistGap(
                    request.id,
                    request.key,
                    request.customer,
                    request.tool,
                    request.buyer_id,
                    tuple(g.item.name for g in gaps),
                )
            )
    return found


def import_vendors(session: Session, rows: list[VendorRow], now: datetime) -> tuple[int, int, int]:
    """Upsert a vendors file's documents (the latest of each kind per vendor), in the caller's
    transaction: (new, updated, unchanged)."""
    inserted = updated = unchanged = 0
    for row in rows:
        vendor = ensure_vendor(session, row.vendor, now)
        doc = session.scalars(
            select(VendorDocument).where(
                VendorDocument.vendor_id == vendor.id, VendorDocument.kind == row.kind
            )
        ).first()
        values = (row.received_on, row.expires_on, row.checked_by)
        if doc is not None and (doc.received_on, doc.expires_on, doc.checked_by) == values:
            unchanged += 1
            continue
        if doc is None:
            doc = VendorDocument(vendor_id=vendor.id, kind=row.kind)
            session.add(doc)
            inserted += 1
        else:
            updated += 1
        doc.received_on, doc.expires_on, doc.checked_by = values
        doc.recorded_at = now
        session.flush()
    return inserted, updated, unchanged


def agreed_notice_days(session: Session, request_id: int) -> int | None:
    """The notice period the contract checklist's auto-renewal item was done with, if any."""
    return session.scalar(
        select(ChecklistEntry.notice_days).where(
            ChecklistEntry.request_id == request_id,
            ChecklistEntry.item == AUTO_RENEWAL,
            ChecklistEntry.state == "done",
        )
    )


def record_shared_files(
    session: Session, channel: str, thread_ts: str, user: str, files: list[str], now: datetime
) -> str | None:
    """Files a person shared in an open request card's thread: a final document on its
    timeline (the documents guard); the request's key, or None when the thread is no card's."""
    request = session.scalars(
        select(Request).where(Request.card_channel == channel, Request.card_ts == thread_ts)
    ).first()
    if request is None or request.stage not in {s.value for s in OPEN_STAGES}:
        return None
    record_event(
        session, request, at=now, actor=user, kind=EventKind.DOCUMENT,
        text=", ".join(files), data={"files": files},
    )  # fmt: skip
    return request.key
