"""Whether what a reminder DM lists is resolved, read from the database as the current
transaction sees it: the mention answered or marked answered, an update posted, the breach or
TAT past, the claim decided, the new term recorded, the pre-approved request moved on
(`is_resolved`, `resolved`), and what a DM whose items are all resolved says (`note_for`).
Read by the settling of reminder DMs (`bot/slack/reminder_dms.py`) and by a Snooze click
(`bot/actions/reminders.py`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.db.models import (
    LeverAnswer,
    PendingResponse,
    Reminder,
    ReminderKind,
    Request,
    ResponseState,
    SavingsClaim,
    VendorDocument,
)
from bot.domain.compliance import vendor_expiry_window
from bot.domain.vocabulary import ClaimStatus, Stage

MENTION_KINDS = (ReminderKind.MENTION.value, ReminderKind.ESCALATION.value)
REQUEST_KINDS = (
    ReminderKind.UPDATE.value,
    ReminderKind.BREACH.value,
    ReminderKind.TAT_WARNING.value,
    ReminderKind.TERM.value,
    ReminderKind.PREAPPROVAL.value,
    ReminderKind.PREAPPROVAL_ANSWER.value,
    ReminderKind.LEVERS.value,
)

# What the DM says once everything it listed is resolved, by the kind of its items.
NOTES = {
    ReminderKind.MENTION.value: ":white_check_mark: *Answered* — nothing left to do here.",
    ReminderKind.ESCALATION.value: ":white_check_mark: *Answered* — nothing left to do here.",
    ReminderKind.UPDATE.value: (
        ":white_check_mark: *Updated* — every request listed here has had an update since "
        "(or is no longer negotiating)."
    ),
    ReminderKind.BREACH.value: (
        ":white_check_mark: *Resolved* — every breach listed here is past (the request moved "
        "on, was reassigned or closed)."
    ),
    ReminderKind.TAT_WARNING.value: (
        ":white_check_mark: *Resolved* — every negotiation listed here is closed."
    ),
    ReminderKind.APPROVAL.value: (
        ":white_check_mark: *Decided* — every savings claim listed here has been decided."
    ),
    ReminderKind.TERM.value: (
        ":white_check_mark: *Recorded* — every new term listed here is in the SaaS stack."
    ),
    ReminderKind.PREAPPROVAL.value: (
        ":white_check_mark: *Resolved* — the request is no longer waiting on the customer "
        "(it was qualified, disqualified or closed)."
    ),
    ReminderKind.PREAPPROVAL_ANSWER.value: (
        ":white_check_mark: *Done* — every request listed here has moved on from intake."
    ),
    ReminderKind.LEVERS.value: (
        ":white_check_mark: *Thanks* — every won request listed here has its levers named."
    ),
    ReminderKind.VENDOR_EXPIRY.value: (
        ":white_check_mark: *Renewed* — every document listed here has a later expiry recorded."
    ),
}


def _window(instant: Any) -> str | None:
    if instant is None:
        return None
    return str(instant.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))


def is_resolved(session: Session, reminder: Reminder) -> bool:
    """Whether what one reminder is about no longer needs doing (read from the database as the
    current transaction sees it)."""
    kind = reminder.kind
    if kind in MENTION_KINDS:
        state = session.scalar(
            select(PendingResponse.state).where(PendingResponse.id == reminder.subject)
        )
        return state != ResponseState.OPEN.value
    if kind == ReminderKind.APPROVAL.value:
        status = session.scalar(
            select(SavingsClaim.status).where(SavingsClaim.id == reminder.subject)
        )
        return status != ClaimStatus.PENDING.value
    if kind == ReminderKind.VENDOR_EXPIRY.value:
        # Its window is 30 days before the expiry it was told: a later one recorded since (a
        # renewed document) resolves it.
        expires = session.scalar(
            select(VendorDocument.expires_on).where(VendorDocument.id == reminder.subject)
        )
        return expires is None or _window(vendor_expiry_window(expires)) != reminder.window
    if kind not in REQUEST_KINDS:
        return False
    if kind == ReminderKind.LEVERS.value:
        answered = session.scalar(
            select(LeverAnswer.id).where(LeverAnswer.request_id == reminder.subject)
        )
        return answered is not None
    row = session.execute(
        select(
            Request.stage, Request.last_update_at, Request.qualification_due_at,
            Request.tat_due_at, Request.term_recorded_at,
        ).where(Request.id == reminder.subject)
    ).one_or_none()  # fmt: skip
    if row is None:
        return True
    stage, last_update, qualification_due, tat_due, term_recorded = row
    if kind == ReminderKind.TERM.value:
        return term_recorded is not None
    if kind == ReminderKind.UPDATE.value:
        if stage != Stage.NEGOTIATING.value:
            return True
        return last_update is not None and last_update > reminder.sent_at
    if kind == ReminderKind.TAT_WARNING.value:
        return stage != Stage.NEGOTIATING.value
    if kind in (ReminderKind.PREAPPROVAL.value, ReminderKind.PREAPPROVAL_ANSWER.value):
        return stage != Stage.INTAKE.value
    # A breach: of the qualification (intake) or the negotiation TAT at its due instant.
    if stage == Stage.INTAKE.value:
        return _window(qualification_due) != reminder.window
    if stage == Stage.NEGOTIATING.value:
        return _window(tat_due) != reminder.window
    return True


def resolved(session: Session, reminders: Iterable[Reminder]) -> bool:
    """Whether every item a DM listed is resolved (its digest row aside); False for none."""
    items = [r for r in reminders if r.kind != ReminderKind.DIGEST.value]
    return bool(items) and all(is_resolved(session, r) for r in items)


def note_for(reminders: Iterable[Reminder]) -> str:
    kinds = [r.kind for r in reminders if r.kind in NOTES]
    return NOTES[kinds[0]] if kinds else ":white_check_mark: *Resolved* — nothing left to do here."
