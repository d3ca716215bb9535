"""Issue 30: the `holds` table (migration 0019) on SQLite and PostgreSQL — at most one open
hold per request (a partial unique index), a closed one names who ended it and ends after it
began, and only the customer or the vendor holds a request."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from bot.config import Config
from bot.db.models import Hold
from tests.helpers.migrations import NOW, seeded


def hold(request_id: int, **overrides: object) -> Hold:
    values: dict[str, object] = dict(
        request_id=request_id, clock="tat", party="customer", reason="InfoSec review",
        due_before=NOW, started_at=NOW, started_by="U0BUY0001",
    )  # fmt: skip
    values.update(overrides)
    return Hold(**values)


def test_one_open_hold_per_request_and_closed_ones_beside_it(
    database_url: str, test_config: Config
) -> None:
    db, request_id = seeded(database_url, test_config)
    later = NOW + timedelta(days=3)
    with db.transaction() as session:
        session.add(hold(request_id, ended_at=later, ended_by="U0EM00001"))
        session.add(hold(request_id, started_at=later))
    with pytest.raises(IntegrityError), db.transaction() as session:
        session.add(hold(request_id, party="vendor", started_at=later))
    db.dispose()


@pytest.mark.parametrize(
    "bad",
    [
        {"party": "legal"},
        {"clock": "update"},
        {"ended_at": NOW + timedelta(days=1)},  # ended, by nobody
        {"ended_at": NOW - timedelta(days=1), "ended_by": "U0EM00001"},  # before it began
    ],
)
def test_the_schema_refuses_holds_that_break_the_rules(
    database_url: str, test_config: Config, bad: dict[str, object]
) -> None:
    db, request_id = seeded(database_url, test_config)
    with pytest.raises(IntegrityError), db.transaction() as session:
        session.add(hold(request_id, **bad))
    db.dispose()
