"""The MSG/GDR forecast (issue 35, item 5): each account's forecast per week, the requests
deciding it, and each POD's projected GDR; and two digest kinds of reminders (the
repeat-disqualification flag and the vendor documents expiring, told in digests now).

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 18:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


_OLD_KINDS = (
    "kind IN ('update', 'mention', 'escalation', 'term', 'approval', 'breach', 'tat_warning', "
    "'preapproval', 'stall', 'preapproval_answer', 'levers', 'digest')"
)
_NEW_KINDS = (
    "kind IN ('update', 'mention', 'escalation', 'term', 'approval', 'breach', 'tat_warning', "
    "'preapproval', 'stall', 'preapproval_answer', 'levers', 'repeat_dq', 'vendor_expiry', "
    "'digest')"
)


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_kind"), type_="check")
        batch_op.create_check_constraint("kind", _NEW_KINDS)
    op.create_table(
        "forecasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pod_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("customer", sa.String(length=200), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("handover", sa.Date(), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("term_end", sa.Date(), nullable=True),
        sa.Column("msg", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("to_date", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("reach_on", sa.Date(), nullable=True),
        sa.Column("shortfall", sa.BigInteger(), nullable=False),
        sa.Column("sentence", sa.Text(), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "status IN ('reached', 'on-track', 'at-risk', 'missed')",
            name=op.f("ck_forecasts_status"),
        ),
        sa.CheckConstraint("length(currency) = 3", name=op.f("ck_forecasts_currency")),
        sa.ForeignKeyConstraint(["pod_id"], ["pods.id"], name=op.f("fk_forecasts_pod_id_pods")),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_forecasts_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_forecasts")),
    )
    op.create_index(
        "uq_forecasts_account_id_week", "forecasts", ["account_id", "week"], unique=True
    )
    op.create_index("ix_forecasts_pod_id_week", "forecasts", ["pod_id", "week"])
    op.create_table(
        "forecast_deciders",
        sa.Column("forecast_id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("at_risk", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["forecast_id"],
            ["forecasts.id"],
            name=op.f("fk_forecast_deciders_forecast_id_forecasts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_forecast_deciders_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("forecast_id", "request_id", name=op.f("pk_forecast_deciders")),
    )
    op.create_index(
        "ix_forecast_deciders_request_id_week", "forecast_deciders", ["request_id", "week"]
    )
    op.create_table(
        "pod_forecasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("pod_id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("quarter", sa.String(length=8), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reached", sa.Integer(), nullable=False),
        sa.Column("decided", sa.Integer(), nullable=False),
        sa.Column("apart", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["pod_id"], ["pods.id"], name=op.f("fk_pod_forecasts_pod_id_pods")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pod_forecasts")),
    )
    op.create_index(
        "uq_pod_forecasts_pod_id_week", "pod_forecasts", ["pod_id", "week"], unique=True
    )


def downgrade() -> None:
    op.execute("DELETE FROM reminders WHERE kind IN ('repeat_dq', 'vendor_expiry')")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_kind"), type_="check")
        batch_op.create_check_constraint("kind", _OLD_KINDS)
    op.drop_index("uq_pod_forecasts_pod_id_week", table_name="pod_forecasts")
    op.drop_table("pod_forecasts")
    op.drop_index("ix_forecast_deciders_request_id_week", table_name="forecast_deciders")
    op.drop_table("forecast_deciders")
    op.drop_index("ix_forecasts_pod_id_week", table_name="forecasts")
    op.drop_index("uq_forecasts_account_id_week", table_name="forecasts")
    op.drop_table("forecasts")
