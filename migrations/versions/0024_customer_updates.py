"""The customer in the loop (issue 32): an account's contacts (the To: of its updates), its
customer channel with the canvas (or pinned message) podbot keeps there, and the bi-weekly
customer update drafts, with whether and how each was sent.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_OLD_KINDS = (
    "kind IN ('update', 'mention', 'escalation', 'term', 'approval', 'breach', 'tat_warning', "
    "'digest', 'preapproval', 'stall')"
)
_NEW_KINDS = (
    "kind IN ('update', 'mention', 'escalation', 'term', 'approval', 'breach', 'tat_warning', "
    "'digest', 'preapproval', 'stall', 'preapproval_answer')"
)


def upgrade() -> None:
    # The analysts' digest of pre-approvals the customer answered.
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_kind"), type_="check")
        batch_op.create_check_constraint("kind", _NEW_KINDS)
    with op.batch_alter_table("accounts") as batch_op:
        batch_op.add_column(sa.Column("contacts", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("customer_channel", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("canvas_id", sa.String(length=32), nullable=True))
        batch_op.add_column(sa.Column("canvas_message_ts", sa.String(length=32), nullable=True))
        batch_op.add_column(
            sa.Column("canvas_recreated", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("canvas_sections", sa.JSON(), nullable=True))
    op.create_table(
        "customer_updates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("subject", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("recipients", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("drafted_by", sa.String(length=32), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_by", sa.String(length=32), nullable=True),
        sa.Column("send_result", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('drafted', 'sending', 'sent', 'marked', 'failed')",
            name=op.f("ck_customer_updates_status"),
        ),
        sa.CheckConstraint(
            "status NOT IN ('sent', 'marked') OR sent_at IS NOT NULL",
            name=op.f("ck_customer_updates_sent_has_when"),
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_customer_updates_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_customer_updates")),
    )
    op.create_index("ix_customer_updates_account_id_id", "customer_updates", ["account_id", "id"])
    op.create_table(
        "preapproval_asks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("asked_by", sa.String(length=32), nullable=False),
        sa.Column("asked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=32), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "answer IS NULL OR answer IN ('approved', 'changes')",
            name=op.f("ck_preapproval_asks_answer"),
        ),
        sa.CheckConstraint(
            "(answer IS NULL) = (answered_by IS NULL) AND (answer IS NULL) = (answered_at IS NULL)",
            name=op.f("ck_preapproval_asks_answered_has_who"),
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_preapproval_asks_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_preapproval_asks")),
    )
    op.create_index("ix_preapproval_asks_request_id", "preapproval_asks", ["request_id"])


def downgrade() -> None:
    op.execute("DELETE FROM reminders WHERE kind = 'preapproval_answer'")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_kind"), type_="check")
        batch_op.create_check_constraint("kind", _OLD_KINDS)
    op.drop_index("ix_preapproval_asks_request_id", table_name="preapproval_asks")
    op.drop_table("preapproval_asks")
    op.drop_index("ix_customer_updates_account_id_id", table_name="customer_updates")
    op.drop_table("customer_updates")
    with op.batch_alter_table("accounts") as batch_op:
        for column in (
            "canvas_sections", "canvas_recreated", "canvas_message_ts", "canvas_id",
            "customer_channel",
        ):  # fmt: skip
            batch_op.drop_column(column)
        batch_op.drop_column("contacts")
