"""Digests, the em's approval queue and TAT warnings: reminders gain four kinds.

`approval` (a savings claim pending 24 working hours, to its POD's em(s)), `breach` (an open
breach, to the analysts), `tat_warning` (a negotiation TAT due in 3 days, to the buyer and the
analysts) and `digest` (one person's digest of one kind on one local day, so it is sent at most
once a day whatever the schedulers do).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 00:20:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KINDS = "kind IN ('update', 'mention', 'escalation', 'term')"
_NEW_KINDS = (
    "kind IN ('update', 'mention', 'escalation', 'term', 'approval', 'breach', 'tat_warning', "
    "'digest')"
)


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_kind"), type_="check")
        batch_op.create_check_constraint("kind", _NEW_KINDS)


def downgrade() -> None:
    op.execute(
        "DELETE FROM reminders WHERE kind IN ('approval', 'breach', 'tat_warning', 'digest')"
    )
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_kind"), type_="check")
        batch_op.create_check_constraint("kind", _OLD_KINDS)
