"""Close-out keeps the SaaS stack current: a won request records its new term.

`requests.term_recorded_at` / `term_recorded_by` say the new term of a won request was written
to the SaaS stack; `contracts.converted_on` is the POD-local day a contract moved from monthly
to annual billing (counted once per contract); reminders gain the kind `term` (a won request's
term still unrecorded 24 working hours after the close, reminded to the analysts once).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 00:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KINDS = "kind IN ('update', 'mention', 'escalation')"
_NEW_KINDS = "kind IN ('update', 'mention', 'escalation', 'term')"


def upgrade() -> None:
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("term_recorded_at", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("term_recorded_by", sa.String(length=32), nullable=True))
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("converted_on", sa.Date(), nullable=True))
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_kind"), type_="check")
        batch_op.create_check_constraint("kind", _NEW_KINDS)


def downgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_kind"), type_="check")
        batch_op.create_check_constraint("kind", _OLD_KINDS)
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_column("converted_on")
    with op.batch_alter_table("requests", schema=None) as batch_op:
        batch_op.drop_column("term_recorded_by")
        batch_op.drop_column("term_recorded_at")
