"""Two partial indexes over the outbox's open rows, so neither a command nor the delivery
worker walks the backlog: the ack path's collapse checks look up a lane's pending rows of one
kind (`ix_deliveries_pending_lane_kind`) instead of walking every pending row, and the worker
finds rows left in flight by a dead process among the rows in flight
(`ix_deliveries_in_flight`), not by scanning the table once the planner has statistics.

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
    in_flight = sa.text("status = 'in_flight'")
    op.create_index(
        "ix_deliveries_pending_lane_kind",
        "deliveries",
        ["lane", "kind"],
        postgresql_where=pending,
        sqlite_where=pending,
    )
    op.create_index(
        "ix_deliveries_in_flight",
        "deliveries",
        ["claimed_at"],
        postgresql_where=in_flight,
        sqlite_where=in_flight,
    )
    op.create_index("ix_imports_state", "imports", ["state"])


def downgrade() -> None:
    op.drop_index("ix_imports_state", table_name="imports")
    op.drop_index("ix_deliveries_in_flight", table_name="deliveries")
    op.drop_index("ix_deliveries_pending_lane_kind", table_name="deliveries")
