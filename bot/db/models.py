"""SQLAlchemy 2 typed models: the schema backs the rules with unique keys and checks."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.db.types import ExchangeRate, MoneyAmount, UTCDateTime
from bot.domain.customer_update import UpdateStatus
from bot.domain.holds import HeldClock, HoldParty
from bot.domain.names import name_key
from bot.domain.vocabulary import (
    BillingCycle,
    ClaimKind,
    ClaimStatus,
    Health,
    Outcome,
    RequestType,
    Role,
    Stage,
    TargetScope,
)

# Stable constraint names so migrations can alter them on SQLite (batch mode) and PostgreSQL.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base with the naming convention."""

    metadata = MetaData(naming_convention=NAMING)
    # Every model here is mapped to one Table (none to a join or a select): say so to the type
    # checker, so Core statements on `Model.__table__` type-check.
    __table__: ClassVar[Table]


class RunStatus(enum.StrEnum):
    CLAIMED = "claimed"
    DONE = "done"
    FAILED = "failed"


# An approved claim not superseded by a revision and not marked additional: one per request
# and kind (the partial unique index of `savings_claims`).
# An approved claim whose figures `bot.db.claim_ledger` has not recorded yet.
UNRECORDED = "status = 'approved' AND tool_key IS NULL"
EFFECTIVE_PRIMARY = "status = 'approved' AND superseded_at IS NULL AND NOT additional"


def _in(column: str, values: type[enum.StrEnum]) -> str:
    return f"{column} IN ({', '.join(repr(v.value) for v in values)})"


def _key_of(column: str) -> Any:
    """A column default: the comparison key (`name_key`) of the name inserted in `column`.

    Filled on every INSERT, the ORM's and plain ones alike; names are never renamed to
    another key (a contract's upsert finds its row by the key), so no UPDATE refreshes it.
    """

    def default(context: Any) -> str:
        return name_key(context.get_current_parameters()[column])

    return default


class PodRow(Base):
    """A POD as last synced from the config file; rows stay when a POD leaves the config."""

    __tablename__ = "pods"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    channel: Mapped[str] = mapped_column(String(32), unique=True)
    timezone: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    members: Mapped[list[Member]] = relationship(back_populates="pod", cascade="all, delete-orphan")


