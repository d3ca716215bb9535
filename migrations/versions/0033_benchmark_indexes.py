"""Indexes that cover the per-seat benchmarks and the playbook (issue 34, the cost of issue 26).

`/proc benchmark` and `/proc playbook` read a tool's requests in a POD, their itemised lines in
the 24-month window and their quotes: each from an index that holds every column the query
reads, so no table row is visited. The index of requests by tool (0017) becomes one by tool,
POD and import (its prefix serves every query the old one did). The index of lines by time
alone (0025) goes: no query reads lines by time across tools, and with statistics taken when
the table was small (`PRAGMA optimize` does not always re-analyze it) SQLite's planner walked
every line of the window through it instead of the tool's own lines.

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-07 19:45:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0033"
down_revision: str | None = "0032"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = (
    ("ix_requests_tool_key_pod_id", "requests", ["tool_key", "pod_id", "import_id"]),
    (
        "ix_quote_lines_benchmark",
        "quote_lines",
        [
            "request_id",
            "created_at",
            "quantity",
            "annual_unit_price",
            "plan_key",
            "quote_id",
            "currency",
        ],
    ),
    ("ix_quotes_request_id_currency", "quotes", ["request_id", "currency", "vendor_key", "amount"]),
)


def upgrade() -> None:
    op.drop_index("ix_requests_tool_key", table_name="requests")
    op.drop_index("ix_quote_lines_created_at", table_name="quote_lines")
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, table, _columns in reversed(INDEXES):
        op.drop_index(name, table_name=table)
    op.create_index("ix_requests_tool_key", "requests", ["tool_key"])
    op.create_index("ix_quote_lines_created_at", "quote_lines", ["created_at"])
