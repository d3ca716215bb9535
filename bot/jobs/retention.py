"""`retention`: daily, delete processed event ids and delivered outbox rows past their keep.

Both tables only grow otherwise. What the bot still reads of them stays, however old:

* `processed_events` (and ClickUp's handled webhook history items, `clickup_history`, with the
  same keep) drops Slack's retried deliveries of an event (Slack retries for about an
  hour) and replayed commands, clicks and submissions (`trigger:<id>`; Slack signs a request
  for five minutes), so ids younger than `retention.processed_events_days` (7) are kept. Each
  is stamped by the domain clock, and pruned by it.
* `deliveries` rows that are delivered and older than `retention.delivered_days` (30) go,
  except a row another row names as its parent (the worker reads the parent's `result` to
  reply in its thread, and the foreign key holds), a row of a lane that still has pending or
  in-flight rows, and the table's newest row (SQLite hands out the highest id plus one, and a
  row's id names its message in Slack's metadata, which a retry looks for: an id must never
  come back). A parent whose children went in one batch goes in a later one.

* closed `requests` (issue 36), only when `retention.requests_days` is set (default: kept for
  ever): a request closed more than that many days ago (by the domain clock, which stamped
  `closed_at`) goes with everything hanging off it, its events, procurement steps, holds,
  checklist, quotes, savings claims and their approvals, pre-approval asks and ClickUp link
  (their foreign keys cascade), and the reminders whose subject is the request or one of its
  claims (a plain integer, no foreign key, so deleted here first). Open requests stay
  whatever their age.

The data is not a POD's, so a run covers the whole database: the job fires for each POD at
03:30 UTC, and the first to record (`retention`, `*`, the UTC day) in the ledger prunes; the
others find it recorded. Deletes go in batches of `BATCH` rows, a transaction each, so no
transaction holds the writer (SQLite) or many row locks (PostgreSQL) for long. A day the
scheduler was down is not caught up: the next day's run deletes everything past its keep.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.triggers.cron import CronTrigger
from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import aliased

from bot.blocks.text import plural
from bot.clock import SystemClock
from bot.db.models import (
    ClickUpHistoryItem,
    JobRun,
    OutboxRow,
    OutboxStatus,
    ProcessedEvent,
    Reminder,
    ReminderKind,
    Request,
    SavingsClaim,
)
from bot.jobs import ledger, register
from bot.jobs.runner import JobContext, JobSpec

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.config import Config, Pod
    from bot.db.session import Database

NAME = "retention"
SCOPE = "*"  # the run ledger's scope for a run over every POD's rows
AT = time(3, 30)  # UTC: after every POD's evening, before the first morning report
BATCH = 500
_OPEN = (OutboxStatus.PENDING.value, OutboxStatus.IN_FLIGHT.value)
# Reminder kinds whose subject is a request id, and the one whose subject is a claim id.
_REQUEST_REMINDERS = tuple(
    kind.value
    for kind in (
        ReminderKind.UPDATE,
        ReminderKind.TERM,
        ReminderKind.BREACH,
        ReminderKind.TAT_WARNING,
        ReminderKind.PREAPPROVAL,
        ReminderKind.STALL,
    )
)


def _old_events(before: datetime) -> ColumnElement[bool]:
    return ProcessedEvent.received_at < before


def _old_deliveries(before: datetime) -> ColumnElement[bool]:
    """Delivered rows older than `before` that nothing needs any more (see the module doc)."""
    other = aliased(OutboxRow)
    # NOT IN over one uncorrelated subquery each, not NOT EXISTS per row: parent_id has no
    # index, and the open lanes come off the partial index of open rows.
    parents = select(other.parent_id).where(other.parent_id.is_not(None))
    open_lanes = select(other.lane).where(other.status.in_(_OPEN))
    newest = select(func.max(other.id)).scalar_subquery()
    return (
        (OutboxRow.status == OutboxStatus.DELIVERED.value)
        & (OutboxRow.delivered_at < before)
        & OutboxRow.id.not_in(parents)
        & OutboxRow.lane.not_in(open_lanes)
        & (OutboxRow.id != newest)
    )


def prune_processed_events(db: Database, before: datetime, batch: int = BATCH) -> int:
    """Delete processed event ids received before `before`, `batch` at a time; how many."""
    return _in_batches(db, ProcessedEvent.event_id, _old_events(before), batch)


def prune_clickup_history(db: Database, before: datetime, batch: int = BATCH) -> int:
    """Delete the ClickUp webhook history items handled before `before` (issue 31): a
    delivery of one is refused as stale after a day, so a week's keep drops no replay."""
    return _in_batches(
        db, ClickUpHistoryItem.item_id, ClickUpHistoryItem.handled_at < before, batch
    )


def prune_deliveries(db: Database, before: datetime, batch: int = BATCH) -> int:
    """Delete delivered outbox rows delivered before `before` that nothing needs; how many."""
    return _in_batches(db, OutboxRow.id, _old_deliveries(before), batch)


def _old_requests(before: datetime) -> ColumnElement[bool]:
    return (Request.stage == "closed") & (Request.closed_at < before)


