"""Customer accounts (dates, MSG/PSE/ATS, health) and quarterly savings targets with their
audit trail: `accounts`, `targets`, `target_changes`.

Money columns hold whole cents (BIGINT); instants are UTC. Targets are unique per POD and
quarter for the POD scope, and per POD, quarter and member for the member scope: two partial
unique indexes, as a plain unique constraint treats NULL members as distinct.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 23:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_POD_SCOPE = sa.text("scope = 'pod'")
_MEMBER_SCOPE = sa.text("scope = 'member'")


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pod_id", sa.Integer(), nullable=False),
        sa.Column("customer", sa.String(length=200), nullable=False),
        sa.Column("customer_key", sa.Text(), nullable=False),
        sa.Column("initiated", sa.Date(), nullable=True),
        sa.Column("handover", sa.Date(), nullable=True),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("msg", sa.BigInteger(), nullable=True),
        sa.Column("pse", sa.BigInteger(), nullable=True),
        sa.Column("ats", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("health", sa.String(length=16), nullable=False),
        sa.Column("health_note", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "health IN ('favorable', 'neutral', 'at-risk')", name=op.f("ck_accounts_health")
        ),
        sa.CheckConstraint("msg IS NULL OR msg >= 0", name=op.f("ck_accounts_msg_not_negative")),
        sa.CheckConstraint("pse IS NULL OR pse >= 0", name=op.f("ck_accounts_pse_not_negative")),
        sa.CheckConstraint("ats IS NULL OR ats >= 0", name=op.f("ck_accounts_ats_not_negative")),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_accounts_currency")),
        sa.CheckConstraint("length(trim(customer)) > 0", name=op.f("ck_accounts_named")),
        sa.ForeignKeyConstraint(["pod_id"], ["pods.id"], name=op.f("fk_accounts_pod_id_pods")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
    )
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.create_index("uq_accounts_customer_key", ["customer_key"], unique=True)
        batch_op.create_index("ix_accounts_pod_id", ["pod_id"], unique=False)

    op.create_table(
        "targets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pod_id", sa.Integer(), nullable=False),
        sa.Column("quarter", sa.String(length=6), nullable=False),
        sa.Column("scope", sa.String(length=8), nullable=False),
        sa.Column("member_id", sa.String(length=32), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.CheckConstraint("scope IN ('pod', 'member')", name=op.f("ck_targets_scope")),
        sa.CheckConstraint(
            "(scope = 'pod') = (member_id IS NULL)", name=op.f("ck_targets_member_iff_member_scope")
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_targets_amount_not_negative")),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_targets_currency")),
        sa.CheckConstraint("length(quarter) = 6", name=op.f("ck_targets_quarter")),
        sa.ForeignKeyConstraint(["pod_id"], ["pods.id"], name=op.f("fk_targets_pod_id_pods")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_targets")),
    )
    op.create_index(
        "uq_targets_pod_quarter",
        "targets",
        ["pod_id", "quarter"],
        unique=True,
        sqlite_where=_POD_SCOPE,
        postgresql_where=_POD_SCOPE,
    )
    op.create_index(
        "uq_targets_member_quarter",
        "targets",
        ["pod_id", "quarter", "member_id"],
        unique=True,
        sqlite_where=_MEMBER_SCOPE,
        postgresql_where=_MEMBER_SCOPE,
    )

    op.create_table(
        "target_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=False),
        sa.Column("old_amount", sa.BigInteger(), nullable=True),
        sa.Column("old_currency", sa.String(length=3), nullable=True),
        sa.Column("new_amount", sa.BigInteger(), nullable=False),
        sa.Column("new_currency", sa.String(length=3), nullable=False),
        sa.Column("changed_by", sa.String(length=32), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "new_amount >= 0", name=op.f("ck_target_changes_new_amount_not_negative")
        ),
        sa.CheckConstraint("length(new_currency) = 3", name=op.f("ck_target_changes_new_currency")),
        sa.CheckConstraint(
            "(old_amount IS NULL) = (old_currency IS NULL)",
            name=op.f("ck_target_changes_old_amount_has_currency"),
        ),
        sa.ForeignKeyConstraint(
            ["target_id"],
            ["targets.id"],
            name=op.f("fk_target_changes_target_id_targets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_target_changes")),
    )
    with op.batch_alter_table("target_changes", schema=None) as batch_op:
        batch_op.create_index("ix_target_changes_target_id_id", ["target_id", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("target_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_target_changes_target_id_id")
    op.drop_table("target_changes")
    op.drop_index(
        "uq_targets_member_quarter",
        table_name="targets",
        sqlite_where=_MEMBER_SCOPE,
        postgresql_where=_MEMBER_SCOPE,
    )
    op.drop_index(
        "uq_targets_pod_quarter",
        table_name="targets",
        sqlite_where=_POD_SCOPE,
        postgresql_where=_POD_SCOPE,
    )
    op.drop_table("targets")
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_index("ix_accounts_pod_id")
        batch_op.drop_index("uq_accounts_customer_key")
    op.drop_table("accounts")
