"""Imports written in batches: `imports` (one row per `podbot import requests` run, its state
importing|complete|failed), and `import_id` on the requests and outbox rows it writes, which
no reader sees until their import is complete.

`deliveries.import_id` has no foreign key: adding one would make SQLite rebuild the outbox
table (batch mode), partial indexes and all; plain ADD COLUMN keeps it as it is.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_NOT_NULL = sa.text("import_id IS NOT NULL")


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("file_name", sa.String(length=255), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("written", sa.Integer(), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "state IN ('importing', 'complete', 'failed')", name=op.f("ck_imports_state")
        ),
        sa.CheckConstraint("kind IN ('requests')", name=op.f("ck_imports_kind")),
        sa.CheckConstraint("written >= 0 AND written <= rows", name=op.f("ck_imports_written")),
        sa.CheckConstraint(
            "(state = 'importing') = (finished_at IS NULL)", name=op.f("ck_imports_finished")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )
    running = sa.text("state = 'importing'")
    op.create_index(
        "uq_imports_running_kind", "imports", ["kind"], unique=True,
        sqlite_where=running, postgresql_where=running,
    )  # fmt: skip
    with op.batch_alter_table(
        "requests", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(sa.Column("import_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_requests_import_id_imports"), "imports", ["import_id"], ["id"]
        )
    op.create_index(
        "ix_requests_import_id", "requests", ["import_id"],
        sqlite_where=_NOT_NULL, postgresql_where=_NOT_NULL,
    )  # fmt: skip
    op.add_column("deliveries", sa.Column("import_id", sa.Integer(), nullable=True))
    op.create_index(
        "ix_deliveries_import_id", "deliveries", ["import_id"],
        sqlite_where=_NOT_NULL, postgresql_where=_NOT_NULL,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_deliveries_import_id", table_name="deliveries")
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_column("import_id")
    op.drop_index("ix_requests_import_id", table_name="requests")
    with op.batch_alter_table(
        "requests", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_constraint("fk_requests_import_id_imports", type_="foreignkey")
        batch_op.drop_column("import_id")
    op.drop_index("uq_imports_running_kind", table_name="imports")
    op.drop_table("imports")
