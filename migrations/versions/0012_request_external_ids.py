"""Imported requests: `requests.external_id`, the tracker's id of a request brought in by
`podbot import requests` (unique, null for requests made in Slack), so a re-import finds it.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table(
        "requests", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.add_column(sa.Column("external_id", sa.String(length=200), nullable=True))
        batch_op.create_unique_constraint(op.f("uq_requests_external_id"), ["external_id"])


def downgrade() -> None:
    with op.batch_alter_table(
        "requests", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_constraint(op.f("uq_requests_external_id"), type_="unique")
        batch_op.drop_column("external_id")
