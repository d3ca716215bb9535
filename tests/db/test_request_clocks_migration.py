"""Migration 0034 adds the request clocks' columns and the covering index of a quarter's
updates (`bot.db.request_clocks`), and takes them away again. On SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from bot.db.migrate import alembic_config, current_revision, upgrade
from bot.db.session import Database

CLOCKS = {"triage_due_by", "tat_due_by", "cadence_from", "cadence_stop"}


def _shape(db: Database) -> tuple[set[str], set[str], set[str]]:
    found = inspect(db.engine)
    return (
        {c["name"] for c in found.get_columns("requests")} & CLOCKS,
        {c["name"] for c in found.get_columns("request_events")} & {"work_day"},
        {i["name"] or "" for i in found.get_indexes("request_events")},
    )


def test_0034_adds_the_request_clocks_and_takes_them_away(at_0033: Database) -> None:
    upgrade(at_0033.engine)
    columns, events, indexes = _shape(at_0033)
    assert columns == CLOCKS and events == {"work_day"}
    assert "ix_request_events_update_days" in indexes
    assert "ix_request_events_kind_at" not in indexes
    config = alembic_config()
    with at_0033.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0033")
    assert current_revision(at_0033.engine) == "0033"
    columns, events, indexes = _shape(at_0033)
    assert columns == set() and events == set()
    assert "ix_request_events_kind_at" in indexes
    assert "ix_request_events_update_days" not in indexes
    assert upgrade(at_0033.engine, "0034") == ("0033", "0034")
