"""What each approved claim's figures stood at, recorded at its decision (issue 26).

`savings_claims` gains `tool_key` and `customer_key` (its request's, copied when it is
approved), `tool_benchmark` (the tool's benchmark when it was approved, exact decimal text),
`tool_percent_sum` and `tool_requests` (the running state of the tool's benchmark after it) and
`customer_to_date` (the customer's effective savings in its currency to date), with the
indexes `bot.db.claim_ledger` and the KPI reader look them up by: a tool's approved claims
in decision order (and those not recorded yet), a customer's, the superseded claims.

Existing data: every approved claim is recorded by replaying each tool's and each customer's
claims in decision order (`bot.db.claim_ledger.restate_all`, as `podbot db restate` does).

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-07 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.db.claim_ledger import restate_all
from bot.db.types import MoneyAmount

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

APPROVED = sa.text("status = 'approved'")
SUPERSEDED = sa.text("superseded_at IS NOT NULL")


def upgrade() -> None:
    op.add_column("savings_claims", sa.Column("tool_key", sa.Text(), nullable=True))
    op.add_column("savings_claims", sa.Column("customer_key", sa.Text(), nullable=True))
    op.add_column("savings_claims", sa.Column("tool_benchmark", sa.String(64), nullable=True))
    op.add_column("savings_claims", sa.Column("tool_percent_sum", sa.String(64), nullable=True))
    op.add_column("savings_claims", sa.Column("tool_requests", sa.Integer(), nullable=True))
    op.add_column("savings_claims", sa.Column("customer_to_date", MoneyAmount(), nullable=True))
    # A tool's approved claims in decision order, and the approved claims not recorded yet
    # (tool_key NULL): one partial index serves both.
    op.create_index(
        "ix_savings_claims_approved_tool_key",
        "savings_claims",
        ["tool_key", "decided_at", "id"],
        sqlite_where=APPROVED,
        postgresql_where=APPROVED,
    )
    op.create_index(
        "ix_savings_claims_customer_key_currency_decided_at",
        "savings_claims",
        ["customer_key", "currency", "decided_at", "id", "customer_to_date"],
    )
    op.create_index(
        "ix_savings_claims_superseded_at",
        "savings_claims",
        ["superseded_at"],
        sqlite_where=SUPERSEDED,
        postgresql_where=SUPERSEDED,
    )
    restate_all(op.get_bind(), beats=False)  # `beats_benchmark` comes with 0035


def downgrade() -> None:
    for name in (
        "ix_savings_claims_superseded_at",
        "ix_savings_claims_customer_key_currency_decided_at",
        "ix_savings_claims_approved_tool_key",
    ):
        op.drop_index(name, table_name="savings_claims")
    # Plain DROP COLUMN (SQLite 3.35+): batch mode would rebuild the table, reflecting the
    # tables it refers to — `requests`, whose expression index cannot be reflected.
    for column in (
        "customer_to_date", "tool_requests", "tool_percent_sum", "tool_benchmark",
        "customer_key", "tool_key",
    ):  # fmt: skip
        op.drop_column("savings_claims", column)
