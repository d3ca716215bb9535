"""Playbooks and book-of-business bundles (issue 34): what worked on a won request (its levers
and one line), the closed requests an em marked as case studies, and the bundles proposed to
the ems of customers renewing the same tool within 90 days; the buyer's levers reminder.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 18:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KINDS = (
    "kind IN ('update', 'mention', 'escalation', 'term', 'approval', 'breach', 'tat_warning', "
    "'preapproval', 'stall', 'preapproval_answer', 'digest')"
)
_NEW_KINDS = (
    "kind IN ('update', 'mention', 'escalation', 'term', 'approval', 'breach', 'tat_warning', "
    "'preapproval', 'stall', 'preapproval_answer', 'levers', 'digest')"
)


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_kind"), type_="check")
        batch_op.create_check_constraint("kind", _NEW_KINDS)
    op.create_table(
        "lever_answers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("levers", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=32), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(levers) > 0", name=op.f("ck_lever_answers_levers_given")),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_lever_answers_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lever_answers")),
    )
    op.create_index("uq_lever_answers_request_id", "lever_answers", ["request_id"], unique=True)
    op.create_table(
        "case_studies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("marked_by", sa.String(length=32), nullable=False),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_case_studies_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_studies")),
    )
    op.create_index("uq_case_studies_request_id", "case_studies", ["request_id"], unique=True)
    op.create_table(
        "bundles",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("tool_key", sa.Text(), nullable=False),
        sa.Column("tool", sa.String(length=200), nullable=False),
        sa.Column("pod_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_by", sa.String(length=32), nullable=True),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(["pod_id"], ["pods.id"], name=op.f("fk_bundles_pod_id_pods")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bundles")),
    )
    op.create_table(
        "bundle_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("bundle_id", sa.Integer(), nullable=False),
        sa.Column("contract_id", sa.Integer(), nullable=False),
        sa.Column("renewal_date", sa.Date(), nullable=False),
        sa.Column("pod_id", sa.Integer(), nullable=False),
        sa.Column("customer", sa.String(length=200), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["bundle_id"],
            ["bundles.id"],
            name=op.f("fk_bundle_members_bundle_id_bundles"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_bundle_members_contract_id_contracts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["pod_id"], ["pods.id"], name=op.f("fk_bundle_members_pod_id_pods")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_bundle_members_request_id_requests"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bundle_members")),
    )
    op.create_index(
        "uq_bundle_members_contract_id_renewal_date",
        "bundle_members",
        ["contract_id", "renewal_date"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("uq_bundle_members_contract_id_renewal_date", table_name="bundle_members")
    op.drop_table("bundle_members")
    op.drop_table("bundles")
    op.drop_index("uq_case_studies_request_id", table_name="case_studies")
    op.drop_table("case_studies")
    op.drop_index("uq_lever_answers_request_id", table_name="lever_answers")
    op.drop_table("lever_answers")
    op.execute("DELETE FROM reminders WHERE kind = 'levers'")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_kind"), type_="check")
        batch_op.create_check_constraint("kind", _OLD_KINDS)
