"""Alembic builds one schema on SQLite and PostgreSQL, and the schema backs the rules."""

from __future__ import annotations

import warnings
from datetime import datetime
from decimal import Decimal

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from bot.config import Config
from bot.db.migrate import SchemaOutOfDate, check_schema, current_revision, head_revision, upgrade
from bot.db.models import Base, JobRun, PodRow, Quote, Request, SavingsClaim
from bot.db.pods import sync_pods
from bot.db.session import Database
from tests.helpers.migrations import NOW, seeded


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path) -> Database:  # type: ignore[no-untyped-def]
    url = (
        f"sqlite:///{tmp_path / 'empty.db'}"
        if request.param == "sqlite"
        else request.getfixturevalue("empty_postgres_url")
    )
    db = Database(url)
    yield db
    db.dispose()


def test_upgrade_creates_the_schema_at_head_and_is_idempotent(empty_database: Database) -> None:
    assert current_revision(empty_database.engine) is None
    before, after = upgrade(empty_database.engine)
    assert (before, after) == (None, head_revision())
    assert upgrade(empty_database.engine) == (head_revision(), head_revision())
    check_schema(empty_database.engine)


def test_migrations_match_the_models(empty_database: Database) -> None:
    upgrade(empty_database.engine)
    with empty_database.engine.connect() as connection, warnings.catch_warnings():
        # SQLite cannot reflect expression indexes; SQLAlchemy and Alembic say so loudly.
        warnings.simplefilter("ignore")
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    # Expression indexes cannot be reflected on every backend; anything else is drift.
    expression = ("lower", "coalesce")
    drift = [
        d
        for d in diff
        if not (d[0] in ("add_index", "remove_index") and any(e in str(d) for e in expression))
    ]
    assert drift == []


def test_an_empty_or_old_schema_is_refused(empty_database: Database) -> None:
    with pytest.raises(SchemaOutOfDate, match="run `podbot db upgrade`"):
        check_schema(empty_database.engine)


def claim(request_id: int, **overrides: object) -> SavingsClaim:
    values: dict[str, object] = dict(
        request_id=request_id,
        kind="savings",
        baseline=Decimal("48000"),
        final=Decimal("39500"),
        currency="USD",
        created_by="U0BUY0001",
        created_at=NOW,
    )
    values.update(overrides)
    return SavingsClaim(**values)


def test_money_and_instants_round_trip_exactly(database_url: str, test_config: Config) -> None:
    db, request_id = seeded(database_url, test_config)
    with db.transaction() as session:
        request = session.get(Request, request_id)
        assert request is not None
        assert request.amount == Decimal("48000.50")
        assert request.created_at == NOW and request.created_at.tzinfo is not None
        assert request.key == f"REQ-{request_id}"
    db.dispose()


@pytest.mark.parametrize(
    "bad",
    [
        {"final": Decimal("48000")},  # final < baseline
        {"baseline": Decimal("0"), "final": Decimal("0")},  # baseline > 0
        {"final": Decimal("-1")},  # final >= 0
        {"kind": "discount"},
        {"status": "approved"},  # a decision needs who and when
        {"status": "approved", "decided_by": "U0BUY0001", "decided_at": NOW},  # not own claim
        {"status": "rejected", "decided_by": "U0EM00001", "decided_at": NOW, "reason": " "},
    ],
)
def test_the_schema_refuses_savings_claims_that_break_the_rules(
    database_url: str, test_config: Config, bad: dict[str, object]
) -> None:
    db, request_id = seeded(database_url, test_config)
    with pytest.raises(IntegrityError), db.transaction() as session:
        session.add(claim(request_id, **bad))
    db.dispose()


def test_only_one_claim_per_request_can_be_pending(database_url: str, test_config: Config) -> None:
    db, request_id = seeded(database_url, test_config)
    with db.transaction() as session:
        session.add(claim(request_id))
    with pytest.raises(IntegrityError), db.transaction() as session:
        session.add(claim(request_id, final=Decimal("40000")))
    with db.transaction() as session:
        session.add(claim(request_id, status="superseded"))
    db.dispose()


def test_the_run_ledger_has_one_row_per_job_scope_and_period(
    database_url: str, test_config: Config
) -> None:
    db, _ = seeded(database_url, test_config)
    run = dict(
        job="aging-report", scope="alpha", period="2026-11-23", claimed_at=NOW, claimed_by="a"
    )
    with db.transaction() as session:
        session.add(JobRun(**run))
    with pytest.raises(IntegrityError), db.transaction() as session:
        session.add(JobRun(**{**run, "claimed_by": "b"}))
    db.dispose()


def test_request_rows_check_stage_rules(database_url: str, test_config: Config) -> None:
    db, request_id = seeded(database_url, test_config)
    with pytest.raises(IntegrityError), db.transaction() as session:
        request = session.get(Request, request_id)
        assert request is not None
        request.stage = "closed"  # closed needs an outcome and closed_at
    with pytest.raises(IntegrityError), db.transaction() as session:
        session.add(Quote(request_id=request_id, vendor="X", amount=Decimal("-5"),
                          currency="USD", created_by="U0BUY0001", created_at=NOW))  # fmt: skip
    db.dispose()


def test_naive_datetimes_are_refused(database_url: str, test_config: Config) -> None:
    db, request_id = seeded(database_url, test_config)
    with pytest.raises(Exception, match="naive datetime"), db.transaction() as session:
        request = session.get(Request, request_id)
        assert request is not None
        request.closed_at = datetime(2026, 1, 1)
        session.flush()
    db.dispose()


def test_sync_pods_updates_members_and_retires_removed_pods(
    sqlite_url: str, test_config: Config
) -> None:
    db = Database(sqlite_url)
    with db.transaction() as session:
        sync_pods(session, test_config)
    alpha_only = Config(path=test_config.path, pods=(test_config.pods[0],))
    with db.transaction() as session:
        sync_pods(session, alpha_only)
    with db.transaction() as session:
        pods = {p.key: p for p in session.scalars(select(PodRow))}
        assert pods["alpha"].active and not pods["beta"].active
        assert {m.user_id for m in pods["alpha"].members} == set(test_config.pods[0].members)
    db.dispose()
