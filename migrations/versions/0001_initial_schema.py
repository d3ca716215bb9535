"""Initial schema: pods, members, requests and their timeline, quotes, savings, contracts, run ledger.

Money columns hold whole cents (BIGINT); instants are UTC.

Revision ID: 0001
Revises:
Create Date: 2026-11-23 21:50:06.969855
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "job_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job", sa.String(length=64), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("period", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("claimed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=128), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=True),
        sa.CheckConstraint(
            "status IN ('claimed', 'done', 'failed')", name=op.f("ck_job_runs_status")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job_runs")),
        sa.UniqueConstraint("job", "scope", "period", name=op.f("uq_job_runs_job_scope_period")),
    )
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.create_index("ix_job_runs_status", ["status"], unique=False)

    op.create_table(
        "pods",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pods")),
        sa.UniqueConstraint("channel", name=op.f("uq_pods_channel")),
        sa.UniqueConstraint("key", name=op.f("uq_pods_key")),
    )
    op.create_table(
        "contracts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pod_id", sa.Integer(), nullable=False),
        sa.Column("customer", sa.String(length=200), nullable=False),
        sa.Column("tool", sa.String(length=200), nullable=False),
        sa.Column("annual_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("renewal_date", sa.Date(), nullable=False),
        sa.Column("billing_cycle", sa.String(length=16), nullable=False),
        sa.Column("auto_renew", sa.Boolean(), nullable=True),
        sa.Column("notice_days", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "billing_cycle IN ('monthly', 'annual')", name=op.f("ck_contracts_billing_cycle")
        ),
        sa.CheckConstraint("annual_amount >= 0", name=op.f("ck_contracts_amount_not_negative")),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_contracts_currency")),
        sa.CheckConstraint(
            "notice_days IS NULL OR notice_days >= 0", name=op.f("ck_contracts_notice_days")
        ),
        sa.ForeignKeyConstraint(["pod_id"], ["pods.id"], name=op.f("fk_contracts_pod_id_pods")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contracts")),
    )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.create_index("ix_contracts_renewal_date", ["renewal_date"], unique=False)
    op.create_index(
        "uq_contracts_customer_tool",
        "contracts",
        [sa.text("lower(customer)"), sa.text("lower(tool)")],
        unique=True,
    )

    op.create_table(
        "members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pod_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.CheckConstraint(
            "role IN ('buyer', 'analyst', 'em', 'csm')", name=op.f("ck_members_role")
        ),
        sa.ForeignKeyConstraint(
            ["pod_id"], ["pods.id"], name=op.f("fk_members_pod_id_pods"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_members")),
        sa.UniqueConstraint("pod_id", "user_id", name=op.f("uq_members_pod_id_user_id")),
    )
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_members_user_id"), ["user_id"], unique=False)

    op.create_table(
        "requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pod_id", sa.Integer(), nullable=False),
        sa.Column("customer", sa.String(length=200), nullable=False),
        sa.Column("tool", sa.String(length=200), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("stage", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("renewal_date", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("resolution_note", sa.Text(), nullable=True),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("analyst_id", sa.String(length=32), nullable=True),
        sa.Column("buyer_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("qualification_due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("qualified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assigned_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tat_due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_update_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("card_channel", sa.String(length=32), nullable=True),
        sa.Column("card_ts", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "(stage = 'closed' AND outcome IS NOT NULL AND closed_at IS NOT NULL) OR (stage <> 'closed' AND outcome IS NULL)",
            name=op.f("ck_requests_closed_has_outcome"),
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('won', 'lost', 'cancelled')",
            name=op.f("ck_requests_outcome"),
        ),
        sa.CheckConstraint(
            "stage <> 'negotiating' OR (buyer_id IS NOT NULL AND assigned_at IS NOT NULL AND tat_due_at IS NOT NULL)",
            name=op.f("ck_requests_negotiating_has_buyer"),
        ),
        sa.CheckConstraint(
            "stage IN ('intake', 'qualified', 'negotiating', 'closed', 'disqualified')",
            name=op.f("ck_requests_stage"),
        ),
        sa.CheckConstraint("type IN ('new', 'renewal')", name=op.f("ck_requests_type")),
        sa.CheckConstraint(
            "amount IS NULL OR amount >= 0", name=op.f("ck_requests_amount_not_negative")
        ),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_requests_currency")),
        sa.CheckConstraint(
            "length(trim(customer)) > 0 AND length(trim(tool)) > 0", name=op.f("ck_requests_named")
        ),
        sa.ForeignKeyConstraint(["pod_id"], ["pods.id"], name=op.f("fk_requests_pod_id_pods")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_requests")),
        sa.UniqueConstraint(
            "card_channel", "card_ts", name=op.f("uq_requests_card_channel_card_ts")
        ),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_requests_buyer_id"), ["buyer_id"], unique=False)
        batch_op.create_index("ix_requests_pod_id_stage", ["pod_id", "stage"], unique=False)
    op.create_index(
        "ix_requests_customer_tool",
        "requests",
        [sa.text("lower(customer)"), sa.text("lower(tool)")],
    )

    op.create_table(
        "quotes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("vendor", sa.String(length=200), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_quotes_amount_not_negative")),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_quotes_currency")),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_quotes_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quotes")),
    )
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quotes_request_id"), ["request_id"], unique=False)

    op.create_table(
        "request_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("data", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_request_events_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_request_events")),
    )
    with op.batch_alter_table("request_events", schema=None) as batch_op:
        batch_op.create_index("ix_request_events_request_id_id", ["request_id", "id"], unique=False)

    op.create_table(
        "savings_claims",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("baseline", sa.BigInteger(), nullable=False),
        sa.Column("final", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_by", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=32), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("superseded_by_id", sa.Integer(), nullable=True),
        sa.Column("message_channel", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "(status IN ('approved', 'rejected')) = (decided_by IS NOT NULL AND decided_at IS NOT NULL)",
            name=op.f("ck_savings_claims_decided_once"),
        ),
        sa.CheckConstraint("kind IN ('savings', 'avoidance')", name=op.f("ck_savings_claims_kind")),
        sa.CheckConstraint(
            "status <> 'rejected' OR length(trim(reason)) > 0",
            name=op.f("ck_savings_claims_rejection_has_reason"),
        ),
        sa.CheckConstraint(
            "status IN ('pending', 'approved', 'rejected', 'superseded')",
            name=op.f("ck_savings_claims_status"),
        ),
        sa.CheckConstraint("baseline > 0", name=op.f("ck_savings_claims_baseline_positive")),
        sa.CheckConstraint(
            "decided_by IS NULL OR decided_by <> created_by",
            name=op.f("ck_savings_claims_not_own_claim"),
        ),
        sa.CheckConstraint("final < baseline", name=op.f("ck_savings_claims_final_below_baseline")),
        sa.CheckConstraint("final >= 0", name=op.f("ck_savings_claims_final_not_negative")),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_savings_claims_currency")),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_savings_claims_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_id"],
            ["savings_claims.id"],
            name=op.f("fk_savings_claims_superseded_by_id_savings_claims"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_savings_claims")),
    )
    with op.batch_alter_table("savings_claims", schema=None) as batch_op:
        batch_op.create_index(
            "uq_savings_claims_one_pending",
            ["request_id"],
            unique=True,
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )


def downgrade() -> None:
    with op.batch_alter_table("savings_claims", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_savings_claims_one_pending",
            sqlite_where=sa.text("status = 'pending'"),
            postgresql_where=sa.text("status = 'pending'"),
        )

    op.drop_table("savings_claims")
    with op.batch_alter_table("request_events", schema=None) as batch_op:
        batch_op.drop_index("ix_request_events_request_id_id")

    op.drop_table("request_events")
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quotes_request_id"))

    op.drop_table("quotes")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_index("ix_requests_pod_id_stage")
        batch_op.drop_index(batch_op.f("ix_requests_buyer_id"))

    op.drop_index("ix_requests_customer_tool", table_name="requests")
    op.drop_table("requests")
    with op.batch_alter_table("members", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_members_user_id"))

    op.drop_table("members")
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index("ix_contracts_renewal_date")

    op.drop_index("uq_contracts_customer_tool", table_name="contracts")
    op.drop_table("contracts")
    op.drop_table("pods")
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_index("ix_job_runs_status")

    op.drop_table("job_runs")
