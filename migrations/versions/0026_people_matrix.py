"""The people matrix and sentiment of an account, and the ledger of customers flagged for
repeat incorrect requests (issue 35).

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 16:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "account_people",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_key", sa.Text(), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("escalation", sa.Integer(), nullable=True),
        sa.Column("last_contact", sa.Date(), nullable=True),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "role IN ('decision-maker', 'approver', 'champion', 'user')",
            name=op.f("ck_account_people_role"),
        ),
        sa.CheckConstraint(
            "escalation IS NULL OR escalation IN (1, 2)", name=op.f("ck_account_people_escalation")
        ),
        sa.CheckConstraint("length(trim(name)) > 0", name=op.f("ck_account_people_named")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_people_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_people")),
    )
    op.create_index(
        "uq_account_people_account_id_name_key",
        "account_people",
        ["account_id", "name_key"],
        unique=True,
    )
    op.create_table(
        "account_sentiments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("sentiment", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "sentiment IN ('positive', 'neutral', 'negative')",
            name=op.f("ck_account_sentiments_sentiment"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_account_sentiments_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_sentiments")),
    )
    op.create_index(
        "ix_account_sentiments_account_id_id", "account_sentiments", ["account_id", "id"]
    )
    op.create_table(
        "repeat_disqualification_flags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pod_id", sa.Integer(), nullable=False),
        sa.Column("customer_key", sa.Text(), nullable=False),
        sa.Column("customer", sa.String(length=200), nullable=False),
        sa.Column("window_start", sa.Date(), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("flagged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["pod_id"], ["pods.id"], name=op.f("fk_repeat_disqualification_flags_pod_id_pods")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_repeat_disqualification_flags")),
    )
    op.create_index(
        "uq_repeat_disqualification_flags_pod_id_customer_key_window",
        "repeat_disqualification_flags",
        ["pod_id", "customer_key", "window_start"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index(
        "uq_repeat_disqualification_flags_pod_id_customer_key_window",
        table_name="repeat_disqualification_flags",
    )
    op.drop_table("repeat_disqualification_flags")
    op.drop_index("ix_account_sentiments_account_id_id", table_name="account_sentiments")
    op.drop_table("account_sentiments")
    op.drop_index("uq_account_people_account_id_name_key", table_name="account_people")
    op.drop_table("account_people")
