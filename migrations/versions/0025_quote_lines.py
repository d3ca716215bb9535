"""Price intelligence (issue 34): a quote's line items, each with its annual price per unit in
the POD's currency, for the per-unit benchmarks.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 16:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "quote_lines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("quote_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("plan", sa.String(length=200), nullable=True),
        sa.Column("plan_key", sa.Text(), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("cycle", sa.String(length=8), nullable=False),
        sa.Column("term_months", sa.Integer(), nullable=False),
        sa.Column("annual_unit_price", sa.BigInteger(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("quantity >= 1", name=op.f("ck_quote_lines_quantity_positive")),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_quote_lines_unit_price_not_negative")),
        sa.CheckConstraint(
            "annual_unit_price >= 0", name=op.f("ck_quote_lines_annual_not_negative")
        ),
        sa.CheckConstraint("term_months >= 1", name=op.f("ck_quote_lines_term_positive")),
        sa.CheckConstraint(
            "cycle IN ('monthly', 'annual', 'term')", name=op.f("ck_quote_lines_cycle")
        ),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_quote_lines_currency")),
        sa.ForeignKeyConstraint(
            ["quote_id"],
            ["quotes.id"],
            name=op.f("fk_quote_lines_quote_id_quotes"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_quote_lines_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_lines")),
    )
    op.create_index(op.f("ix_quote_lines_quote_id"), "quote_lines", ["quote_id"])
    op.create_index(op.f("ix_quote_lines_request_id"), "quote_lines", ["request_id"])
    op.create_index(op.f("ix_quote_lines_created_at"), "quote_lines", ["created_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_quote_lines_created_at"), table_name="quote_lines")
    op.drop_index(op.f("ix_quote_lines_request_id"), table_name="quote_lines")
    op.drop_index(op.f("ix_quote_lines_quote_id"), table_name="quote_lines")
    op.drop_table("quote_lines")
