"""Each request's clocks, recorded when they are decided (issue 26, `bot.db.request_clocks`).

`requests` gains `triage_due_by` (the qualification rule's due: creation + the POD's
qualification hours of working time, holds aside), `tat_due_by` (the negotiation TAT's due as
the rule judges it: moved by holds), `cadence_from` and `cadence_stop` (the POD's working-day
numbers of the day after assignment and of the close day); `request_events` gains `work_day`
(an update's working-day number, -1 on a day off). The index of a quarter's events by kind and
time (`ix_request_events_kind_at`, 0017) becomes one that also holds the request and the day, so
counting a quarter's updated days reads the index only.

Existing data: the clocks need each POD's calendar and clocks (its holidays, zone and hours live
in the config, which a migration does not read), so existing rows stay unrecorded here, as 0032
left the mentions; the next `podbot serve` or `podbot scheduler` records them at start
(`bot.runtime`), as `podbot db restate --config` does, and until then `/proc stats` judges a
quarter with one unrecorded row by row as before.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-07 21:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0034"
down_revision: str | None = "0033"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REQUEST_COLUMNS = [
    ("triage_due_by", sa.DateTime(timezone=True)),
    ("tat_due_by", sa.DateTime(timezone=True)),
    ("cadence_from", sa.Integer()),
    ("cadence_stop", sa.Integer()),
]


def upgrade() -> None:
    for name, kind in REQUEST_COLUMNS:
        op.add_column("requests", sa.Column(name, kind, nullable=True))
    op.add_column("request_events", sa.Column("work_day", sa.Integer(), nullable=True))
    op.drop_index("ix_request_events_kind_at", table_name="request_events")
    op.create_index(
        "ix_request_events_update_days", "request_events", ["kind", "at", "request_id", "work_day"]
    )


def downgrade() -> None:
    op.drop_index("ix_request_events_update_days", table_name="request_events")
    op.create_index("ix_request_events_kind_at", "request_events", ["kind", "at"])
    # Plain drops (no batch mode): `requests` has an expression index batch mode cannot
    # reflect, and `request_events` references it.
    op.drop_column("request_events", "work_day")
    for name, _ in reversed(REQUEST_COLUMNS):
        op.drop_column("requests", name)
