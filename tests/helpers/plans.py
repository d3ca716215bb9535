"""Test helpers shared by several test modules: plans."""

from __future__ import annotations

import re
import threading
from typing import Any

from psycopg import sql
from sqlalchemy import event

from bot.db.session import Database

# Moved here from tests/slack/plans.py by move_helpers.py (issue 28).


def sqlite_plan(db: Database, statement: str, parameters: Any) -> list[str]:
    with db.engine.connect() as connection:
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return [str(row[-1]) for row in rows]


def postgres_plan(db: Database, statement: str, parameters: dict[str, Any]) -> list[str]:
    # psycopg's `%(name)s` placeholders as the server's `$n`, prepared, then its generic plan.
    names: list[str] = []

    def number(match: re.Match[str]) -> str:
        if match.group(1) not in names:
            names.append(match.group(1))
        return f"${names.index(match.group(1)) + 1}"

    prepared = re.sub(r"%\((\w+)\)s", number, statement).replace("%%", "%")
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SET enable_seqscan = off")
        cursor.execute("SET plan_cache_mode = force_generic_plan")
        cursor.execute(f"PREPARE explained AS {prepared}")
        values = sql.SQL(", ").join(sql.Literal(parameters[name]) for name in names)
        try:
            cursor.execute(sql.SQL("EXPLAIN EXECUTE explained({})").format(values))
            return [str(row[0]) for row in cursor.fetchall()]
        finally:
            cursor.execute("DEALLOCATE explained")
            raw.rollback()
    finally:
        raw.close()


def deliveries_steps(db: Database, statement: str, parameters: Any) -> list[str]:
    """The steps of the plan of `statement` (as sent to the driver) that read `deliveries`:
    SQLite's `SEARCH deliveries USING INDEX …` / `SCAN deliveries`, PostgreSQL's
    `Index Scan using … on deliveries` / `Seq Scan on deliveries`."""
    if db.dialect == "sqlite":
        plan = sqlite_plan(db, statement, parameters)
        steps = [s for s in plan if re.match(r"(SEARCH|SCAN) deliveries(_\d+)?\b", s)]
    else:
        plan = [
            s.strip().removeprefix("->").strip() for s in postgres_plan(db, statement, parameters)
        ]
        wanted = r"\bon deliveries\b|Seq Scan|Bitmap Index Scan on ix_deliveries_"
        steps = [s for s in plan if re.search(wanted, s)]
    assert steps, f"no step reads deliveries in the plan of {statement!r}: {plan}"
    return steps


def sent(db: Database, statement: Any, values: dict[str, Any]) -> tuple[str, Any]:
    """Run `statement` with `values` (a read, rolled back) and return it as the driver got it."""
    mine, seen = threading.get_ident(), []

    def record(_conn: Any, _cursor: Any, text: str, parameters: Any, *_: Any) -> None:
        if threading.get_ident() == mine:
            seen.append((text, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with db.engine.connect() as connection:
            connection.execute(statement, values).all()
            connection.rollback()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen[-1]
