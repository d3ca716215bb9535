"""Customers and tools are compared by one key (`bot.domain.names.name_key`: NFKC, case-folded,
invisible characters removed, whitespace collapsed), stored beside each name, instead of by
`lower()`, which SQLite folds for ASCII only; `processed_events` also holds the trigger keys of
slash commands, clicks and modal submissions, longer than an Events API id.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 22:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.domain.names import name_key

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


class DuplicateContracts(RuntimeError):
    """Contracts that were two rows under `lower()` are one under the key."""


def _fill_keys(table: str) -> None:
    # Computed in Python: no database folds names the way name_key does.
    connection = op.get_bind()
    rows = sa.table(
        table,
        sa.column("id", sa.Integer),
        sa.column("customer", sa.String),
        sa.column("tool", sa.String),
        sa.column("customer_key", sa.Text),
        sa.column("tool_key", sa.Text),
    )
    found = connection.execute(sa.select(rows.c.id, rows.c.customer, rows.c.tool)).all()
    if table == "contracts":
        seen: dict[tuple[str, str], int] = {}
        for row_id, customer, tool in found:
            key = (name_key(customer), name_key(tool))
            if key in seen:
                raise DuplicateContracts(
                    f"contracts {seen[key]} and {row_id} are the same customer and tool "
                    f"({customer} · {tool}) once case, width and invisible characters are "
                    "ignored; delete one of them, then run `podbot db upgrade` again."
                )
            seen[key] = row_id
    update = (
        rows.update()
        .where(rows.c.id == sa.bindparam("row_id"))
        .values(customer_key=sa.bindparam("c"), tool_key=sa.bindparam("t"))
    )
    values = [
        {"row_id": row_id, "c": name_key(customer), "t": name_key(tool)}
        for row_id, customer, tool in found
    ]
    if values:
        connection.execute(update, values)


def upgrade() -> None:
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.alter_column(
            "event_id", existing_type=sa.String(length=64), type_=sa.String(length=255)
        )

    # The lower() indexes go first: SQLite cannot reflect expression indexes, so a batch
    # rebuild of the table would trip over them.
    op.drop_index("ix_requests_customer_tool", table_name="requests")
    op.drop_index("uq_contracts_customer_tool", table_name="contracts")
    for table in ("requests", "contracts"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("customer_key", sa.Text(), nullable=True))
            batch_op.add_column(sa.Column("tool_key", sa.Text(), nullable=True))
        _fill_keys(table)
    # A rebuilt `requests` keeps AUTOINCREMENT: a REQ-n number is never reused.
    with op.batch_alter_table(
        "requests", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.alter_column("customer_key", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("tool_key", existing_type=sa.Text(), nullable=False)
        batch_op.create_index(
            "ix_requests_customer_key_tool_key", ["customer_key", "tool_key"], unique=False
        )
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.alter_column("customer_key", existing_type=sa.Text(), nullable=False)
        batch_op.alter_column("tool_key", existing_type=sa.Text(), nullable=False)
        batch_op.create_index(
            "uq_contracts_customer_key_tool_key", ["customer_key", "tool_key"], unique=True
        )


def downgrade() -> None:
    with op.batch_alter_table("contracts", schema=None) as batch_op:
        batch_op.drop_index("uq_contracts_customer_key_tool_key")
        batch_op.drop_column("tool_key")
        batch_op.drop_column("customer_key")
    with op.batch_alter_table(
        "requests", schema=None, table_kwargs={"sqlite_autoincrement": True}
    ) as batch_op:
        batch_op.drop_index("ix_requests_customer_key_tool_key")
        batch_op.drop_column("tool_key")
        batch_op.drop_column("customer_key")
    op.create_index(
        "uq_contracts_customer_tool",
        "contracts",
        [sa.text("lower(customer)"), sa.text("lower(tool)")],
        unique=True,
    )
    op.create_index(
        "ix_requests_customer_tool",
        "requests",
        [sa.text("lower(customer)"), sa.text("lower(tool)")],
    )
    with op.batch_alter_table("processed_events", schema=None) as batch_op:
        batch_op.alter_column(
            "event_id", existing_type=sa.String(length=255), type_=sa.String(length=64)
        )
