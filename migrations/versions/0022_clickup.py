"""ClickUp sync (issue 31): a request's task, the webhooks per list with their secrets, and
the history items of ClickUp's webhooks already handled (each handled once).

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-07 15:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "clickup_links",
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=True),
        sa.Column("lane", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("mirrored_event_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=100), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("assignee", sa.String(length=32), nullable=True),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("linked_by", sa.String(length=32), nullable=False),
        sa.CheckConstraint("state IN ('active', 'deleted')", name=op.f("ck_clickup_links_state")),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_clickup_links_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("request_id", name=op.f("pk_clickup_links")),
        sa.UniqueConstraint("task_id", name=op.f("uq_clickup_links_task_id")),
    )
    op.create_table(
        "clickup_webhooks",
        sa.Column("webhook_id", sa.String(length=64), nullable=False),
        sa.Column("list_id", sa.String(length=64), nullable=False),
        sa.Column("endpoint", sa.Text(), nullable=False),
        sa.Column("secret", sa.Text(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("webhook_id", name=op.f("pk_clickup_webhooks")),
    )
    op.create_index("ix_clickup_webhooks_list_id", "clickup_webhooks", ["list_id"])
    op.create_table(
        "clickup_history",
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("task_id", sa.String(length=64), nullable=True),
        sa.Column("event", sa.String(length=32), nullable=False),
        sa.Column("handled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("item_id", name=op.f("pk_clickup_history")),
    )
    op.create_index("ix_clickup_history_handled_at", "clickup_history", ["handled_at"])


def downgrade() -> None:
    op.drop_index("ix_clickup_history_handled_at", table_name="clickup_history")
    op.drop_table("clickup_history")
    op.drop_index("ix_clickup_webhooks_list_id", table_name="clickup_webhooks")
    op.drop_table("clickup_webhooks")
    op.drop_table("clickup_links")
