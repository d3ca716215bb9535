"""Price intelligence (issue 34, items 1 and 3): customers' seat usage snapshots (`podbot import
usage`, history kept), dated exchange rates (`podbot import rates`) for line items in another
currency, the *right-sizing* tag of a savings claim, and a contract's seats and plan.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 18:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "usage_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("customer", sa.String(length=200), nullable=False),
        sa.Column("customer_key", sa.Text(), nullable=False),
        sa.Column("tool", sa.String(length=200), nullable=False),
        sa.Column("tool_key", sa.Text(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("seats_assigned", sa.Integer(), nullable=False),
        sa.Column("seats_active", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("seats_assigned >= 1", name=op.f("ck_usage_snapshots_assigned")),
        sa.CheckConstraint(
            "seats_active >= 0 AND seats_active <= seats_assigned",
            name=op.f("ck_usage_snapshots_active"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_usage_snapshots")),
    )
    op.create_index(
        "uq_usage_snapshots_customer_key_tool_key_as_of",
        "usage_snapshots",
        ["customer_key", "tool_key", "as_of"],
        unique=True,
    )
    op.create_table(
        "exchange_rates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("to_currency", sa.String(length=3), nullable=False),
        sa.Column("rate", sa.BigInteger(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("rate > 0", name=op.f("ck_exchange_rates_rate_positive")),
        sa.CheckConstraint(
            "length(currency) = 3 AND length(to_currency) = 3 AND currency <> to_currency",
            name=op.f("ck_exchange_rates_currencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_rates")),
    )
    op.create_index(
        "uq_exchange_rates_currency_to_currency_day",
        "exchange_rates",
        ["currency", "to_currency", "day"],
        unique=True,
    )
    op.add_column(
        "savings_claims",
        sa.Column("right_sizing", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    # A contract's line item: its seats and plan (its annual amount is the line's total).
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("seats", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("plan", sa.String(length=200), nullable=True))
        batch_op.create_check_constraint("seats", "seats IS NULL OR seats >= 1")


def downgrade() -> None:
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_contracts_seats"), type_="check")
        batch_op.drop_column("plan")
        batch_op.drop_column("seats")
    # Plain DROP COLUMN (SQLite 3.35+): batch mode would rebuild the table, reflecting
    # `requests`, whose expression index cannot be reflected (as 0021 does).
    op.drop_column("savings_claims", "right_sizing")
    op.drop_index("uq_exchange_rates_currency_to_currency_day", table_name="exchange_rates")
    op.drop_table("exchange_rates")
    op.drop_index("uq_usage_snapshots_customer_key_tool_key_as_of", table_name="usage_snapshots")
    op.drop_table("usage_snapshots")
