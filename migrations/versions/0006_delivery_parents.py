"""Outbox rows name the row whose message they reply under (a report's continuations and
files in its thread); scheduled jobs queue their posts, DMs and files as outbox rows.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 21:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("parent_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_deliveries_parent_id_deliveries"), "deliveries", ["parent_id"], ["id"]
        )
        # A row replies under an earlier row of its own lane: sent after it, by construction.
        batch_op.create_check_constraint(
            "parent_before_child", "parent_id IS NULL OR parent_id < id"
        )


def downgrade() -> None:
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_constraint("ck_deliveries_parent_before_child", type_="check")
        batch_op.drop_constraint("fk_deliveries_parent_id_deliveries", type_="foreignkey")
        batch_op.drop_column("parent_id")
