"""A contract's plan has a comparison key, as a quote line's has (issue 34): `/proc benchmark`
counts a contract's seats and annual amount as a deal of its tool and plan.

`contracts.plan_key` is `name_key(plan)` (None without a plan), back-filled here in Python (no
database folds names the way `name_key` does) and written with the plan from now on; a tool's
contracts in a POD are found by an index.

Revision ID: 0036
Revises: 0035
Create Date: 2026-12-07 22:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.domain.names import name_key

revision: str = "0036"
down_revision: str | None = "0035"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("contracts", sa.Column("plan_key", sa.Text(), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.text("SELECT id, plan FROM contracts WHERE plan IS NOT NULL"))
    keys = [{"row_id": row_id, "key": name_key(plan)} for row_id, plan in rows]
    if keys:
        connection.execute(sa.text("UPDATE contracts SET plan_key = :key WHERE id = :row_id"), keys)
    op.create_index("ix_contracts_tool_key_pod_id", "contracts", ["tool_key", "pod_id"])


def downgrade() -> None:
    op.drop_index("ix_contracts_tool_key_pod_id", table_name="contracts")
    op.drop_column("contracts", "plan_key")
