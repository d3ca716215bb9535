"""Migration 0021 records the figures of the approved claims already stored, as each approval
now does (`bot.db.claim_ledger`): their tool's benchmark then and their customer's savings to
date, the claims revised by 0014 no longer counting. On SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from alembic import command
from sqlalchemy import insert, select

from bot.db import claim_ledger
from bot.db.migrate import alembic_config, upgrade
from bot.db.models import SavingsClaim
from bot.db.session import Database
from tests.helpers.claim_revisions_migration import (  # noqa: F401 (a fixture)
    BUYER,
    EM,
    MONDAY,
    TUESDAY,
    at_0013,
    cents,
    seed,
    tables,
)


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


def test_0035_records_whether_each_claim_beat_its_benchmark_and_downgrades(
    at_0013: Database,  # noqa: F811
) -> None:
    """0035 adds `beats_benchmark` and restates every approved claim: Globex's Miro claim
    (20.8 %, against Acme's 16.875 %) beat it, Initech's (2.1 %, against their mean) did not;
    Acme's own claims had no benchmark. Down to 0033 drops it, up again records it again."""
    seed(at_0013)
    upgrade(at_0013.engine, "0033")
    t = tables(at_0013)
    wednesday, thursday = TUESDAY + timedelta(days=1), TUESDAY + timedelta(days=2)
    with at_0013.engine.begin() as connection:
        for number, customer, decided, final in (
            (3, "Globex", wednesday, 38000),
            (4, "Initech", thursday, 47000),
        ):
            connection.execute(
                insert(t["requests"]),
                {"id": number, "pod_id": 1, "customer": customer, "tool": "Miro",
                 "customer_key": customer.lower(), "tool_key": "miro", "type": "new",
                 "stage": "negotiating", "amount": cents(48000), "currency": "USD",
                 "created_by": EM, "buyer_id": BUYER, "created_at": MONDAY,
                 "qualification_due_at": MONDAY, "assigned_at": MONDAY, "tat_due_at": MONDAY,
                 "updated_at": MONDAY},
            )  # fmt: skip
            connection.execute(
                insert(t["savings_claims"]),
                {"id": number + 2, "request_id": number, "kind": "savings",
                 "baseline": cents(48000), "final": cents(final), "currency": "USD",
                 "status": "approved", "created_by": BUYER, "created_at": decided,
                 "decided_by": EM, "decided_at": decided},
            )  # fmt: skip

    def flags() -> list[tuple[int, bool | None]]:
        with at_0013.engine.begin() as connection:
            rows = connection.execute(
                select(SavingsClaim.id, SavingsClaim.beats_benchmark).order_by(SavingsClaim.id)
            ).all()
            assert not claim_ledger.any_unrecorded(connection)
            assert claim_ledger.check(connection) == []
        return [tuple(r) for r in rows]  # type: ignore[misc]

    upgrade(at_0013.engine)
    expected = [(1, None), (2, None), (3, None), (4, None), (5, True), (6, False)]
    assert flags() == expected
    config = alembic_config()
    with at_0013.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0033")
    assert "beats_benchmark" not in tables(at_0013)["savings_claims"].c
    upgrade(at_0013.engine)
    assert flags() == expected
