"""ATS snapshots (one per account and ISO week), offline purchases, and an account's fee and
the day its health was last set (issue 35: the ATS trend, the catch-up pack, the leadership
report's ROI).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0029"
down_revision: str | None = "0028"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "offline_purchases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("tool", sa.String(length=200), nullable=False),
        sa.Column("tool_key", sa.Text(), nullable=False),
        sa.Column("annual_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=32), nullable=False),
        sa.CheckConstraint(
            "annual_amount >= 0", name=op.f("ck_offline_purchases_amount_not_negative")
        ),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_offline_purchases_currency")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_offline_purchases_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offline_purchases")),
    )
    op.create_index(
        "uq_offline_purchases_account_id_tool_key",
        "offline_purchases",
        ["account_id", "tool_key"],
        unique=True,
    )
    op.create_table(
        "ats_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("taken_on", sa.Date(), nullable=False),
        sa.Column("platform_ats", sa.BigInteger(), nullable=False),
        sa.Column("account_ats", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "platform_ats >= 0", name=op.f("ck_ats_snapshots_platform_not_negative")
        ),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_ats_snapshots_currency")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_ats_snapshots_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ats_snapshots")),
    )
    op.create_index(
        "uq_ats_snapshots_account_id_week", "ats_snapshots", ["account_id", "week"], unique=True
    )
    with op.batch_alter_table("accounts") as batch:
        batch.add_column(sa.Column("fee", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("health_set_at", sa.DateTime(timezone=True), nullable=True))
        batch.create_check_constraint("fee_not_negative", "fee IS NULL OR fee >= 0")


def downgrade() -> None:
    with op.batch_alter_table("accounts") as batch:
        batch.drop_constraint(op.f("ck_accounts_fee_not_negative"), type_="check")
        batch.drop_column("health_set_at")
        batch.drop_column("fee")
    op.drop_index("uq_ats_snapshots_account_id_week", table_name="ats_snapshots")
    op.drop_table("ats_snapshots")
    op.drop_index("uq_offline_purchases_account_id_tool_key", table_name="offline_purchases")
    op.drop_table("offline_purchases")
