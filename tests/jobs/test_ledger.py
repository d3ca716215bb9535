"""The run ledger's rows, on SQLite and PostgreSQL: claims and recorded steps."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.db.models import JobRun
from bot.db.session import Database
from bot.jobs import ledger

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def _detail(db: Database, run_id: int) -> dict[str, object]:
    with db.transaction() as session:
        return dict(session.scalars(select(JobRun.detail).where(JobRun.id == run_id)).one())


def test_a_claimed_run_records_its_steps_and_a_step_recorded_again_keeps_the_last(
    db: Database,
) -> None:
    claim = ledger.claim(db, "aging-report", "alpha", "2026-11-23", NOW)
    assert claim is not None and not claim.recovering

    ledger.record_step(db, claim.run_id, "report", {"channel": "C1", "ts": "1.1"})
    ledger.record_step(db, claim.run_id, "part-2", {"channel": "C1", "ts": "1.2"})
    ledger.record_step(db, claim.run_id, "report", {"channel": "C1", "ts": "1.9"})
    ledger.record_step(db, claim.run_id, "csv", {"file": "F1"})

    assert _detail(db, claim.run_id) == {
        "report": {"channel": "C1", "ts": "1.9"},
        "part-2": {"channel": "C1", "ts": "1.2"},
        "csv": {"file": "F1"},
    }
    # A second claim of the same run gets nothing; the steps are there for a takeover.
    assert ledger.claim(db, "aging-report", "alpha", "2026-11-23", NOW) is None


def test_steps_recorded_at_once_by_two_threads_are_all_kept(db: Database) -> None:
    claim = ledger.claim(db, "tat-alerts", "alpha", "2026-11-23", NOW)
    assert claim is not None
    start = threading.Barrier(2)

    def record(prefix: str) -> None:
        start.wait()
        for n in range(20):
            ledger.record_step(db, claim.run_id, f"{prefix}-{n}", {"ts": f"{n}"})

    threads = [threading.Thread(target=record, args=(p,)) for p in ("a", "b")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(_detail(db, claim.run_id)) == sorted(
        f"{p}-{n}" for p in ("a", "b") for n in range(20)
    )


def test_a_step_name_cannot_reach_outside_its_key(db: Database) -> None:
    claim = ledger.claim(db, "aging-report", "beta", "2026-11-23", NOW)
    assert claim is not None
    with pytest.raises(ValueError, match="plain text"):
        ledger.record_step(db, claim.run_id, 'x"."y', {"ts": "1"})
    assert _detail(db, claim.run_id) == {}
