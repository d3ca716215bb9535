"""Indexes for the KPI figures read by aggregate and scoped to the quarter asked (issue 26):
the quarter's claims by decision time, with every column a sum needs
(`ix_savings_claims_status_decided_at`, covering; `ix_requests_claim_scope` for what the sum
asks of each claim's request) and a request's
claims (`ix_savings_claims_request_id`, for a customer's, a won request's or a tool's claims),
a POD's requests closed or created in a quarter, a tool's requests (the benchmark's replay),
a POD's mentions of a quarter and the updates of a quarter; the breaches by due time, a buyer's negotiations by when
their next update is due (an expression index) and the pending claims oldest first (partial),
which the Homes list.

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
    # What a claim's sum asks of its request, read from the index rather than the row.
    (
        "ix_requests_claim_scope",
        "requests",
        ["id", "pod_id", "buyer_id", "customer_key", "import_id"],
    ),
    # The POD's breaches, longest past first.
    (
        "ix_requests_pod_stage_tat_due_at",
        "requests",
        ["pod_id", "stage", "tat_due_at", "import_id"],
    ),
    (
        "ix_requests_pod_stage_qualification_due_at",
        "requests",
        ["pod_id", "stage", "qualification_due_at", "import_id"],
    ),
)


def upgrade() -> None:
    for name, table, columns in INDEXES:
        op.create_index(name, table, columns)
    # A buyer's negotiations, the next update due first (an expression index: SQLite and
    # PostgreSQL both match `coalesce(requests.last_update_at, requests.assigned_at)` to it).
    op.create_index(
        "ix_requests_negotiations",
        "requests",
        [
            "pod_id",
            "stage",
            "buyer_id",
            sa.text("coalesce(last_update_at, assigned_at)"),
            "import_id",
        ],
    )
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
    op.drop_index("ix_requests_negotiations", table_name="requests")
    for name, table, _ in reversed(INDEXES):
        op.drop_index(name, table_name=table)
