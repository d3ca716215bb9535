"""Migration 0007 fills `customer_key` and `tool_key` of the rows already stored, on SQLite
and PostgreSQL, keeps REQ-n numbers unique, and refuses contracts that become one."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy import MetaData, delete, insert, select

from bot.db.migrate import upgrade
from bot.db.session import Database

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def at_0006(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[Database]:
    url = (
        f"sqlite:///{tmp_path / 'old.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("empty_postgres_url")
    )
    db = Database(url)
    upgrade(db.engine, "0006")
    yield db
    db.dispose()


def tables(db: Database) -> MetaData:
    metadata = MetaData()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SQLite cannot reflect 0006's lower() indexes
        metadata.reflect(db.engine)
    return metadata


def seed(db: Database, contracts: list[tuple[str, str]]) -> None:
    t = tables(db).tables
    with db.engine.begin() as connection:
        connection.execute(
            insert(t["pods"]),
            {"id": 1, "key": "alpha", "name": "POD Alpha", "channel": "C1", "timezone": "UTC",
             "active": True},
        )  # fmt: skip
        for customer, tool in [("Ärzte\u200b GmbH", "ＦＩＧＭＡ")]:
            connection.execute(
                insert(t["requests"]),
                {"pod_id": 1, "customer": customer, "tool": tool, "type": "new",
                 "stage": "intake", "currency": "USD", "created_by": "U1", "created_at": NOW,
                 "qualification_due_at": NOW, "updated_at": NOW},
            )  # fmt: skip
        for customer, tool in contracts:
            connection.execute(
                insert(t["contracts"]),
                {"pod_id": 1, "customer": customer, "tool": tool, "annual_amount": 100,
                 "currency": "USD", "renewal_date": date(2027, 1, 1), "billing_cycle": "annual",
                 "created_at": NOW, "updated_at": NOW},
            )  # fmt: skip


def test_0007_fills_the_keys_of_stored_rows(at_0006: Database) -> None:
    seed(at_0006, [("ärzte gmbh", "Figma"), ("Globex", "Slack")])
    upgrade(at_0006.engine)
    t = tables(at_0006).tables
    with at_0006.engine.connect() as connection:
        requests = connection.execute(
            select(t["requests"].c.customer_key, t["requests"].c.tool_key)
        )
        assert requests.all() == [("ärzte gmbh", "figma")]
        contracts = connection.execute(
            select(t["contracts"].c.customer_key, t["contracts"].c.tool_key).order_by(
                t["contracts"].c.id
            )
        )
        assert contracts.all() == [("ärzte gmbh", "figma"), ("globex", "slack")]
        # The rebuilt table still never hands out a deleted request's number again.
        connection.execute(delete(t["requests"]))
        connection.execute(
            insert(t["requests"]),
            {"pod_id": 1, "customer": "A", "tool": "B", "customer_key": "a", "tool_key": "b",
             "type": "new", "stage": "intake", "currency": "USD", "created_by": "U1",
             "created_at": NOW, "qualification_due_at": NOW, "updated_at": NOW},
        )  # fmt: skip
        assert connection.execute(select(t["requests"].c.id)).scalar_one() == 2
        connection.commit()


def test_0007_refuses_contracts_that_become_one(at_0006: Database) -> None:
    # Two rows under lower() (SQLite folds ASCII only), one contract by name_key.
    seed(at_0006, [("ärzte gmbh", "Figma"), ("ÄRZTE GMBH", "Fig\u200bma")])
    with pytest.raises(Exception, match="are the same customer and tool"):
        upgrade(at_0006.engine)
