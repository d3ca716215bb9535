"""0036 gives contracts a plan key (`name_key(plan)`, as quote lines have), filled for the
contracts already stored, and takes it away again on downgrade."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from bot.db.migrate import alembic_config, current_revision, upgrade
from bot.db.session import Database


def _columns(db: Database) -> set[str]:
    return {column["name"] for column in inspect(db.engine).get_columns("contracts")}


def test_0036_fills_the_plan_keys_and_downgrade_drops_them(at_0033: Database) -> None:
    with at_0033.engine.begin() as connection:
        connection.execute(
            text("INSERT INTO pods (id, key, name, channel, timezone, active) "
                 "VALUES (1, 'alpha', 'POD Alpha', 'C1', 'UTC', :yes)"),
            {"yes": True},
        )  # fmt: skip
        for customer, plan in (("Acme", "  PROFESSIONAL\u200b "), ("Globex", None)):
            connection.execute(
                text("INSERT INTO contracts (pod_id, customer, tool, customer_key, tool_key, "
                     "annual_amount, currency, renewal_date, billing_cycle, created_at, "
                     "updated_at, seats, plan) VALUES (1, :c, 'Figma', :key, 'figma', "
                     "10000, 'USD', '2027-01-01', 'annual', '2026-11-23 10:00:00', "
                     "'2026-11-23 10:00:00', 100, :plan)"),
                {"c": customer, "key": customer.lower(), "plan": plan},
            )  # fmt: skip
    upgrade(at_0033.engine, "0036")
    with at_0033.engine.connect() as connection:
        keys = connection.execute(text("SELECT customer, plan_key FROM contracts ORDER BY id"))
        assert [tuple(row) for row in keys] == [("Acme", "professional"), ("Globex", None)]

    config = alembic_config()
    with at_0033.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0033")
    assert current_revision(at_0033.engine) == "0033"
    assert "plan_key" not in _columns(at_0033)
    upgrade(at_0033.engine, "0036")
    assert "plan_key" in _columns(at_0033)
