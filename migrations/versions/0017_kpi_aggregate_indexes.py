"""Indexes for the KPI figures read by aggregate and scoped to the quarter asked (issue 26):
the quarter's claims by decision time, with every column a sum needs
(`ix_savings_claims_status_decided_at`, covering) and a request's
claims (`ix_savings_claims_request_id`, for a customer's, a won request's or a tool's claims),
a POD's requests closed or created in a quarter, a tool's requests (the benchmark's replay),
a POD's mentions of a quarter and the updates of a quarter; and the pending claims oldest
first (partial), which a Home lists.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 12:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVERING = ["status", "decided_at", "superseded_at", "kind", "currency", "request_id", "baseline",
            "final"]  # fmt: skip
INDEXES = (
    # Covering: a quarter's sum reads the index alone, then each claim's request by its key.
    ("ix_savings_claims_status_decided_at", "savings_claims", COVERING),
    ("ix_savings_claims_request_id", "savings_claims", ["request_id"]),
    ("ix_requests_pod_id_closed_at", "requests", ["pod_id", "closed_at"]),
    ("ix_requests_pod_id_created_at", "requests", ["pod_id", "created_at"]),
    ("ix_requests_tool_key", "requests", ["tool_key"]),
    ("ix_pending_responses_pod_id_mentioned_at", "pending_responses", ["pod_id", "mentioned_at"]),
    ("ix_request_events_kind_at", "request_events", ["kind", "at"]),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    # A Home's pending claims, oldest first, without walking the POD's requests.
    pending = sa.text("status = 'pending'")
    op.create_index(
        "ix_savings_claims_pending_created_at",
        "savings_claims",
        ["created_at", "id"],
        postgresql_where=pending,
        sqlite_where=pending,
    )


def downgrade() -> None:
    op.drop_index("ix_savings_claims_pending_created_at", table_name="savings_claims")
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
