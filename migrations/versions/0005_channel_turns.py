"""Channel turns: posts from several processes into one channel keep Slack's pace.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-24 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "channel_turns",
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("free_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("holder", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("channel", name=op.f("pk_channel_turns")),
    )


def downgrade() -> None:
    op.drop_table("channel_turns")
