"""Each approved claim records whether it beat its tool's benchmark (issue 26, item 2).

`savings_claims` gains `beats_benchmark`: whether the claim's savings % reached
`BENCHMARK_SHARE` of the tool's benchmark as it stood at its approval (`tool_benchmark`,
0021), NULL with no benchmark; written with that benchmark in the approval's transaction
(`bot.db.claim_ledger`), so `/proc stats` counts benchmark attainment in SQL instead of
building every won claim's fact, from two partial covering indexes: the POD's requests closed
won, and a request's approved claims latest first with their verdict.

Existing data: every approved claim's figures are restated from scratch
(`bot.db.claim_ledger.restate_all`, as `podbot db restate` does).

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-07 21:45:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from bot.db.claim_ledger import restate_all

revision: str = "0035"
down_revision: str | None = "0034"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


APPROVED = sa.text("status = 'approved'")
WON = sa.text("outcome = 'won'")


def upgrade() -> None:
    op.add_column("savings_claims", sa.Column("beats_benchmark", sa.Boolean(), nullable=True))
    # Benchmark attainment: the POD's won requests by close time, and each one's latest
    # approved claim with its verdict, each read from an index holding every column it asks
    # (the partial index's own condition too: SQLite reads the row for it otherwise).
    op.create_index(
        "ix_requests_won",
        "requests",
        ["pod_id", "closed_at", "buyer_id", "created_at", "assigned_at", "outcome"],
        sqlite_where=WON,
        postgresql_where=WON,
    )
    op.create_index(
        "ix_savings_claims_approved_request_id",
        "savings_claims",
        ["request_id", "decided_at", "id", "superseded_at", "beats_benchmark", "status"],
        sqlite_where=APPROVED,
        postgresql_where=APPROVED,
    )
    restate_all(op.get_bind())


def downgrade() -> None:
    op.drop_index("ix_savings_claims_approved_request_id", table_name="savings_claims")
    op.drop_index("ix_requests_won", table_name="requests")
    # Plain DROP COLUMN (SQLite 3.35+): batch mode would rebuild the table, reflecting the
    # tables it refers to — `requests`, whose expression index cannot be reflected.
    op.drop_column("savings_claims", "beats_benchmark")
