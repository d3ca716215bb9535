"""The ack path's collapse checks look up a lane's pending rows of one kind in an index of
their own (`ix_deliveries_pending_lane_kind`, over the pending rows only) instead of walking
every pending row, so a command costs the same with 20 rows waiting or 6,000.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pending = sa.text("status = 'pending'")
    op.create_index(
        "ix_deliveries_pending_lane_kind",
        "deliveries",
        ["lane", "kind"],
        postgresql_where=pending,
        sqlite_where=pending,
    )


def downgrade() -> None:
    op.drop_index("ix_deliveries_pending_lane_kind", table_name="deliveries")
