"""Migration 0021 records the figures of the approved claims already stored, as each approval
now does (`bot.db.claim_ledger`): their tool's benchmark then and their customer's savings to
date, the claims revised by 0014 no longer counting. On SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import select

from bot.db import claim_ledger
from bot.db.migrate import upgrade
from bot.db.models import SavingsClaim
from bot.db.session import Database
from tests.helpers.claim_revisions_migration import at_0013, seed  # noqa: F401 (a fixture)


def test_0021_records_every_approved_claims_benchmark_and_savings_to_date(
    at_0013: Database,  # noqa: F811
) -> None:
    seed(at_0013)  # Acme's Miro claims 1 (revised by 4 at 0014) and 3, its Figma claim 2
    upgrade(at_0013.engine, "0019")
    upgrade(at_0013.engine)
    with at_0013.engine.begin() as connection:
        rows = connection.execute(
            select(
                SavingsClaim.id, SavingsClaim.tool_key, SavingsClaim.customer_key,
                SavingsClaim.tool_benchmark, SavingsClaim.tool_requests,
                SavingsClaim.customer_to_date,
            ).order_by(SavingsClaim.id)
        ).all()  # fmt: skip
        assert [tuple(r) for r in rows] == [
            # Revised: no longer in Acme's running total. Alone on its tool: no benchmark.
            (1, "miro", "acme corp", None, 1, None),
            (2, "figma", "acme corp", None, 1, Decimal(2000)),
            (3, "miro", "acme corp", None, 1, Decimal(3000)),  # its own request's: no other
            (4, "miro", "acme corp", None, 1, Decimal(11100)),
        ]
        assert not claim_ledger.any_unrecorded(connection)
        assert claim_ledger.check(connection) == []


def test_the_ledger_lookups_search_an_index_on_sqlite(sqlite_url: str) -> None:
    """The probe every answer makes (any claim unrecorded?) and a customer's savings before an
    instant read an index, whatever the claims' number (no SCAN of the table)."""
    db = Database(sqlite_url)
    try:
        with db.engine.connect() as connection:
            for statement in (
                "SELECT id FROM savings_claims WHERE status = 'approved' AND tool_key IS NULL "
                "LIMIT 1",
                "SELECT customer_to_date FROM savings_claims WHERE customer_key = 'acme' AND "
                "currency = 'USD' AND decided_at < '2026-10-01' AND customer_to_date IS NOT "
                "NULL ORDER BY decided_at DESC, id DESC LIMIT 1",
            ):
                plan = " ".join(
                    str(row[-1])
                    for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}")
                )
                assert plan.startswith("SEARCH savings_claims USING"), plan
                assert "ix_savings_claims_" in plan and "SCAN" not in plan, plan
    finally:
        db.dispose()
