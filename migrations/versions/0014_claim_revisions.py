"""One effective savings claim per request and kind, and quotes revised by their vendor (issue 27).

`savings_claims` gains `additional` (the buyer's mark: a saving beside the request's claim, with
its own baseline), `revises_id` (the approved claim a new one revises), and `revised_by_id` /
`superseded_at` (set on an approved claim when its revision is approved: it stays approved but
no longer counts from that instant). A partial unique index keeps one effective claim per
request and kind besides the additional ones.

Existing data: a request holding several approved claims of one kind counted them all (the
issue's $7,000 + $8,100 = $15,100 on one $48,000 baseline). Each later one, by approval,
revises the one before: the earlier is superseded at the later one's approval.

`quotes.vendor_key` is the vendor's `name_key`, so a vendor's later quote on a request revises
its earlier one and competing quotes count vendors.

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.domain.names import name_key

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PENDING = sa.text("status = 'pending'")
_EFFECTIVE = sa.text("status = 'approved' AND superseded_at IS NULL AND NOT additional")


def _fill_vendor_keys() -> None:
    # Computed in Python: no database folds names the way name_key does.
    connection = op.get_bind()
    quotes = sa.table(
        "quotes", sa.column("id", sa.Integer), sa.column("vendor", sa.String),
        sa.column("vendor_key", sa.Text),
    )  # fmt: skip
    found = connection.execute(sa.select(quotes.c.id, quotes.c.vendor)).all()
    values = [{"row_id": row_id, "k": name_key(vendor)} for row_id, vendor in found]
    if values:
        connection.execute(
            quotes.update()
            .where(quotes.c.id == sa.bindparam("row_id"))
            .values(vendor_key=sa.bindparam("k")),
            values,
        )


def _apply_revisions() -> None:
    """Each later approved claim of a request and kind revises the one approved before it."""
    connection = op.get_bind()
    claims = sa.table(
        "savings_claims", sa.column("id", sa.Integer), sa.column("request_id", sa.Integer),
        sa.column("kind", sa.String), sa.column("status", sa.String),
        sa.column("decided_at", sa.DateTime(timezone=True)),
        sa.column("revises_id", sa.Integer), sa.column("revised_by_id", sa.Integer),
        sa.column("superseded_at", sa.DateTime(timezone=True)),
    )  # fmt: skip
    approved = connection.execute(
        sa.select(claims.c.id, claims.c.request_id, claims.c.kind, claims.c.decided_at)
        .where(claims.c.status == "approved")
        .order_by(claims.c.request_id, claims.c.kind, claims.c.decided_at, claims.c.id)
    ).all()
    earlier: dict[tuple[int, str], tuple[int, object]] = {}
    revised, revising = [], []
    for claim_id, request_id, kind, decided_at in approved:
        before = earlier.get((request_id, kind))
        if before is not None:
            revised.append({"row_id": before[0], "by": claim_id, "at": decided_at})
            revising.append({"row_id": claim_id, "of": before[0]})
        earlier[(request_id, kind)] = (claim_id, decided_at)
    if revised:
        connection.execute(
            claims.update()
            .where(claims.c.id == sa.bindparam("row_id"))
            .values(revised_by_id=sa.bindparam("by"), superseded_at=sa.bindparam("at")),
            revised,
        )
        connection.execute(
            claims.update()
            .where(claims.c.id == sa.bindparam("row_id"))
            .values(revises_id=sa.bindparam("of")),
            revising,
        )


def upgrade() -> None:
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("vendor_key", sa.Text(), nullable=True))
    _fill_vendor_keys()
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.alter_column("vendor_key", existing_type=sa.Text(), nullable=False)

    # The partial index goes first and comes back after: a SQLite batch rebuild of the table
    # would not carry its WHERE over.
    op.drop_index("uq_savings_claims_one_pending", table_name="savings_claims")
    with op.batch_alter_table("savings_claims", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("additional", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("revises_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("revised_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_savings_claims_revises_id_savings_claims"),
            "savings_claims", ["revises_id"], ["id"],
        )  # fmt: skip
        batch_op.create_foreign_key(
            batch_op.f("fk_savings_claims_revised_by_id_savings_claims"),
            "savings_claims", ["revised_by_id"], ["id"],
        )  # fmt: skip
        batch_op.create_check_constraint(
            "superseded_when_revised", "(revised_by_id IS NULL) = (superseded_at IS NULL)"
        )
        batch_op.create_check_constraint(
            "only_approved_revised", "superseded_at IS NULL OR status = 'approved'"
        )
        batch_op.create_check_constraint(
            "additional_revises_none", "revises_id IS NULL OR NOT additional"
        )
    op.create_index(
        "uq_savings_claims_one_pending", "savings_claims", ["request_id"], unique=True,
        sqlite_where=_PENDING, postgresql_where=_PENDING,
    )  # fmt: skip
    _apply_revisions()
    op.create_index(
        "uq_savings_claims_one_effective", "savings_claims", ["request_id", "kind"], unique=True,
        sqlite_where=_EFFECTIVE, postgresql_where=_EFFECTIVE,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("uq_savings_claims_one_effective", table_name="savings_claims")
    op.drop_index("uq_savings_claims_one_pending", table_name="savings_claims")
    with op.batch_alter_table("savings_claims", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_savings_claims_additional_revises_none"), type_="check")
        batch_op.drop_constraint(op.f("ck_savings_claims_only_approved_revised"), type_="check")
        batch_op.drop_constraint(op.f("ck_savings_claims_superseded_when_revised"), type_="check")
        batch_op.drop_constraint(
            op.f("fk_savings_claims_revised_by_id_savings_claims"), type_="foreignkey"
        )
        batch_op.drop_constraint(
            op.f("fk_savings_claims_revises_id_savings_claims"), type_="foreignkey"
        )
        batch_op.drop_column("superseded_at")
        batch_op.drop_column("revised_by_id")
        batch_op.drop_column("revises_id")
        batch_op.drop_column("additional")
    op.create_index(
        "uq_savings_claims_one_pending", "savings_claims", ["request_id"], unique=True,
        sqlite_where=_PENDING, postgresql_where=_PENDING,
    )  # fmt: skip
    with op.batch_alter_table("quotes", schema=None) as batch_op:
        batch_op.drop_column("vendor_key")
