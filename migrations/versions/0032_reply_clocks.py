"""Each mention's reply clock, recorded when it opens (issue 26, `bot.db.reply_clocks`).

`pending_responses` gains `reply_late_from` (the first instant the POD's reply hours of
working time have run: unanswered then or after, a miss) and `reply_due_by` (the last instant
an answer is in time), and a partial index on the rows not recorded yet. The index of a POD's
mentions by time (`ix_pending_responses_pod_id_mentioned_at`, 0017) becomes one that also
holds every column the reply rule reads, so counting a quarter's mentions reads the index only.

Existing data: the clocks need each POD's calendar (its holidays live in the config, which a
migration does not read), so existing mentions stay unrecorded here; the next `podbot serve`
or `podbot scheduler` records them at start (`bot.runtime`), as `podbot db restate` does, and
until then `/proc stats` counts them row by row as before.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 18:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UNRECORDED = sa.text("reply_due_by IS NULL")


CLOCK_COLUMNS = ["pod_id", "mentioned_at", "state", "member", "closed_at"]
CLOCK_COLUMNS += ["reply_late_from", "reply_due_by"]


def upgrade() -> None:
    for column in ("reply_late_from", "reply_due_by"):
        op.add_column(
            "pending_responses", sa.Column(column, sa.DateTime(timezone=True), nullable=True)
        )
    op.drop_index("ix_pending_responses_pod_id_mentioned_at", table_name="pending_responses")
    op.create_index("ix_pending_responses_reply_clock", "pending_responses", CLOCK_COLUMNS)
    op.create_index(
        "ix_pending_responses_reply_unrecorded",
        "pending_responses",
        ["pod_id"],
        sqlite_where=UNRECORDED,
        postgresql_where=UNRECORDED,
    )


def downgrade() -> None:
    op.drop_index("ix_pending_responses_reply_unrecorded", table_name="pending_responses")
    op.drop_index("ix_pending_responses_reply_clock", table_name="pending_responses")
    op.create_index(
        "ix_pending_responses_pod_id_mentioned_at", "pending_responses", ["pod_id", "mentioned_at"]
    )
    for column in ("reply_due_by", "reply_late_from"):
        op.drop_column("pending_responses", column)