class Member(Base):
    """A user's role in one POD (one role per POD, SPEC §1)."""

    __tablename__ = "members"
    __table_args__ = (
        UniqueConstraint("pod_id", "user_id"),
        CheckConstraint(_in("role", Role), name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pod_id: Mapped[int] = mapped_column(ForeignKey("pods.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(String(32), index=True)
    role: Mapped[str] = mapped_column(String(16))

    pod: Mapped[PodRow] = relationship(back_populates="members")


class Person(Base):
    """A Slack member's name as podbot shows it where a mention does not render (charts, CSV
    files, plain text): looked up with `users.info` by the `people-refresh` job, updated by the
    `user_change` event. A member with no row is shown by their id."""

    __tablename__ = "people"

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    tz: Mapped[str | None] = mapped_column(String(64))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ImportState(enum.StrEnum):
    IMPORTING = "importing"  # being written in batches: its rows are seen by nothing else
    COMPLETE = "complete"  # every row written: its rows are like any other
    FAILED = "failed"  # refused or stopped: its rows are seen by nothing, then deleted


class ImportRun(Base):
    """One run of `podbot import requests`: the rows it writes (requests, their timelines,
    their cards' outbox rows) carry its id and stay out of every reader's sight until it is
    complete (`bot.db.visible`), so a big file is written in short transactions
    (`bot.db.imports`) and still lands whole or not at all."""

    __tablename__ = "imports"
    __table_args__ = (
        CheckConstraint(_in("state", ImportState), name="state"),
        CheckConstraint("kind IN ('requests')", name="kind"),
        CheckConstraint("written >= 0 AND written <= rows", name="written"),
        CheckConstraint("(state = 'importing') = (finished_at IS NULL)", name="finished"),
        # One import of a kind written at a time: a second is refused, or takes over a dead one.
        Index(
            "uq_imports_running_kind",
            "kind",
            unique=True,
            sqlite_where=text("state = 'importing'"),
            postgresql_where=text("state = 'importing'"),
        ),
        # The imports not complete, which the worker's take and every reader leave out
        # (`bot.db.visible.published`): a look-up, so no plan of theirs scans this table.
        Index("ix_imports_state", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    file_name: Mapped[str] = mapped_column(String(255))
    state: Mapped[str] = mapped_column(String(16), default=ImportState.IMPORTING.value)
    rows: Mapped[int] = mapped_column(Integer)  # the new rows it is to write
    written: Mapped[int] = mapped_column(Integer, default=0)  # how many so far
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Touched by every batch: an import not touched for `imports.STALE_AFTER` has died.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)  # why it failed


class Request(Base):
    """One procurement for one customer and one tool; its number n is the key REQ-n."""

    __tablename__ = "requests"
    __table_args__ = (
        CheckConstraint(_in("type", RequestType), name="type"),
        CheckConstraint(_in("stage", Stage), name="stage"),
        CheckConstraint(f"outcome IS NULL OR {_in('outcome', Outcome)}", name="outcome"),
        CheckConstraint(
            "(stage = 'closed' AND outcome IS NOT NULL AND closed_at IS NOT NULL)"
            " OR (stage <> 'closed' AND outcome IS NULL)",
            name="closed_has_outcome",
        ),
        CheckConstraint(
            "stage <> 'negotiating' OR (buyer_id IS NOT NULL AND assigned_at IS NOT NULL"
            " AND tat_due_at IS NOT NULL)",
            name="negotiating_has_buyer",
        ),
        CheckConstraint("amount IS NULL OR amount >= 0", name="amount_not_negative"),
        CheckConstraint("length(currency) = 3", name="currency"),
        CheckConstraint("length(trim(customer)) > 0 AND length(trim(tool)) > 0", name="named"),
        UniqueConstraint("card_channel", "card_ts"),
        Index("ix_requests_pod_id_stage", "pod_id", "stage"),
        # A quarter's figures: the POD's requests closed or created in it, a tool's requests.
        Index("ix_requests_pod_id_closed_at", "pod_id", "closed_at"),
        Index("ix_requests_pod_id_created_at", "pod_id", "created_at"),
        # A tool's requests in a POD, read from the index (the per-seat benchmarks, issue 34).
        Index("ix_requests_tool_key_pod_id", "tool_key", "pod_id", "import_id"),
        # A buyer's negotiations, the next update due first (a Home's list: LIMIT 8 and a count
        # read from the index, however many requests the buyer ever had).
        Index(
            "ix_requests_negotiations",
            *("pod_id", "stage", "buyer_id"),
            text("coalesce(last_update_at, assigned_at)"),
            "import_id",
        ),
        # What a claim's sum asks of its request (POD, buyer, customer, import), read from the
        # index rather than the request's row.
        Index(
            "ix_requests_claim_scope", *("id", "pod_id", "buyer_id", "customer_key", "import_id")
        ),
        # The POD's requests closed won, by close time, with what benchmark attainment asks of
        # them (`bot.db.kpis`, migration 0035).
        Index(
            "ix_requests_won",
            *("pod_id", "closed_at", "buyer_id", "created_at", "assigned_at", "outcome"),
            sqlite_where=text("outcome = 'won'"),
            postgresql_where=text("outcome = 'won'"),
        ),
        # The POD's breaches, longest past first (a Home's lists).
        Index("ix_requests_pod_stage_tat_due_at", "pod_id", "stage", "tat_due_at", "import_id"),
        Index(
            "ix_requests_pod_stage_qualification_due_at",
            *("pod_id", "stage", "qualification_due_at", "import_id"),
        ),
        # Parallel negotiations and benchmarks compare names by key, never by `lower()`.
        Index("ix_requests_customer_key_tool_key", "customer_key", "tool_key"),
        # The rows of one import, to delete them if it fails (a few imports among many rows).
        Index(
            "ix_requests_import_id",
            "import_id",
            sqlite_where=text("import_id IS NOT NULL"),
            postgresql_where=text("import_id IS NOT NULL"),
        ),
        # AUTOINCREMENT on SQLite: a REQ-n number is never reused, even after a delete.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pod_id: Mapped[int] = mapped_column(ForeignKey("pods.id"))
    customer: Mapped[str] = mapped_column(String(200))
    tool: Mapped[str] = mapped_column(String(200))
    # `name_key` of customer and tool: what requests and contracts are matched on.
    customer_key: Mapped[str] = mapped_column(Text, default=_key_of("customer"))
    tool_key: Mapped[str] = mapped_column(Text, default=_key_of("tool"))
    kind: Mapped[str] = mapped_column("type", String(16))
    stage: Mapped[str] = mapped_column(String(16), default=Stage.INTAKE.value)
    outcome: Mapped[str | None] = mapped_column(String(16))
    amount: Mapped[Decimal | None] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(String(3))
    renewal_date: Mapped[date | None] = mapped_column(Date)
    notes: Mapped[str | None] = mapped_column(Text)
    resolution_note: Mapped[str | None] = mapped_column(Text)

    created_by: Mapped[str] = mapped_column(String(32))
    analyst_id: Mapped[str | None] = mapped_column(String(32))
    buyer_id: Mapped[str | None] = mapped_column(String(32), index=True)

    # The instants each clock of SPEC §2 needs, all UTC.
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    qualification_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    qualified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assigned_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tat_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_update_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The clocks the KPI rules judge, recorded when they are decided (`bot.db.request_clocks`):
    # the qualification due (holds aside), the negotiation TAT due as judged (moved by holds),
    # and the working-day numbers of the day after assignment and of the close day.
    triage_due_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tat_due_by: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cadence_from: Mapped[int | None] = mapped_column(Integer)
    cadence_stop: Mapped[int | None] = mapped_column(Integer)
    # A won request's new term written to the SaaS stack (its contract updated or created).
    term_recorded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    term_recorded_by: Mapped[str | None] = mapped_column(String(32))
    # A pre-approval sent to the customer while in intake: meets the qualification clock and
    # starts the waiting-on-customer clock (`[clocks] preapproval_hours`).
    preapproved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    preapproved_by: Mapped[str | None] = mapped_column(String(32))
    # Issue 33's close guards: a recorded "sole source" (no competing quote needed) and "no
    # saving" (no claim needed), each with its reason; at a won close, whether every guard of
    # the POD was met (null: closed otherwise, or before the guards), and an em's override.
    sole_source_reason: Mapped[str | None] = mapped_column(Text)
    no_saving_reason: Mapped[str | None] = mapped_column(Text)
    guards_met: Mapped[bool | None] = mapped_column(Boolean)
    guards_override_by: Mapped[str | None] = mapped_column(String(32))
    guards_override_reason: Mapped[str | None] = mapped_column(Text)

    card_channel: Mapped[str | None] = mapped_column(String(32))
    card_ts: Mapped[str | None] = mapped_column(String(32))
    # The tracker's id of a request brought in by `podbot import requests` (else null).
    external_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    # The import that wrote it (null: made in Slack); unseen until that import is complete.
    import_id: Mapped[int | None] = mapped_column(ForeignKey("imports.id"))

    pod: Mapped[PodRow] = relationship()
    events: Mapped[list[RequestEvent]] = relationship(
        back_populates="request", order_by="RequestEvent.id"
    )

    @property
    def key(self) -> str:
        """The request's key as users write it, e.g. REQ-12."""
        return f"REQ-{self.id}"


class RequestEvent(Base):
    """One line of a request's timeline: what happened, who did it, when."""

    __tablename__ = "request_events"
    __table_args__ = (
        Index("ix_request_events_request_id_id", "request_id", "id"),
        # A quarter's updates with the request and working day each recorded (`request_clocks`).
        Index("ix_request_events_update_days", "kind", "at", "request_id", "work_day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    text: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # An update's working-day number in its POD's calendar (-1 on a day off), recorded as it
    # is written (`bot.db.request_clocks`); null for other events, or not recorded yet.
    work_day: Mapped[int | None] = mapped_column(Integer)

    request: Mapped[Request] = relationship(back_populates="events")


class ProcurementStep(Base):
    """One procurement step of a negotiating request (vendor qualification, security review,
    legal redline, PO): where it waits, not a lifecycle stage. Open while `done_at` is null."""

    __tablename__ = "procurement_steps"
    __table_args__ = (
        CheckConstraint(
            "stage IN ('vendor-qualification', 'security-review', 'legal-redline', 'po')",
            name="stage",
        ),
        CheckConstraint("(done_at IS NULL) = (done_by IS NULL)", name="done_has_who"),
        Index("ix_procurement_steps_request_id_id", "request_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    stage: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_by: Mapped[str] = mapped_column(String(32))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    done_by: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)


class Hold(Base):
    """A hold on a request's clock while the customer or the vendor has the ball (issue 30):
    open while `ended_at` is null, at most one open per request (a partial unique index).
    `due_before` is the clock's due instant when the hold began: the first hold's is the
    clock's original due (bot/domain/holds.py: due = original + total held)."""

    __tablename__ = "holds"
    __table_args__ = (
        CheckConstraint(_in("clock", HeldClock), name="clock"),
        CheckConstraint(_in("party", HoldParty), name="party"),
        CheckConstraint("(ended_at IS NULL) = (ended_by IS NULL)", name="ended_has_who"),
        CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ends_after_start"),
        Index("ix_holds_request_id_id", "request_id", "id"),
        Index(
            "uq_holds_open_request",
            "request_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    clock: Mapped[str] = mapped_column(String(16))
    party: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    due_before: Mapped[datetime] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    started_by: Mapped[str] = mapped_column(String(32))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by: Mapped[str | None] = mapped_column(String(32))


class Vendor(Base):
    """A vendor as a record of its own (issue 33), matched by name key across requests and PODs
    (a request's vendor is its tool); its qualification documents are its file."""

    __tablename__ = "vendors"
    __table_args__ = (CheckConstraint("length(trim(name)) > 0", name="named"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(Text, unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class VendorDocument(Base):
    """One qualification document of a vendor's file (the latest of its kind): received,
    expiring, checked by whom. Its expiry reminders and flags are ledger runs of the
    `vendor-files` job (once per document, expiry and threshold, per POD)."""

    __tablename__ = "vendor_documents"
    __table_args__ = (
        CheckConstraint(
            "kind IN ('soc2', 'iso27001', 'insurance', 'w9', 'financials')", name="kind"
        ),
        UniqueConstraint("vendor_id", "kind"),
        Index("ix_vendor_documents_expires_on", "expires_on"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    received_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    checked_by: Mapped[str] = mapped_column(String(32))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ChecklistEntry(Base):
    """One contract checklist item's state on a request (issue 33): not started (no row),
    requested, done, or not applicable with its reason."""

    __tablename__ = "checklist_items"
    __table_args__ = (
        CheckConstraint("state IN ('not_started', 'requested', 'done', 'na')", name="state"),
        CheckConstraint("state <> 'na' OR reason IS NOT NULL", name="na_has_reason"),
        UniqueConstraint("request_id", "item"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    item: Mapped[str] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    # The auto-renewal item's notice period, in days: the contract's notice deadline when its
    # new term is recorded (`close … won | …`, the new-term modal's prefill).
    notice_days: Mapped[int | None] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(32))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Quote(Base):
    """A competing quote from a vendor or reseller; a vendor's later quote on the same request
    (by `vendor_key`) revises its earlier one (SPEC §4)."""

    __tablename__ = "quotes"
    __table_args__ = (
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("length(currency) = 3", name="currency"),
        # The resellers of a tool's requests (the playbook), read from the index.
        Index("ix_quotes_request_id_currency", *("request_id", "currency", "vendor_key", "amount")),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    vendor: Mapped[str] = mapped_column(String(200))
    vendor_key: Mapped[str] = mapped_column(Text, default=_key_of("vendor"))
    amount: Mapped[Decimal] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(String(3))
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


BENCHMARK_COLUMNS = ("request_id", "created_at", "quantity", "annual_unit_price", "plan_key",
                     "quote_id", "currency")  # fmt: skip


class QuoteLine(Base):
    """A line item of an itemised quote (issue 34): `quantity` units of `plan` at `unit_price`
    per `cycle` for `term_months`, and that price normalised to a year per unit in the POD's
    currency (`annual_unit_price`), what the per-unit benchmarks compare."""

    __tablename__ = "quote_lines"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="quantity_positive"),
        CheckConstraint("unit_price >= 0", name="unit_price_not_negative"),
        CheckConstraint("annual_unit_price >= 0", name="annual_not_negative"),
        CheckConstraint("term_months >= 1", name="term_positive"),
        CheckConstraint("cycle IN ('monthly', 'annual', 'term')", name="cycle"),
        CheckConstraint("length(currency) = 3", name="currency"),
        # A tool's lines in the benchmarks' window, read from the index (issue 34).
        Index("ix_quote_lines_benchmark", *BENCHMARK_COLUMNS),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    quote_id: Mapped[int] = mapped_column(ForeignKey("quotes.id", ondelete="CASCADE"), index=True)
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), index=True
    )
    plan: Mapped[str | None] = mapped_column(String(200))
    plan_key: Mapped[str | None] = mapped_column(Text)
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(String(3))
    cycle: Mapped[str] = mapped_column(String(8))
    term_months: Mapped[int] = mapped_column(Integer)
    annual_unit_price: Mapped[Decimal] = mapped_column(MoneyAmount)
    # Not indexed alone: a walk of every line in the window is the plan stale statistics
    # chose over a tool's own lines (`ix_quote_lines_benchmark` has it after `request_id`).
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SavingsClaim(Base):
    """A savings claim awaiting, or carrying, the engagement manager's one decision."""

    __tablename__ = "savings_claims"
    __table_args__ = (
        CheckConstraint(_in("kind", ClaimKind), name="kind"),
        CheckConstraint(_in("status", ClaimStatus), name="status"),
        CheckConstraint("baseline > 0", name="baseline_positive"),
        CheckConstraint("final >= 0", name="final_not_negative"),
        CheckConstraint("final < baseline", name="final_below_baseline"),
        CheckConstraint("length(currency) = 3", name="currency"),
        CheckConstraint(
            "(status IN ('approved', 'rejected'))"
            " = (decided_by IS NOT NULL AND decided_at IS NOT NULL)",
            name="decided_once",
        ),
        CheckConstraint("decided_by IS NULL OR decided_by <> created_by", name="not_own_claim"),
        CheckConstraint(
            "status <> 'rejected' OR length(trim(reason)) > 0", name="rejection_has_reason"
        ),
        # At most one pending claim per request: a new one supersedes the old (SPEC §4).
        Index(
            "uq_savings_claims_one_pending",
            "request_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        # The quarter's claims by decision (summed per buyer), and a request's claims.
        Index(
            "ix_savings_claims_status_decided_at",
            *("status", "decided_at", "superseded_at", "kind", "currency", "request_id"),
            *("baseline", "final"),  # covering: a quarter's sum reads the index alone
        ),
        # A Home's pending claims, oldest first (the statement says `status = 'pending'`).
        Index(
            "ix_savings_claims_pending_created_at",
            "created_at",
            "id",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_savings_claims_request_id", "request_id"),
        # What each approved claim's figures stood at (`bot.db.claim_ledger`): a tool's approved
        # claims in decision order, and those not recorded yet (tool_key NULL), by one index;
        # a customer's in decision order with their running total.
        Index(
            "ix_savings_claims_approved_tool_key",
            *("tool_key", "decided_at", "id"),
            sqlite_where=text("status = 'approved'"),
            postgresql_where=text("status = 'approved'"),
        ),
        Index(
            "ix_savings_claims_customer_key_currency_decided_at",
            *("customer_key", "currency", "decided_at", "id", "customer_to_date"),
        ),
        # A request's approved claims, latest first, with whether each beat its benchmark:
        # benchmark attainment's lookup per won request (migration 0035).
        Index(
            "ix_savings_claims_approved_request_id",
            *("request_id", "decided_at", "id", "superseded_at", "beats_benchmark", "status"),
            sqlite_where=text("status = 'approved'"),
            postgresql_where=text("status = 'approved'"),
        ),
        Index(
            "ix_savings_claims_superseded_at",
            "superseded_at",
            sqlite_where=text("superseded_at IS NOT NULL"),
            postgresql_where=text("superseded_at IS NOT NULL"),
        ),
        # A revision's approval supersedes the claim it revises, at that instant, once.
        CheckConstraint(
            "(revised_by_id IS NULL) = (superseded_at IS NULL)", name="superseded_when_revised"
        ),
        CheckConstraint(
            "superseded_at IS NULL OR status = 'approved'", name="only_approved_revised"
        ),
        CheckConstraint("revises_id IS NULL OR NOT additional", name="additional_revises_none"),
        # One effective claim per request and kind, beside the claims marked additional.
        Index(
            "uq_savings_claims_one_effective",
            "request_id",
            "kind",
            unique=True,
            sqlite_where=text(EFFECTIVE_PRIMARY),
            postgresql_where=text(EFFECTIVE_PRIMARY),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    baseline: Mapped[Decimal] = mapped_column(MoneyAmount)
    final: Mapped[Decimal] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[str] = mapped_column(String(16), default=ClaimStatus.PENDING.value)
    created_by: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    decided_by: Mapped[str | None] = mapped_column(String(32))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reason: Mapped[str | None] = mapped_column(Text)
    superseded_by_id: Mapped[int | None] = mapped_column(ForeignKey("savings_claims.id"))
    message_channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))
    # The buyer's mark: a saving beside the request's claim (its own baseline), not a revision.
    additional: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Tagged *right-sizing* (issue 34): the saving came from fewer seats, as the usage showed.
    right_sizing: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The approved claim this one revises (set when it is made, confirmed at its approval).
    revises_id: Mapped[int | None] = mapped_column(ForeignKey("savings_claims.id"))
    # Set on an approved claim when a revision of it is approved: from then on it no longer
    # counts (`bot.db.savings.effective_claim`), though it stays approved.
    revised_by_id: Mapped[int | None] = mapped_column(ForeignKey("savings_claims.id"))
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Recorded in the approval's transaction (`bot.db.claim_ledger`), NULL until approved: the
    # request's tool and customer keys, the tool's benchmark when this claim was approved (the
    # mean % of the tool's other requests, each by its latest approved claim, exact decimal
    # text), the running state that benchmark came from (the sum of those requests' % and how
    # many), and the customer's effective savings in this currency to date (TARGET_KINDS, in
    # decision order; NULL for a claim that does not count now).
    tool_key: Mapped[str | None] = mapped_column(Text)
    customer_key: Mapped[str | None] = mapped_column(Text)
    tool_benchmark: Mapped[str | None] = mapped_column(String(64))
    tool_percent_sum: Mapped[str | None] = mapped_column(String(64))
    tool_requests: Mapped[int | None] = mapped_column(Integer)
    customer_to_date: Mapped[Decimal | None] = mapped_column(MoneyAmount)
    # Whether this claim passed against that benchmark (`bot.domain.kpis.beats_benchmark`):
    # NULL with no benchmark, so benchmark attainment is counted in SQL (migration 0035).
    beats_benchmark: Mapped[bool | None] = mapped_column(Boolean)


class ClaimApproval(Base):
    """One approval of a savings claim: step 0 is the em's (or a fallback approver's), later
    steps the approvers `pods[].approval_rules` name (SPEC §4). The claim's status turns
    `approved` only with its last step's row; nobody approves one claim twice, and each step
    is approved once."""

    __tablename__ = "claim_approvals"
    __table_args__ = (
        UniqueConstraint("claim_id", "approver_id"),
        UniqueConstraint("claim_id", "step"),
        CheckConstraint("step >= 0", name="step"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    claim_id: Mapped[int] = mapped_column(ForeignKey("savings_claims.id", ondelete="CASCADE"))
    step: Mapped[int] = mapped_column(Integer)
    approver_id: Mapped[str] = mapped_column(String(32))
    # Set when the approver decided as cover for someone away (`absences`): who that was.
    covering_for: Mapped[str | None] = mapped_column(String(32))
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AbsenceRow(Base):
    """A person away (`/proc away`): until the start of `until`, their return day, in their
    POD's zone; `cover_id` stands in for them. One row per person; `/proc back` deletes it."""

    __tablename__ = "absences"
    __table_args__ = (
        CheckConstraint("cover_id IS NULL OR cover_id <> user_id", name="not_own_cover"),
    )

    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    until: Mapped[date] = mapped_column(Date)
    cover_id: Mapped[str | None] = mapped_column(String(32))
    set_by: Mapped[str] = mapped_column(String(32))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Contract(Base):
    """One row of a customer's SaaS stack, with its renewal (end) date."""

    __tablename__ = "contracts"
    __table_args__ = (
        CheckConstraint(_in("billing_cycle", BillingCycle), name="billing_cycle"),
        CheckConstraint("annual_amount >= 0", name="amount_not_negative"),
        CheckConstraint("notice_days IS NULL OR notice_days >= 0", name="notice_days"),
        CheckConstraint("length(currency) = 3", name="currency"),
        CheckConstraint("seats IS NULL OR seats >= 1", name="seats"),
        # Upsert key of the SaaS stack: one contract per customer and tool, by `name_key`.
        Index("uq_contracts_customer_key_tool_key", "customer_key", "tool_key", unique=True),
        Index("ix_contracts_renewal_date", "renewal_date"),
        # `/proc benchmark` reads a tool's contracts in a POD (migration 0036).
        Index("ix_contracts_tool_key_pod_id", "tool_key", "pod_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pod_id: Mapped[int] = mapped_column(ForeignKey("pods.id"))
    customer: Mapped[str] = mapped_column(String(200))
    tool: Mapped[str] = mapped_column(String(200))
    customer_key: Mapped[str] = mapped_column(Text, default=_key_of("customer"))
    tool_key: Mapped[str] = mapped_column(Text, default=_key_of("tool"))
    annual_amount: Mapped[Decimal] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(String(3))
    renewal_date: Mapped[date] = mapped_column(Date)
    billing_cycle: Mapped[str] = mapped_column(String(16), default=BillingCycle.ANNUAL.value)
    auto_renew: Mapped[bool | None] = mapped_column(Boolean)
    notice_days: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The POD-local day the contract moved from monthly to annual billing (counted once).
    converted_on: Mapped[date | None] = mapped_column(Date)
    # Its line item (issue 34): the seats and plan the annual amount pays for.
    seats: Mapped[int | None] = mapped_column(Integer)
    plan: Mapped[str | None] = mapped_column(String(200))
    # `name_key(plan)`, as a quote line's `plan_key`: the contract is a deal of that plan.
    plan_key: Mapped[str | None] = mapped_column(Text)


class UsageSnapshot(Base):
    """A customer's seats of a tool as of a day (`podbot import usage`, issue 34): assigned,
    and active in the 60 days before. Every day imported is kept (the history); the latest
    is what a renewal shows."""

    __tablename__ = "usage_snapshots"
    __table_args__ = (
        CheckConstraint("seats_assigned >= 1", name="assigned"),
        CheckConstraint("seats_active >= 0 AND seats_active <= seats_assigned", name="active"),
        Index(
            "uq_usage_snapshots_customer_key_tool_key_as_of",
            *("customer_key", "tool_key", "as_of"),
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    customer: Mapped[str] = mapped_column(String(200))
    customer_key: Mapped[str] = mapped_column(Text, default=_key_of("customer"))
    tool: Mapped[str] = mapped_column(String(200))
    tool_key: Mapped[str] = mapped_column(Text, default=_key_of("tool"))
    as_of: Mapped[date] = mapped_column(Date)
    seats_assigned: Mapped[int] = mapped_column(Integer)
    seats_active: Mapped[int] = mapped_column(Integer)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ExchangeRateRow(Base):
    """One unit of `currency` in `to_currency` on `day` (`podbot import rates`, issue 34): a
    line item in another currency is converted at the rate on or before its quote's day."""

    __tablename__ = "exchange_rates"
    __table_args__ = (
        CheckConstraint("rate > 0", name="rate_positive"),
        CheckConstraint(
            "length(currency) = 3 AND length(to_currency) = 3 AND currency <> to_currency",
            name="currencies",
        ),
        Index(
            "uq_exchange_rates_currency_to_currency_day",
            *("currency", "to_currency", "day"),
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    to_currency: Mapped[str] = mapped_column(String(3))
    rate: Mapped[Decimal] = mapped_column(ExchangeRate)
    imported_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Account(Base):
    """A customer of a POD: when it started and was handed over, when its contract with us
    ends, the money it is measured by (MSG, PSE, ATS) and its health as the em judges it."""

    __tablename__ = "accounts"
    __table_args__ = (
        CheckConstraint(_in("health", Health), name="health"),
        CheckConstraint("msg IS NULL OR msg >= 0", name="msg_not_negative"),
        CheckConstraint("pse IS NULL OR pse >= 0", name="pse_not_negative"),
        CheckConstraint("ats IS NULL OR ats >= 0", name="ats_not_negative"),
        CheckConstraint("fee IS NULL OR fee >= 0", name="fee_not_negative"),
        CheckConstraint("length(currency) = 3", name="currency"),
        CheckConstraint("length(trim(customer)) > 0", name="named"),
        # One account per customer, by `name_key`: the import's upsert key.
        Index("uq_accounts_customer_key", "customer_key", unique=True),
        Index("ix_accounts_pod_id", "pod_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pod_id: Mapped[int] = mapped_column(ForeignKey("pods.id"))
    customer: Mapped[str] = mapped_column(String(200))
    customer_key: Mapped[str] = mapped_column(Text, default=_key_of("customer"))
    initiated: Mapped[date | None] = mapped_column(Date)  # the customer's start with us
    handover: Mapped[date | None] = mapped_column(Date)  # handed over to the POD
    term_end: Mapped[date | None] = mapped_column(Date)  # the customer's contract with us ends
    # Minimum Savings Guarantee, Potential Savings Estimate, annual SaaS spend on the platform;
    # all three in `currency`.
    msg: Mapped[Decimal | None] = mapped_column(MoneyAmount)
    pse: Mapped[Decimal | None] = mapped_column(MoneyAmount)
    ats: Mapped[Decimal | None] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(String(3))
    health: Mapped[str] = mapped_column(String(16), default=Health.NEUTRAL.value)
    health_note: Mapped[str | None] = mapped_column(Text)
    # When the em last set the health (the catch-up pack flags one older than 14 days).
    health_set_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the customer pays us a year, in `currency`: the leadership report's ROI divides
    # approved savings by it (issue 35).
    fee: Mapped[Decimal | None] = mapped_column(MoneyAmount)
    # The customer's people its updates are emailed to, `a@x.com, b@y.com` (issue 32).
    contacts: Mapped[str | None] = mapped_column(Text)
    # The customer's Slack channel (internal or Slack Connect) and what podbot keeps there: its
    # channel canvas, or — where the plan allows none — a pinned message edited in place; a
    # canvas a person deleted is recreated once (`canvas_recreated`).
    customer_channel: Mapped[str | None] = mapped_column(String(32))
    canvas_id: Mapped[str | None] = mapped_column(String(32))
    canvas_message_ts: Mapped[str | None] = mapped_column(String(32))
    canvas_recreated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The canvas's sections as last written, heading -> markdown: an edit replaces only the
    # sections that changed.
    canvas_sections: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A Slack user id, or `import` for `podbot import accounts`.
    updated_by: Mapped[str] = mapped_column(String(32))

    pod: Mapped[PodRow] = relationship()


class CustomerUpdate(Base):
    """A customer update drafted for an account (issue 32): the bi-weekly one of its
    fortnight (`period`: the Monday it was due) or one asked for (`period`: that day), its
    text as drafted, and whether it was sent — by podbot's email (`sent`), or marked sent by
    the analyst or csm who sent it themselves (`marked`)."""

    __tablename__ = "customer_updates"
    __table_args__ = (
        CheckConstraint(_in("status", UpdateStatus), name="status"),
        CheckConstraint(
            "status NOT IN ('sent', 'marked') OR sent_at IS NOT NULL", name="sent_has_when"
        ),
        Index("ix_customer_updates_account_id_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    period: Mapped[date] = mapped_column(Date)
    since: Mapped[date | None] = mapped_column(Date)  # what closed since: the last update's day
    subject: Mapped[str] = mapped_column(Text)
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    recipients: Mapped[str] = mapped_column(Text)  # the To: as drafted ("" when none known)
    status: Mapped[str] = mapped_column(String(16), default=UpdateStatus.DRAFTED.value)
    drafted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    drafted_by: Mapped[str] = mapped_column(String(32))  # a user id, or `podbot` (the job)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_by: Mapped[str | None] = mapped_column(String(32))
    send_result: Mapped[str | None] = mapped_column(Text)  # the SMTP server's answer

    account: Mapped[Account] = relationship()


class PreapprovalAsk(Base):
    """A pre-approval posted in the customer's channel for the customer to answer (issue 32):
    **Approve** or **Needs changes** (with a reason), answered once, by someone of the
    customer's (in the channel, in no POD)."""

    __tablename__ = "preapproval_asks"
    __table_args__ = (
        CheckConstraint("answer IS NULL OR answer IN ('approved', 'changes')", name="answer"),
        CheckConstraint(
            "(answer IS NULL) = (answered_by IS NULL) AND (answer IS NULL) = (answered_at IS NULL)",
            name="answered_has_who",
        ),
        Index("ix_preapproval_asks_request_id", "request_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    channel: Mapped[str] = mapped_column(String(32))
    question: Mapped[str] = mapped_column(Text)
    asked_by: Mapped[str] = mapped_column(String(32))
    asked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    answer: Mapped[str | None] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str | None] = mapped_column(String(32))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    request: Mapped[Request] = relationship()


class Target(Base):
    """A quarter's savings target for a POD, or for one of its members (buyer or em)."""

    __tablename__ = "targets"
    __table_args__ = (
        CheckConstraint(_in("scope", TargetScope), name="scope"),
        CheckConstraint("(scope = 'pod') = (member_id IS NULL)", name="member_iff_member_scope"),
        CheckConstraint("amount >= 0", name="amount_not_negative"),
        CheckConstraint("length(currency) = 3", name="currency"),
        CheckConstraint("length(quarter) = 6", name="quarter"),
        # Unique (pod, quarter, scope, member); NULL members are distinct in a plain unique
        # constraint, so each scope has its own partial index.
        Index(
            "uq_targets_pod_quarter",
            "pod_id",
            "quarter",
            unique=True,
            sqlite_where=text("scope = 'pod'"),
            postgresql_where=text("scope = 'pod'"),
        ),
        Index(
            "uq_targets_member_quarter",
            "pod_id",
            "quarter",
            "member_id",
            unique=True,
            sqlite_where=text("scope = 'member'"),
            postgresql_where=text("scope = 'member'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pod_id: Mapped[int] = mapped_column(ForeignKey("pods.id"))
    quarter: Mapped[str] = mapped_column(String(6))  # `YYYYQn`, the POD's fiscal quarter
    scope: Mapped[str] = mapped_column(String(8))
    member_id: Mapped[str | None] = mapped_column(String(32))
    amount: Mapped[Decimal] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(String(3))
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
    set_by: Mapped[str] = mapped_column(String(32))  # a Slack user id, or `import`

    changes: Mapped[list[TargetChange]] = relationship(
        back_populates="target", order_by="TargetChange.id"
    )


class TargetChange(Base):
    """The audit trail of a target: every value it was set to, by whom and when."""

    __tablename__ = "target_changes"
    __table_args__ = (
        CheckConstraint("new_amount >= 0", name="new_amount_not_negative"),
        CheckConstraint("length(new_currency) = 3", name="new_currency"),
        CheckConstraint(
            "(old_amount IS NULL) = (old_currency IS NULL)", name="old_amount_has_currency"
        ),
        Index("ix_target_changes_target_id_id", "target_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("targets.id", ondelete="CASCADE"))
    old_amount: Mapped[Decimal | None] = mapped_column(MoneyAmount)  # None: first set
    old_currency: Mapped[str | None] = mapped_column(String(3))
    new_amount: Mapped[Decimal] = mapped_column(MoneyAmount)
    new_currency: Mapped[str] = mapped_column(String(3))
    changed_by: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime)

    target: Mapped[Target] = relationship(back_populates="changes")


class JobRun(Base):
    """The run ledger: a job run records (job, scope, period) once, in the transaction that
    queues everything it sends (`done`; `claimed` and `failed` are left by podbot before 0.6)."""

    __tablename__ = "job_runs"
    __table_args__ = (
        UniqueConstraint("job", "scope", "period"),
        CheckConstraint(_in("status", RunStatus), name="status"),
        Index("ix_job_runs_status", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    job: Mapped[str] = mapped_column(String(64))
    # A POD key, or "*" for a run that covers every POD.
    scope: Mapped[str] = mapped_column(String(64))
    # The period the run covers: a local date, a quarter, a 15-minute slot, a breach id.
    period: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default=RunStatus.CLAIMED.value)
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str] = mapped_column(String(128))
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class ProcessedEvent(Base):
    """A Slack request already handled: an Events API delivery (Slack retries carry the same
    event_id) or a command, click or submission (`trigger:<trigger_id>`, see
    `bot.db.session.once_per_slack_request`)."""

    __tablename__ = "processed_events"

    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ResponseState(enum.StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    MARKED = "marked"  # "Mark answered" in a reminder
    WITHDRAWN = "withdrawn"  # the mention was deleted or edited away


class PendingResponse(Base):
    """A POD member mentioned in a POD channel who owes a reply in that thread (SPEC §2)."""

    __tablename__ = "pending_responses"
    __table_args__ = (
        UniqueConstraint("channel", "message_ts", "member"),
        CheckConstraint(_in("state", ResponseState), name="state"),
        CheckConstraint("(state = 'open') = (closed_at IS NULL)", name="closed_when_not_open"),
        Index("ix_pending_responses_state_due_at", "state", "due_at"),
        Index("ix_pending_responses_channel_thread_ts", "channel", "thread_ts"),
        # A POD's mentions of a period with all the reply rule reads (`reply_clocks`): the
        # quarter's count reads the index alone, however the mentions lie in the table.
        Index(
            "ix_pending_responses_reply_clock",
            *("pod_id", "mentioned_at", "state", "member", "closed_at"),
            *("reply_late_from", "reply_due_by"),
        ),
        # The mentions whose reply clock is not recorded yet (`bot.db.reply_clocks.record`).
        Index(
            "ix_pending_responses_reply_unrecorded",
            "pod_id",
            sqlite_where=text("reply_due_by IS NULL"),
            postgresql_where=text("reply_due_by IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pod_id: Mapped[int] = mapped_column(ForeignKey("pods.id"))
    channel: Mapped[str] = mapped_column(String(32))
    # The mentioning message, and the thread a reply must land in (its own ts if top-level).
    message_ts: Mapped[str] = mapped_column(String(32))
    thread_ts: Mapped[str] = mapped_column(String(32))
    author: Mapped[str] = mapped_column(String(32))
    member: Mapped[str] = mapped_column(String(32))
    mentioned_at: Mapped[datetime] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    escalate_at: Mapped[datetime] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(16), default=ResponseState.OPEN.value)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The reply clock, recorded when the mention opens (`bot.db.reply_clocks`): unanswered at
    # or after `reply_late_from` it is a miss; answered by `reply_due_by` it is in time. NULL:
    # not recorded yet (written around the use case).
    reply_late_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reply_due_by: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReminderKind(enum.StrEnum):
    UPDATE = "update"  # a negotiating request without a buyer update for 24 working hours
    MENTION = "mention"  # an unanswered mention past 24 working hours
    ESCALATION = "escalation"  # an unanswered mention past 48 working hours, to the em(s)
    TERM = "term"  # a won request's new term unrecorded 24 working hours after the close
    APPROVAL = "approval"  # a savings claim pending for 24 working hours, to the em(s)
    BREACH = "breach"  # an open qualification or negotiation breach, to the analysts
    TAT_WARNING = "tat_warning"  # a negotiation TAT due in 3 days, to the buyer and analysts
    # A pre-approved intake request waiting on the customer past `preapproval_hours`.
    PREAPPROVAL = "preapproval"
    # A stall or long hold told once in a digest (issue 30): a procurement stage past its
    # bound, a negotiation quiet for 14 days, a hold past `hold_review_days` (subject: the
    # request; window: when `tat-alerts` raised it).
    STALL = "stall"
    # The customer answered a pre-approval in their channel (issue 32): to the analysts.
    PREAPPROVAL_ANSWER = "preapproval_answer"
    # A won request whose buyer has not said which levers worked (issue 34's playbooks): the
    # buyer reminded once (subject: the request; window: the reminder's due instant).
    LEVERS = "levers"
    # A customer flagged for repeat incorrect requests (issue 35), to its csms and the ems
    # (subject: the flag's row; window: when it was flagged), told once.
    REPEAT_DQ = "repeat_dq"
    # A vendor document expiring within 30 days (issue 33), to the analysts (subject: the
    # document; window: 30 days before its expiry, so a new expiry is a new window), told once.
    VENDOR_EXPIRY = "vendor_expiry"
    # One person's digest of one kind for one local day (subject: the POD's row id, window:
    # "<kind>:<YYYY-MM-DD>"): at most one a day, across schedulers and reruns.
    DIGEST = "digest"


class Reminder(Base):
    """One reminder per (kind, subject, user, window): never the same reminder twice."""

    __tablename__ = "reminders"
    __table_args__ = (
        UniqueConstraint("kind", "subject", "user_id", "window"),
        CheckConstraint(_in("kind", ReminderKind), name="kind"),
        Index("ix_reminders_user_id_snoozed_until", "user_id", "snoozed_until"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    # The request id (update, term, breach, tat_warning), pending response id (mention,
    # escalation), savings claim id (approval) or POD row id (digest).
    subject: Mapped[int] = mapped_column(Integer)
    user_id: Mapped[str] = mapped_column(String(32))
    # The due instant that opened this window (ISO, UTC): a new update starts a new window.
    window: Mapped[str] = mapped_column(String(40))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Snoozed: remind once more at this instant (if still due), then clear it.
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    message_channel: Mapped[str | None] = mapped_column(String(32))
    message_ts: Mapped[str | None] = mapped_column(String(32))


class OutboxStatus(enum.StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DELIVERED = "delivered"
    PARKED = "parked"  # Slack refused it for good (e.g. invalid_blocks); logged loudly


class OutboxKind(enum.StrEnum):
    """What an outbox row sends (its `kind`); the worker has one sender per kind."""

    CARD = "card"  # a request's card, posted once, then edited in place
    THREAD = "thread"  # a reply in a request card's thread
    CLAIM = "claim"  # a savings claim's message in the thread, then edited in place
    UPDATE = "update"  # an edit of a message podbot posted (a reminder DM after a click)
    MESSAGE = "message"  # a job's post, top level or in the thread of its parent row's post
    DM = "dm"  # a direct message, its conversation opened when it is sent
    UPLOAD = "upload"  # a job's file (CSV, ICS) in the thread of its parent row's post
    HOME = "home"  # a user's App Home tab, rendered from the database when it is sent
    RESPOND = "respond"  # a slash command's answer after its ack, to its response_url
    CLICKUP = "clickup"  # a change to a request's ClickUp task (issue 31): bot/clickup/deliver.py
    EMAIL = "email"  # a customer update emailed by SMTP (issue 32), lane `email:<update id>`
    CANVAS = "canvas"  # an account's customer canvas, rendered when sent (issue 32)


class OutboxRow(Base):
    """A post, edit, DM or file decided in a transaction, delivered by the worker after it
    commits: a command's cards and thread replies, and every message a scheduled job sends.

    Deliveries in one `lane` (a request's card and thread, a DM conversation, one job run)
    go out in id order; different lanes go out concurrently. A row with a `parent` replies in
    the thread of the parent's message (a report's continuations and files): the parent is an
    earlier row of the same lane, so it has been sent when the row's turn comes.
    """

    __tablename__ = "deliveries"
    __table_args__ = (
        CheckConstraint(_in("status", OutboxStatus), name="status"),
        CheckConstraint("parent_id IS NULL OR parent_id < id", name="parent_before_child"),
        Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
        Index("ix_deliveries_lane_id", "lane", "id"),
        # Partial indexes over the open rows only, however many delivered rows pile up: a
        # channel's next due post, and whether a row has an earlier open row in its lane.
        Index(
            "ix_deliveries_pending_channel",
            "channel",
            "next_attempt_at",
            "id",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index(
            "ix_deliveries_open_lane",
            "lane",
            "id",
            sqlite_where=text("status IN ('pending', 'in_flight')"),
            postgresql_where=text("status IN ('pending', 'in_flight')"),
        ),
        Index(
            "ix_deliveries_import_id",
            "import_id",
            sqlite_where=text("import_id IS NOT NULL"),
            postgresql_where=text("import_id IS NOT NULL"),
        ),
        # The collapse checks on a command's ack path ("a card edit, a Home row still pending
        # in this lane?"): a lookup among the pending rows of the lane, however long the
        # backlog or the lane's history. Their queries write `status = 'pending'` literally,
        # so the planner can prove this WHERE (see bot/slack/outbox.py).
        Index(
            "ix_deliveries_pending_lane_kind",
            "lane",
            "kind",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        # Rows left in flight by a process that died, found among the few in flight (a plain
        # status index looks like half the table to a planner with statistics).
        Index(
            "ix_deliveries_in_flight",
            "claimed_at",
            sqlite_where=text("status = 'in_flight'"),
            postgresql_where=text("status = 'in_flight'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lane: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    # What the kind needs: a request or claim id, text and blocks, a channel.
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The channel a new message will be posted in, when it is known as the row is written
    # (None for edits, which Slack does not hold to a channel's pace): the worker claims no
    # row for a channel still inside its one-second window, so no thread waits on it.
    channel: Mapped[str | None] = mapped_column(String(32))
    # The row whose message this one replies under (its thread); None: top level or a card's.
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("deliveries.id"))
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING.value)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(128))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    # Where it landed: {"channel": …, "ts": …}.
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # The import whose card this is (`imports.id`): not taken until that import is complete.
    # No foreign key: adding one would make SQLite rebuild the outbox table and its indexes.
    import_id: Mapped[int | None] = mapped_column(Integer)
    # OAuth mode with many workspaces (issue 36): whose bot token sends it, the workspace
    # (T…) or the Grid org of an org-wide install (E…) its POD names; None: the only one.
    team_id: Mapped[str | None] = mapped_column(String(32))


class ChannelTurn(Base):
    """Whose turn it is to post in a channel, shared by every process on the database.

    Slack takes about one message per second per channel. Each process spaces its own posts;
    this row spaces posts from several processes (`serve` beside `scheduler`, `--workers`):
    a process takes the turn (`holder`, until `free_at` as a lease in case it dies), posts,
    and hands it back with `free_at` one interval after Slack answered.
    """

    __tablename__ = "channel_turns"

    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    free_at: Mapped[datetime] = mapped_column(UTCDateTime)
    holder: Mapped[str | None] = mapped_column(String(32))


class ClickUpLink(Base):
    """A request's ClickUp task (issue 31): created by podbot (`task_id` null until the
    worker has created it), linked with `/proc link`, or imported. `lane` is the outbox lane of
    its rows, fixed for the link's life (`clickup:<task id>`, or `clickup:REQ-n` for a task
    podbot creates, whose id is not known when its first rows are queued). What was last
    queued for the task (the timeline event mirrored, its status, due date and assignee) lets
    each change queue only what is new. `state` is `deleted` once ClickUp answered that the
    task is gone: nothing more is queued for it."""

    __tablename__ = "clickup_links"
    __table_args__ = (CheckConstraint("state IN ('active', 'deleted')", name="state"),)

    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True
    )
    list_id: Mapped[str] = mapped_column(String(64))
    task_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    lane: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), default="active")
    mirrored_event_id: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[str | None] = mapped_column(String(100))
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    assignee: Mapped[str | None] = mapped_column(String(32))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime)
    linked_by: Mapped[str] = mapped_column(String(32))


class ClickUpWebhook(Base):
    """A ClickUp webhook podbot made for a POD's list (`podbot clickup webhook create`), with
    the secret its events are signed with."""

    __tablename__ = "clickup_webhooks"

    webhook_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    list_id: Mapped[str] = mapped_column(String(64), index=True)
    endpoint: Mapped[str] = mapped_column(Text)
    secret: Mapped[str] = mapped_column(Text)
    # The ClickUp user whose token made it: podbot's own, whose changes are not echoed back.
    user_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ClickUpHistoryItem(Base):
    """A webhook's history item handled: a second delivery of it changes nothing."""

    __tablename__ = "clickup_history"

    item_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    task_id: Mapped[str | None] = mapped_column(String(64))
    event: Mapped[str] = mapped_column(String(32))
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class AccountPerson(Base):
    """A person of the customer in an account's people matrix (issue 35): their role in the
    buying decision, their escalation level (1 or 2, none when not an escalation contact) and
    when the POD last spoke with them."""

    __tablename__ = "account_people"
    __table_args__ = (
        CheckConstraint("role IN ('decision-maker', 'approver', 'champion', 'user')", name="role"),
        CheckConstraint("escalation IS NULL OR escalation IN (1, 2)", name="escalation"),
        CheckConstraint("length(trim(name)) > 0", name="named"),
        Index("uq_account_people_account_id_name_key", "account_id", "name_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    name_key: Mapped[str] = mapped_column(Text)
    role: Mapped[str] = mapped_column(String(16))
    escalation: Mapped[int | None] = mapped_column(Integer)
    last_contact: Mapped[date | None] = mapped_column(Date)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)
    added_by: Mapped[str] = mapped_column(String(32))


class AccountSentiment(Base):
    """The customer's sentiment as a csm or em read it, with a note: a history, newest last."""

    __tablename__ = "account_sentiments"
    __table_args__ = (
        CheckConstraint("sentiment IN ('positive', 'neutral', 'negative')", name="sentiment"),
        Index("ix_account_sentiments_account_id_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    sentiment: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text)
    set_at: Mapped[datetime] = mapped_column(UTCDateTime)
    set_by: Mapped[str] = mapped_column(String(32))


class RepeatDisqualificationFlag(Base):
    """A customer flagged for three or more disqualified requests in 30 days (issue 35): one
    row per flag, so a customer is flagged once until 30 days after its last flag."""

    __tablename__ = "repeat_disqualification_flags"
    __table_args__ = (
        Index(
            "uq_repeat_disqualification_flags_pod_id_customer_key_window",
            "pod_id",
            "customer_key",
            "window_start",
            unique=True,
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pod_id: Mapped[int] = mapped_column(ForeignKey("pods.id"))
    customer_key: Mapped[str] = mapped_column(Text)
    customer: Mapped[str] = mapped_column(String(200))
    # The day the 30-day window of the flag starts: its first counted disqualification.
    window_start: Mapped[date] = mapped_column(Date)
    reasons: Mapped[str] = mapped_column(Text)
    flagged_at: Mapped[datetime] = mapped_column(UTCDateTime)


class LeverAnswer(Base):
    """What worked on a won request, as its buyer said once (issue 34's playbooks): the levers
    (`bot.domain.playbooks.Lever` values, comma-separated) and one line in their words."""

    __tablename__ = "lever_answers"
    __table_args__ = (
        CheckConstraint("length(levers) > 0", name="levers_given"),
        Index("uq_lever_answers_request_id", "request_id", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    levers: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[str] = mapped_column(String(32))
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CaseStudy(Base):
    """A closed request an em marked as a case study for its tool's playbook (issue 34)."""

    __tablename__ = "case_studies"
    __table_args__ = (Index("uq_case_studies_request_id", "request_id", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("requests.id", ondelete="CASCADE"))
    marked_by: Mapped[str] = mapped_column(String(32))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Bundle(Base):
    """A book-of-business bundle (issue 34): customers renewing the same tool within 90 days,
    proposed once to their ems; accepted once, when its coordinating thread is opened."""

    __tablename__ = "bundles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tool_key: Mapped[str] = mapped_column(Text)
    tool: Mapped[str] = mapped_column(String(200))
    # The POD whose `bundles` run proposed it (the first, by key, of its customers' PODs).
    pod_id: Mapped[int] = mapped_column(ForeignKey("pods.id"))
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_by: Mapped[str | None] = mapped_column(String(32))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Where the coordinating thread was opened (the accepting em's POD channel).
    channel: Mapped[str | None] = mapped_column(String(32))

    members: Mapped[list[BundleMember]] = relationship(
        back_populates="bundle", order_by="BundleMember.id"
    )


class BundleMember(Base):
    """One customer's contract in a bundle, at one renewal date (a contract is bundled once per
    renewal), and the request it is negotiated on once the bundle is accepted."""

    __tablename__ = "bundle_members"
    __table_args__ = (
        Index(
            "uq_bundle_members_contract_id_renewal_date", "contract_id", "renewal_date",
            unique=True,
        ),
    )  # fmt: skip

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bundle_id: Mapped[int] = mapped_column(ForeignKey("bundles.id", ondelete="CASCADE"))
    contract_id: Mapped[int] = mapped_column(ForeignKey("contracts.id", ondelete="CASCADE"))
    renewal_date: Mapped[date] = mapped_column(Date)
    pod_id: Mapped[int] = mapped_column(ForeignKey("pods.id"))
    customer: Mapped[str] = mapped_column(String(200))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("requests.id", ondelete="SET NULL"))

    bundle: Mapped[Bundle] = relationship(back_populates="members")


class OfflinePurchase(Base):
    """A tool the customer bought outside the platform (issue 35): its annual amount counts in
    the account's ATS on the platform beside its contracts. One per account and tool."""

    __tablename__ = "offline_purchases"
    __table_args__ = (
        CheckConstraint("annual_amount >= 0", name="amount_not_negative"),
        CheckConstraint("length(currency) = 3", name="currency"),
        Index("uq_offline_purchases_account_id_tool_key", "account_id", "tool_key", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    tool: Mapped[str] = mapped_column(String(200))
    tool_key: Mapped[str] = mapped_column(Text, default=_key_of("tool"))
    annual_amount: Mapped[Decimal] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(String(3))
    note: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_by: Mapped[str] = mapped_column(String(32))  # a Slack user id, or `import`


class AtsSnapshot(Base):
    """An account's ATS of one ISO week (issue 35): on the platform (its contracts' annual
    amounts, sunset ones left out, plus offline purchases) beside the account's ATS figure,
    with the lines it was summed from — what a later week's change is attributed to. One per
    account and week: the unique key is the once-across-schedulers rule."""

    __tablename__ = "ats_snapshots"
    __table_args__ = (
        CheckConstraint("platform_ats >= 0", name="platform_not_negative"),
        CheckConstraint("length(currency) = 3", name="currency"),
        Index("uq_ats_snapshots_account_id_week", "account_id", "week", unique=True),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    week: Mapped[str] = mapped_column(String(8))  # `2026-W50`
    taken_on: Mapped[date] = mapped_column(Date)  # the POD's local day
    platform_ats: Mapped[Decimal] = mapped_column(MoneyAmount)
    account_ats: Mapped[Decimal | None] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(String(3))
    lines: Mapped[list[Any]] = mapped_column(JSON)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ForecastRow(Base):
    """An account's MSG forecast of one week (issue 35, item 5; `bot/domain/forecast.py`): when
    its savings reach the MSG, what falls short at day 180, which requests decide it, and the
    lines it was worked out from (kept so that a back-test can compare it with what happened).
    One per account and ISO week."""

    __tablename__ = "forecasts"
    __table_args__ = (
        CheckConstraint("status IN ('reached', 'on-track', 'at-risk', 'missed')", name="status"),
        CheckConstraint("length(currency) = 3", name="currency"),
        Index("uq_forecasts_account_id_week", "account_id", "week", unique=True),
        Index("ix_forecasts_pod_id_week", "pod_id", "week"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pod_id: Mapped[int] = mapped_column(ForeignKey("pods.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    customer: Mapped[str] = mapped_column(String(200))
    week: Mapped[str] = mapped_column(String(8))  # the ISO week, `2026-W50`
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    as_of: Mapped[date] = mapped_column(Date)  # the POD's local day it was made
    handover: Mapped[date] = mapped_column(Date)
    deadline: Mapped[date] = mapped_column(Date)  # handover + 180 days
    term_end: Mapped[date | None] = mapped_column(Date)
    msg: Mapped[Decimal] = mapped_column(MoneyAmount)
    currency: Mapped[str] = mapped_column(String(3))
    to_date: Mapped[Decimal] = mapped_column(MoneyAmount)
    status: Mapped[str] = mapped_column(String(16))
    reach_on: Mapped[date | None] = mapped_column(Date)
    shortfall: Mapped[Decimal] = mapped_column(MoneyAmount)
    sentence: Mapped[str] = mapped_column(Text)
    lines: Mapped[list[Any]] = mapped_column(JSON)


class ForecastDecider(Base):
    """A request that decides an account's forecast of a week (at risk: it must close by day
    180; on track: it closes by the reach day): what the buyer's Home puts first."""

    __tablename__ = "forecast_deciders"
    __table_args__ = (Index("ix_forecast_deciders_request_id_week", "request_id", "week"),)

    forecast_id: Mapped[int] = mapped_column(
        ForeignKey("forecasts.id", ondelete="CASCADE"), primary_key=True
    )
    request_id: Mapped[int] = mapped_column(
        ForeignKey("requests.id", ondelete="CASCADE"), primary_key=True
    )
    week: Mapped[str] = mapped_column(String(8))
    at_risk: Mapped[bool] = mapped_column(Boolean)


class PodForecastRow(Base):
    """A POD's projected GDR for its quarter, as of a week's forecasts (the em's Home reads
    one row): accounts forecast to reach their MSG by their term end among those decided in
    the quarter, and those counted apart."""

    __tablename__ = "pod_forecasts"
    __table_args__ = (Index("uq_pod_forecasts_pod_id_week", "pod_id", "week", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pod_id: Mapped[int] = mapped_column(ForeignKey("pods.id"))
    week: Mapped[str] = mapped_column(String(8))
    quarter: Mapped[str] = mapped_column(String(8))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reached: Mapped[int] = mapped_column(Integer)
    decided: Mapped[int] = mapped_column(Integer)
    apart: Mapped[int] = mapped_column(Integer)


# Slack's installations (OAuth mode): slack_sdk's tables, declared on this metadata so that
# migration 0031 is checked against them (bot/db/installs.py).
from bot.db.installs import declare as _declare_installs  # noqa: E402

_declare_installs(Base.metadata)