def prune_closed_requests(db: Database, before: datetime, batch: int = BATCH) -> int:
    """Delete requests closed before `before` with everything hanging off them, `batch`
    requests a transaction; how many requests."""
    total = 0
    while True:
        with db.transaction() as session:
            chosen = list(
                session.scalars(
                    select(Request.id)
                    .where(_old_requests(before))
                    .order_by(Request.id)
                    .limit(batch)
                )
            )
            if not chosen:
                return total
            claims = select(SavingsClaim.id).where(SavingsClaim.request_id.in_(chosen))
            session.execute(
                delete(Reminder)
                .where(
                    (Reminder.kind.in_(_REQUEST_REMINDERS) & Reminder.subject.in_(chosen))
                    | (
                        (Reminder.kind == ReminderKind.APPROVAL.value)
                        & Reminder.subject.in_(claims)
                    )
                )
                .execution_options(synchronize_session=False)
            )
            # A claim may name another claim of the same request (superseded, revised): those
            # links are cleared first, so no order of the cascade trips over them.
            session.execute(
                update(SavingsClaim)
                .where(SavingsClaim.request_id.in_(chosen))
                .values(
                    superseded_by_id=None, revises_id=None, revised_by_id=None, superseded_at=None
                )
                .execution_options(synchronize_session=False)
            )
            session.execute(
                delete(Request)
                .where(Request.id.in_(chosen))
                .execution_options(synchronize_session=False)
            )
        total += len(chosen)


def _in_batches(db: Database, key: Any, where: ColumnElement[bool], batch: int) -> int:
    total = 0
    while True:
        with db.transaction() as session:
            chosen = list(session.scalars(select(key).where(where).order_by(key).limit(batch)))
            if not chosen:  # not "fewer than a batch": a parent freed by one goes in the next
                return total
            session.execute(
                delete(key.table)
                .where(key.in_(chosen))
                .execution_options(synchronize_session=False)
            )
        total += len(chosen)


def _count(session: Session, key: Any, where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count(key)).where(where)) or 0)


def _body(context: JobContext) -> str:
    runtime, now = context.runtime, context.now
    keep = runtime.config.retention
    # Each table by the clock that stamped it: events by the domain clock, deliveries by the
    # worker's real time (a rehearsal's `--at` a year ahead must not empty the outbox).
    events_before = now - timedelta(days=keep.processed_events_days)
    deliveries_before = SystemClock().now() - timedelta(days=keep.delivered_days)
    requests_before = (
        None if keep.requests_days is None else now - timedelta(days=keep.requests_days)
    )
    period = _period(runtime.config, context.pod, now)
    if context.dry_run:
        if ledger.is_done(runtime.db, NAME, SCOPE, period):
            return f"{period}: already done"
        with runtime.db.reading() as session:
            events = _count(session, ProcessedEvent.event_id, _old_events(events_before))
            rows = _count(session, OutboxRow.id, _old_deliveries(deliveries_before))
            closed = (
                0
                if requests_before is None
                else _count(session, Request.id, _old_requests(requests_before))
            )
        said = (
            f"would delete {plural(events, 'processed event id')} and "
            f"{plural(rows, 'delivered outbox row')}"
        )
        return said if requests_before is None else f"{said}; {plural(closed, 'closed request')}"
    # Recorded first, in its own transaction: of the PODs' runs (and processes) one prunes.
    with runtime.db.transaction() as session:
        run = ledger.record(session, NAME, SCOPE, period, now)
    if run is None:
        return f"{period}: already done by another run"
    events = prune_processed_events(runtime.db, events_before)
    prune_clickup_history(runtime.db, events_before)  # with the event ids they are
    rows = prune_deliveries(runtime.db, deliveries_before)
    closed = 0 if requests_before is None else prune_closed_requests(runtime.db, requests_before)
    with runtime.db.transaction() as session:
        detail = {"processed_events": events, "deliveries": rows}
        if requests_before is not None:
            detail["requests"] = closed
        session.execute(update(JobRun).where(JobRun.id == run).values(detail=detail))
    return (
        f"deleted {plural(events, 'processed event id')} older than "
        f"{plural(keep.processed_events_days, 'day')} "
        f"and {plural(rows, 'delivered outbox row')} older than "
        f"{plural(keep.delivered_days, 'day')}"
        + (
            ""
            if keep.requests_days is None
            else f"; {plural(closed, 'closed request')} closed over "
            f"{plural(keep.requests_days, 'day')} ago"
        )
    )


def _period(config: Config, pod: Pod, now: datetime) -> str:
    return now.astimezone(UTC).date().isoformat()


SPEC = register(
    JobSpec(
        name=NAME,
        summary=(
            "delete processed event ids, delivered outbox rows and (when set) closed requests "
            "past their keep"
        ),
        trigger=lambda config, pod: CronTrigger(hour=AT.hour, minute=AT.minute, timezone=UTC),
        describe=lambda config, pod: (
            f"daily at {AT:%H:%M} UTC, one run for every POD (events kept "
            f"{config.retention.processed_events_days} d, delivered rows "
            f"{config.retention.delivered_days} d"
            + (
                ""
                if config.retention.requests_days is None
                else f", closed requests {config.retention.requests_days} d"
            )
            + ")"
        ),
        period=_period,
        body=_body,
        # The body records the run itself, under the scope `*` rather than this POD.
        claims_period=False,
    )
)
