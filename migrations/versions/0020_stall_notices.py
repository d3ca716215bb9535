"""Stall notices in the digests (issue 30): reminders gain the kind `stall` — a procurement
stage past its bound, a negotiation quiet for 14 days, or a long hold, told once to each person
it concerns as an item of their digest DM (in their own hours, to the cover while they are
away) instead of a thread line mentioning them.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07 15:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_OLD_KINDS = (
    "kind IN ('update', 'mention', 'escalation', 'term', 'approval', 'breach', 'tat_warning', "
    "'digest', 'preapproval')"
)
_NEW_KINDS = (
    "kind IN ('update', 'mention', 'escalation', 'term', 'approval', 'breach', 'tat_warning', "
    "'digest', 'preapproval', 'stall')"
)


def upgrade() -> None:
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_kind"), type_="check")
        batch_op.create_check_constraint("kind", _NEW_KINDS)


def downgrade() -> None:
    op.execute("DELETE FROM reminders WHERE kind = 'stall'")
    with op.batch_alter_table("reminders", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_reminders_kind"), type_="check")
        batch_op.create_check_constraint("kind", _OLD_KINDS)
