"""Test helpers shared by several test modules: claim revisions migration."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import MetaData, insert

from bot.db.migrate import upgrade
from bot.db.session import Database

# Moved here from tests/db/test_claim_revisions_migration.py by move_helpers.py (issue 28).


BUYER, EM = "U0BUY0001", "U0EM00001"
MONDAY = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
TUESDAY = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def at_0013(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    url = (
        f"sqlite:///{tmp_path / 'old.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("empty_postgres_url")
    )
    db = Database(url)
    upgrade(db.engine, "0013")
    yield db
    db.dispose()


def cents(dollars: int) -> int:
    """Amounts are stored as whole cents (`MoneyAmount`); these rows are written as 0013 did."""
    return dollars * 100


def tables(db: Database) -> dict[str, Any]:
    metadata = MetaData()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        metadata.reflect(db.engine)
    return dict(metadata.tables)


def seed(db: Database) -> None:
    """What 0013 allowed: REQ-1 with two approved savings claims ($7,000 on Monday, $8,100 on
    Tuesday) and an approved avoidance claim ($1,000); REQ-2 with one ($2,000); a vendor that
    quoted REQ-1 twice. Acme Corp's account and the POD's and buyer's 2026Q4 targets."""
    t = tables(db)
    with db.engine.begin() as connection:
        connection.execute(
            insert(t["pods"]),
            {"id": 1, "key": "alpha", "name": "POD Alpha", "channel": "C0ALPHA01",
             "timezone": "Asia/Kolkata", "active": True},
        )  # fmt: skip
        for number, tool in ((1, "Miro"), (2, "Figma")):
            connection.execute(
                insert(t["requests"]),
                {"id": number, "pod_id": 1, "customer": "Acme Corp", "tool": tool,
                 "customer_key": "acme corp", "tool_key": tool.lower(), "type": "new",
                 "stage": "negotiating", "amount": cents(48000), "currency": "USD",
                 "created_by": EM, "buyer_id": BUYER, "created_at": MONDAY,
                 "qualification_due_at": MONDAY, "assigned_at": MONDAY, "tat_due_at": MONDAY,
                 "updated_at": MONDAY},
            )  # fmt: skip
        claim = {"currency": "USD", "status": "approved", "created_by": BUYER,
                 "created_at": MONDAY, "decided_by": EM}  # fmt: skip
        connection.execute(insert(t["savings_claims"]), [
            {"id": claim_id, "request_id": number, "kind": kind, "baseline": cents(baseline),
             "final": cents(final), "decided_at": decided, **claim}
            for claim_id, number, kind, baseline, final, decided in (
                (1, 1, "savings", 48000, 41000, MONDAY),
                (2, 2, "savings", 10000, 8000, MONDAY),
                (3, 1, "avoidance", 5000, 4000, MONDAY),
                (4, 1, "savings", 48000, 39900, TUESDAY),
            )
        ])  # fmt: skip
        connection.execute(insert(t["quotes"]), [
            {"request_id": 1, "vendor": vendor, "amount": cents(41500), "currency": currency,
             "created_by": BUYER, "created_at": MONDAY}
            for vendor, currency in (("Crayon", "USD"), ("CRAYON", "EUR"))
        ])  # fmt: skip
        connection.execute(
            insert(t["accounts"]),
            {"pod_id": 1, "customer": "Acme Corp", "customer_key": "acme corp",
             "initiated": date(2026, 10, 1), "handover": date(2026, 10, 15),
             "term_end": date(2027, 9, 30), "msg": cents(20000), "pse": cents(100000),
             "currency": "USD", "health": "favorable", "created_at": MONDAY, "updated_at": MONDAY,
             "updated_by": "import"},
        )  # fmt: skip
        connection.execute(insert(t["targets"]), [
            {"pod_id": 1, "quarter": "2026Q4", "scope": "pod", "member_id": None,
             "amount": cents(100000), "currency": "USD", "set_at": MONDAY, "set_by": "import"},
            {"pod_id": 1, "quarter": "2026Q4", "scope": "member", "member_id": BUYER,
             "amount": cents(50000), "currency": "USD", "set_at": MONDAY, "set_by": "import"},
        ])  # fmt: skip
