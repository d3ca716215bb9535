"""Pre-approvals and procurement stages (issue 20).

`requests.preapproved_at` / `preapproved_by` record a pre-approval sent to the customer while in
intake; `procurement_steps` holds a negotiating request's procurement stages (vendor
qualification, security review, legal redline, PO) with who started and finished each; reminders
gain the kind `preapproval` (the customer silent `preapproval_hours` after a pre-approval, told to
the analyst once).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04 00:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KINDS = (
    "kind IN ('update', 'mention', 'escalation', 'term', 'approval', 'breach', 'tat_warning', "
    "'digest')"
)
_NEW_KINDS = (
    "kind IN ('update', 'mention', 'escalation', 'term', 'approval', 'breach', 'tat_warning', "
    "'digest', 'preapproval')"
)


def upgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("preapproved_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("preapproved_by", sa.String(length=32), nullable=True))
    op.create_table(
        "procurement_steps",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("stage", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_by", sa.String(length=32), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=32), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "stage IN ('vendor-qualification', 'security-review', 'legal-redline', 'po')",
            name=op.f("ck_procurement_steps_stage"),
        ),
        sa.CheckConstraint(
            "(done_at IS NULL) = (done_by IS NULL)", name=op.f("ck_procurement_steps_done_has_who")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_procurement_steps_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procurement_steps")),
    )
    op.create_index("ix_procurement_steps_request_id_id", "procurement_steps", ["request_id", "id"])
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_kind"), type_="check")
        batch_op.create_check_constraint("kind", _NEW_KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM reminders WHERE kind = 'preapproval'")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_kind"), type_="check")
        batch_op.create_check_constraint("kind", _OLD_KINDS)
    op.drop_index("ix_procurement_steps_request_id_id", table_name="procurement_steps")
    op.drop_table("procurement_steps")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_column("preapproved_by")
        batch_op.drop_column("preapproved_at")
