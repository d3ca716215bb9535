"""Risk and compliance before the close (issue 33): a vendor's file, a request's contract
checklist, a sole source or no saving with its reason, a final document attached or linked.

The close guards themselves are judged by the close (`bot/actions/requests.py::close`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from bot.actions import Work
from bot.actions.access import authorize, load_request, require_member
from bot.blocks.text import escape_mrkdwn
from bot.config import Pod
from bot.db.compliance import ensure_vendor
from bot.db.models import ChecklistEntry, Request, VendorDocument
from bot.db.requests import record_event
from bot.domain.compliance import (
    AUTO_RENEWAL,
    DOCUMENT_KINDS,
    STATE_WORDS,
    ChecklistItem,
    ItemState,
    VendorDocInput,
)
from bot.domain.events import ChecklistChanged, RequestChanged, ThreadLine
from bot.domain.lifecycle import Action
from bot.domain.mentions import defuse_broadcasts
from bot.domain.vocabulary import OPEN_STAGES, EventKind, Role
from bot.errors import NotPermitted, UsageError, WrongStage

# -- the vendor file -------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordDocument:
    vendor: str  # plain text, as typed
    document: VendorDocInput


@dataclass(frozen=True)
class DocumentRecorded:
    vendor: str
    kind: str
    received_on: date
    expires_on: date | None
    open_requests: int  # the vendor's open requests, whose cards now show it


def _pod_today(work: Work, user: str) -> date:
    pod = require_member(work.config, user)[0][0]
    return pod.today(work.now)


def record_document(work: Work, user: str, given: RecordDocument) -> DocumentRecorded:
    """Record (or replace) a document of a vendor's file: received (today when no date), its
    expiry, checked by the user. Every open request with that vendor, in every POD, shows it."""
    memberships = require_member(work.config, user)
    if not any(role in (Role.BUYER, Role.ANALYST, Role.EM) for _, role in memberships):
        raise NotPermitted("Only a buyer, analyst or em may record a vendor's documents.")
    doc = given.document
    received = doc.received_on or _pod_today(work, user)
    if doc.expires_on is not None and doc.expires_on < received:
        raise UsageError(
            f"The {DOCUMENT_KINDS[doc.kind]} cannot expire ({doc.expires_on.isoformat()}) "
            f"before it was received ({received.isoformat()})."
        )
    vendor = ensure_vendor(work.session, given.vendor, work.now)
    row = work.session.scalars(
        select(VendorDocument).where(
            VendorDocument.vendor_id == vendor.id, VendorDocument.kind == doc.kind
        )
    ).first()
    if row is None:
        row = VendorDocument(vendor_id=vendor.id, kind=doc.kind)
        work.session.add(row)
    row.received_on = received
    row.expires_on = doc.expires_on
    row.checked_by = user
    row.recorded_at = work.now
    work.session.flush()
    requests = work.session.scalars(
        select(Request.id)
        .where(Request.tool_key == vendor.key, Request.stage.in_([s.value for s in OPEN_STAGES]))
        .order_by(Request.id)
    ).all()
    for request_id in requests:
        work.record(RequestChanged(request_id, "vendor file"))
    return DocumentRecorded(vendor.name, doc.kind, received, doc.expires_on, len(requests))


# -- the contract checklist ------------------------------------------------------------------


@dataclass(frozen=True)
class ItemChange:
    item: str  # the item's key
    state: ItemState
    reason: str | None = None  # mrkdwn; required for n/a
    notice_days: int | None = None  # the auto-renewal item's notice period (done only)


@dataclass(frozen=True)
class SetChecklist:
    number: int
    changes: tuple[ItemChange, ...]


@dataclass(frozen=True)
class ChecklistSet:
    key: str
    changed: tuple[ItemChange, ...]  # those that changed (the same state again is no change)


def _open_request(work: Work, user: str, number: int) -> tuple[Request, Pod]:
    request, pod = load_request(work.session, work.config, number)
    authorize(work.config, user, request, pod, Action.COMPLIANCE)
    if request.stage not in OPEN_STAGES:
        raise WrongStage(f"{request.key} is {request.stage}: its checklist and documents are kept.")
    return request, pod


def item_of(pod: Pod, key: str) -> ChecklistItem:
    found = next((i for i in pod.checklist if i.key == key), None)
    if found is None:
        keys = ", ".join(i.key for i in pod.checklist) or "none"
        raise UsageError(
            f"`{key[:32]}` is not an item of {pod.name}'s checklist; its items: {keys}."
        )
    return found


def set_checklist(work: Work, user: str, given: SetChecklist) -> ChecklistSet:
    """Set items of a request's contract checklist (the command: one item; the modal: all);
    each change on the timeline and in the thread, the card edited once."""
    request, pod = _open_request(work, user, given.number)
    rows = {
        row.item: row
        for row in work.session.scalars(
            select(ChecklistEntry).where(ChecklistEntry.request_id == request.id)
        )
    }
    changed: list[ItemChange] = []
    lines: list[str] = []
    for change in given.changes:
        item = item_of(pod, change.item)
        if change.state is ItemState.NA and not (change.reason and change.reason.strip()):
            raise UsageError(f"Say why {item.name} does not apply: `… {item.key} na <reason>`.")
        reason = change.reason.strip() if change.state is ItemState.NA and change.reason else None
        row = rows.get(item.key)
        # A notice period stays until changed (the modal sets states, not the period).
        kept = row.notice_days if row is not None else None
        notice = (
            (change.notice_days if change.notice_days is not None else kept)
            if change.state is ItemState.DONE
            else None
        )
        if change.notice_days is not None and (
            item.key != AUTO_RENEWAL or change.state is not ItemState.DONE
        ):
            raise UsageError(
                f"Only `{AUTO_RENEWAL} done <days>` takes a notice period; write the state alone."
            )
        was = (
            (row.state, row.reason, row.notice_days)
            if row is not None
            else (ItemState.NOT_STARTED.value, None, None)
        )
        if was == (change.state.value, reason, notice):
            continue
        if row is None:
            row = ChecklistEntry(request_id=request.id, item=item.key)
            work.session.add(row)
            rows[item.key] = row
        row.state, row.reason, row.notice_days = change.state.value, reason, notice
        row.updated_by, row.updated_at = user, work.now
        words = STATE_WORDS[change.state] + (f" ({reason})" if reason else "")
        if notice is not None:
            words += f", notice period {notice} days"
        record_event(
            work.session, request, at=work.now, actor=user, kind=EventKind.CHECKLIST,
            text=f"{escape_mrkdwn(item.name)}: {words}",
            data={
                "item": item.key, "state": change.state.value, "reason": reason,
                "notice_days": notice,
            },
        )  # fmt: skip
        lines.append(f"*{escape_mrkdwn(item.name)}*: {defuse_broadcasts(words)}")
        changed.append(ItemChange(item.key, change.state, reason, notice))
    if changed:
        work.record(
            ThreadLine(
                request.id,
                f":ballot_box_with_check: *Checklist* by <@{user}>: " + " · ".join(lines),
            ),
            ChecklistChanged(request.id),
        )
    return ChecklistSet(request.key, tuple(changed))


# -- sole source, no saving, a document ------------------------------------------------------


@dataclass(frozen=True)
class Explain:
    """`solesource REQ <reason>` or `nosaving REQ <reason>` (mrkdwn reason)."""

    number: int
    reason: str


@dataclass(frozen=True)
class Explained:
    key: str


def sole_source(work: Work, user: str, given: Explain) -> Explained:
    """No competing quote is to be had: why (the quotes guard is met)."""
    request, _ = _open_request(work, user, given.number)
    request.sole_source_reason = given.reason
    record_event(
        work.session, request, at=work.now, actor=user, kind=EventKind.SOLE_SOURCE,
        text=given.reason,
    )  # fmt: skip
    work.record(
        ThreadLine(
            request.id,
            f":one: *Sole source* recorded by <@{user}>: {defuse_broadcasts(given.reason)}",
        )
    )
    return Explained(request.key)


def no_saving(work: Work, user: str, given: Explain) -> Explained:
    """No saving is claimed on the request: why (the claim guard is met)."""
    request, _ = _open_request(work, user, given.number)
    request.no_saving_reason = given.reason
    record_event(
        work.session, request, at=work.now, actor=user, kind=EventKind.NO_SAVING,
        text=given.reason,
    )  # fmt: skip
    work.record(
        ThreadLine(
            request.id,
            f":heavy_minus_sign: *No saving* recorded by <@{user}>: "
            + defuse_broadcasts(given.reason),
        )
    )
    return Explained(request.key)


@dataclass(frozen=True)
class Attach:
    """`attach REQ <link or file name>`: the final quote, signed contract, PO or invoice."""

    number: int
    document: str  # mrkdwn as typed (a link Slack wrapped as <https://…>)


def attach(work: Work, user: str, given: Attach) -> Explained:
    """A final document attached or linked (the documents guard is met)."""
    request, _ = _open_request(work, user, given.number)
    record_event(
        work.session, request, at=work.now, actor=user, kind=EventKind.DOCUMENT,
        text=given.document, data={"document": given.document},
    )  # fmt: skip
    work.record(
        ThreadLine(
            request.id,
            f":paperclip: *Document* attached by <@{user}>: {defuse_broadcasts(given.document)}",
        )
    )
    return Explained(request.key)
