"""Risk and compliance before the close (issue 33): vendors and their qualification documents,
each request's contract checklist, and on requests the close guards' facts (sole source, no
saving, guards met, an em's override).

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-07 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _request_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("sole_source_reason", sa.Text(), nullable=True),
        sa.Column("no_saving_reason", sa.Text(), nullable=True),
        sa.Column("guards_met", sa.Boolean(), nullable=True),
        sa.Column("guards_override_by", sa.String(length=32), nullable=True),
        sa.Column("guards_override_reason", sa.Text(), nullable=True),
    ]


def upgrade() -> None:
    op.create_table(
        "vendors",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("length(trim(name)) > 0", name=op.f("ck_vendors_named")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendors")),
        sa.UniqueConstraint("key", name=op.f("uq_vendors_key")),
    )
    op.create_table(
        "vendor_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("vendor_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("checked_by", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "kind IN ('soc2', 'iso27001', 'insurance', 'w9', 'financials')",
            name=op.f("ck_vendor_documents_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["vendor_id"],
            ["vendors.id"],
            name=op.f("fk_vendor_documents_vendor_id_vendors"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_vendor_documents")),
        sa.UniqueConstraint("vendor_id", "kind", name=op.f("uq_vendor_documents_vendor_id_kind")),
    )
    op.create_index("ix_vendor_documents_expires_on", "vendor_documents", ["expires_on"])
    op.create_table(
        "checklist_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("item", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("notice_days", sa.Integer(), nullable=True),
        sa.Column("updated_by", sa.String(length=32), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "state IN ('not_started', 'requested', 'done', 'na')",
            name=op.f("ck_checklist_items_state"),
        ),
        sa.CheckConstraint(
            "state <> 'na' OR reason IS NOT NULL", name=op.f("ck_checklist_items_na_has_reason")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["requests.id"],
            name=op.f("fk_checklist_items_request_id_requests"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checklist_items")),
        sa.UniqueConstraint("request_id", "item", name=op.f("uq_checklist_items_request_id_item")),
    )
    for column in _request_columns():
        op.add_column("requests", column)


def downgrade() -> None:
    # Plain DROP COLUMN (SQLite 3.35+): batch mode would rebuild `requests`, and its
    # expression index (ix_requests_negotiations) cannot be reflected.
    for column in reversed(_request_columns()):
        op.drop_column("requests", column.name)
    op.drop_table("checklist_items")
    op.drop_index("ix_vendor_documents_expires_on", table_name="vendor_documents")
    op.drop_table("vendor_documents")
    op.drop_table("vendors")
