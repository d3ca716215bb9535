"""Deliveries that post name their channel, so the worker paces channels without a thread
waiting on each; partial indexes over the open deliveries.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-24 10:05:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("channel", sa.String(length=32), nullable=True))
    # Over the open rows only, however many delivered rows pile up: a channel's next due
    # post, and whether a row has an earlier open row in its lane.
    pending = sa.text("status = 'pending'")
    open_rows = sa.text("status IN ('pending', 'in_flight')")
    op.create_index(
        "ix_deliveries_pending_channel",
        "deliveries",
        ["channel", "next_attempt_at", "id"],
        postgresql_where=pending,
        sqlite_where=pending,
    )
    op.create_index(
        "ix_deliveries_open_lane",
        "deliveries",
        ["lane", "id"],
        postgresql_where=open_rows,
        sqlite_where=open_rows,
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_open_lane", table_name="deliveries")
    op.drop_index("ix_deliveries_pending_channel", table_name="deliveries")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("channel")
