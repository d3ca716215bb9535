"""The run ledger's rows, on SQLite and PostgreSQL: a run is recorded once, in the caller's
transaction, and a transaction that rolls back records nothing."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select

from bot.db.models import JobRun
from bot.db.session import Database
from bot.jobs import ledger

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
KEY = ("aging-report", "alpha", "2026-11-23")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def _runs(db: Database) -> list[tuple[str, str]]:
    with db.transaction() as session:
        return [(r.period, r.status) for r in session.scalars(select(JobRun).order_by(JobRun.id))]


def test_a_run_is_recorded_once_and_a_second_record_leaves_its_transaction_usable(
    db: Database,
) -> None:
    with db.transaction() as session:
        first = ledger.record(session, *KEY, NOW, {"messages": 3})
    assert first is not None
    with db.transaction() as session:
        assert ledger.record(session, *KEY, NOW) is None
        # The refused insert was a savepoint: the same transaction goes on.
        assert ledger.record(session, "aging-report", "alpha", "2026-11-24", NOW) is not None
    assert _runs(db) == [("2026-11-23", "done"), ("2026-11-24", "done")]
    assert ledger.is_done(db, *KEY)


def test_a_run_whose_transaction_rolls_back_is_not_recorded(db: Database) -> None:
    with pytest.raises(RuntimeError), db.transaction() as session:
        assert ledger.record(session, *KEY, NOW) is not None
        raise RuntimeError("Slack work could not be queued")
    assert _runs(db) == [] and not ledger.is_done(db, *KEY)
    with db.transaction() as session:
        assert ledger.record(session, *KEY, NOW) is not None


@pytest.mark.parametrize("left", ["claimed", "failed"])
def test_a_run_an_older_podbot_left_unfinished_is_taken_over_once(db: Database, left: str) -> None:
    with db.transaction() as session:
        session.add(
            JobRun(job=KEY[0], scope=KEY[1], period=KEY[2], status=left, claimed_at=NOW,
                   claimed_by="old:1", detail={"report": {"ts": "1.1"}})
        )  # fmt: skip
    assert not ledger.is_done(db, *KEY)
    with db.transaction() as session:
        assert ledger.record(session, *KEY, NOW) is not None
    with db.transaction() as session:
        assert ledger.record(session, *KEY, NOW) is None
    assert _runs(db) == [("2026-11-23", "done")]


def test_of_eight_threads_recording_one_run_at_once_exactly_one_wins(db: Database) -> None:
    start = threading.Barrier(8)
    won: list[int] = []
    errors: list[BaseException] = []

    def record() -> None:
        try:
            start.wait()
            with db.transaction() as session:
                run = ledger.record(session, *KEY, NOW)
                if run is not None:
                    won.append(run)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=record) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and len(won) == 1
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(JobRun)) == 1
