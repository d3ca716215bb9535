"""Mentions owed a reply, processed event ids, and sent reminders (issue: reminders).

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 22:30:45.067745
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "processed_events",
        sa.Column("event_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("event_id", name=op.f("pk_processed_events")),
    )
    op.create_table(
        "reminders",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("subject", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("window", sa.String(length=40), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("snoozed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("message_channel", sa.String(length=32), nullable=True),
        sa.Column("message_ts", sa.String(length=32), nullable=True),
        sa.CheckConstraint(
            "kind IN ('update', 'mention', 'escalation')", name=op.f("ck_reminders_kind")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminders")),
        sa.UniqueConstraint(
            "kind",
            "subject",
            "user_id",
            "window",
            name=op.f("uq_reminders_kind_subject_user_id_window"),
        ),
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.create_index(
            "ix_reminders_user_id_snoozed_until", ["user_id", "snoozed_until"], unique=False
        )

    op.create_table(
        "pending_responses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pod_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("message_ts", sa.String(length=32), nullable=False),
        sa.Column("thread_ts", sa.String(length=32), nullable=False),
        sa.Column("author", sa.String(length=32), nullable=False),
        sa.Column("member", sa.String(length=32), nullable=False),
        sa.Column("mentioned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalate_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(state = 'open') = (closed_at IS NULL)",
            name=op.f("ck_pending_responses_closed_when_not_open"),
        ),
        sa.CheckConstraint(
            "state IN ('open', 'answered', 'marked', 'withdrawn')",
            name=op.f("ck_pending_responses_state"),
        ),
        sa.ForeignKeyConstraint(
            ["pod_id"], ["pods.id"], name=op.f("fk_pending_responses_pod_id_pods")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pending_responses")),
        sa.UniqueConstraint(
            "channel",
            "message_ts",
            "member",
            name=op.f("uq_pending_responses_channel_message_ts_member"),
        ),
    )
    with op.batch_alter_table("pending_responses", schema=None) as batch_op:
        batch_op.create_index(
            "ix_pending_responses_channel_thread_ts", ["channel", "thread_ts"], unique=False
        )
        batch_op.create_index(
            "ix_pending_responses_state_due_at", ["state", "due_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("pending_responses", schema=None) as batch_op:
        batch_op.drop_index("ix_pending_responses_state_due_at")
        batch_op.drop_index("ix_pending_responses_channel_thread_ts")

    op.drop_table("pending_responses")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_index("ix_reminders_user_id_snoozed_until")

    op.drop_table("reminders")
    op.drop_table("processed_events")
