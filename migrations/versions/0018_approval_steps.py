"""Approval by amount and absences with cover (issue 30): `claim_approvals` holds each
approval of a savings claim — one per step, one per approver — so a claim above an
`approval_rules` threshold is approved by its em and then its named approvers; `absences` who
is away until when, and who covers them (`/proc away`).

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-07 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claim_approvals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("claim_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("approver_id", sa.String(length=32), nullable=False),
        sa.Column("covering_for", sa.String(length=32), nullable=True),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("step >= 0", name=op.f("ck_claim_approvals_step")),
        sa.ForeignKeyConstraint(
            ["claim_id"],
            ["savings_claims.id"],
            name=op.f("fk_claim_approvals_claim_id_savings_claims"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_claim_approvals")),
        sa.UniqueConstraint(
            "claim_id", "approver_id", name=op.f("uq_claim_approvals_claim_id_approver_id")
        ),
        sa.UniqueConstraint("claim_id", "step", name=op.f("uq_claim_approvals_claim_id_step")),
    )
    op.create_table(
        "absences",
        sa.Column("user_id", sa.String(length=32), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.Column("cover_id", sa.String(length=32), nullable=True),
        sa.Column("set_by", sa.String(length=32), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "cover_id IS NULL OR cover_id <> user_id", name=op.f("ck_absences_not_own_cover")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_absences")),
    )


def downgrade() -> None:
    op.drop_table("absences")
    op.drop_table("claim_approvals")
