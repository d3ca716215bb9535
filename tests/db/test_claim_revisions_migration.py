"""Migration 0014 applies the one-effective-claim rule to the claims already stored: a request
holding two approved claims of one kind counted both (the issue's $7,000 + $8,100 = $15,100 on
one $48,000 baseline); after it, the later revises the earlier and every figure counts $8,100.
On SQLite and PostgreSQL; `podbot report kpis` before and after on SQLite."""

from __future__ import annotations

import csv
from datetime import UTC
from decimal import Decimal
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError

from bot.db.migrate import alembic_config, current_revision, head_revision, upgrade
from bot.db.session import Database
from tests.conftest import TEST_CONFIG
from tests.helpers import claim_revisions_migration
from tests.helpers.claim_revisions_migration import BUYER, EM, TUESDAY, cents, seed, tables
from tests.helpers.commandline import podbot

at_0013 = claim_revisions_migration.at_0013


def approved_savings(db: Database) -> int:
    """What every figure summed before 0014: each approved claim's savings, in dollars."""
    claims = tables(db)["savings_claims"]
    with db.engine.connect() as connection:
        total = connection.execute(
            select(func.sum(claims.c.baseline - claims.c.final)).where(
                claims.c.status == "approved"
            )
        ).scalar_one()
    return int(total) // 100


def test_0014_makes_the_later_of_two_approved_claims_revise_the_earlier(
    at_0013: Database,
) -> None:
    seed(at_0013)
    # Before: $7,000 + $8,100 on REQ-1 (savings), $1,000 avoided on it, $2,000 on REQ-2.
    assert approved_savings(at_0013) == 18100
    upgrade(at_0013.engine)
    assert current_revision(at_0013.engine) == head_revision()
    t = tables(at_0013)
    claims, quotes = t["savings_claims"], t["quotes"]
    with at_0013.engine.connect() as connection:
        rows = connection.execute(
            select(claims.c.id, claims.c.revises_id, claims.c.revised_by_id,
                   claims.c.superseded_at, claims.c.additional).order_by(claims.c.id)
        ).all()  # fmt: skip
        keys = connection.execute(select(quotes.c.vendor_key).order_by(quotes.c.id)).all()
    superseded = [(r.id, r.revised_by_id, r.superseded_at) for r in rows if r.superseded_at]
    assert len(superseded) == 1
    (row_id, revised_by, at) = superseded[0]
    assert (row_id, revised_by, at.replace(tzinfo=UTC) if at.tzinfo is None else at) == (
        1, 4, TUESDAY
    )  # fmt: skip
    assert [(r.id, r.revises_id) for r in rows] == [(1, None), (2, None), (3, None), (4, 1)]
    assert [r.additional for r in rows] == [False] * 4
    assert [k for (k,) in keys] == ["crayon", "crayon"]

    # The schema now refuses a second effective claim of one kind on a request.
    with pytest.raises(IntegrityError), at_0013.engine.begin() as connection:
        connection.execute(
            insert(claims),
            {"request_id": 1, "kind": "savings", "baseline": cents(48000), "final": cents(40000),
             "currency": "USD", "status": "approved", "created_by": BUYER,
             "created_at": TUESDAY, "decided_by": EM, "decided_at": TUESDAY,
             "additional": False},
        )  # fmt: skip

    # And back: 0013's schema, the claims as they were.
    config = alembic_config()
    with at_0013.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0013")
    assert current_revision(at_0013.engine) == "0013"
    assert approved_savings(at_0013) == 18100


def report(database_url: str, out: Path) -> dict[tuple[str, str, str], dict[str, str]]:
    env = {
        "PODBOT_CONFIG": str(TEST_CONFIG),
        "DATABASE_URL": database_url,
        "PODBOT_CLOCK_START": "2026-11-24T15:00:00+00:00",
    }
    result = podbot("report", "kpis", "--quarter", "2026Q4", "--pod", "alpha", "--csv",
                    str(out), env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    return {(r["scope"], r["subject"], r["kpi"]): r for r in rows}


def test_report_kpis_counts_the_old_double_count_once_after_0014(tmp_path: Path) -> None:
    # Before 0014 the report summed every approved claim: the POD's net savings were
    # $7,000 + $8,100 + $1,000 + $2,000 = $18,100 (18.1 %), the buyer's quota $18,100 of
    # $50,000 (36.2 %), Acme's MSG $18,100 of $20,000 (90.5 %). The same database, upgraded:
    # $8,100 + $1,000 + $2,000 = $11,100 — 11.1 %, 22.2 % and 55.5 %.
    url = f"sqlite:///{tmp_path / 'old.db'}"
    db = Database(url)
    upgrade(db.engine, "0013")
    seed(db)
    assert approved_savings(db) == 18100  # what the figures summed before
    db.dispose()
    # An old schema is refused until it is upgraded: the report never shows the double count.
    refused = podbot("report", "kpis", "--quarter", "2026Q4", "--csv", str(tmp_path / "x.csv"),
                     env={"PODBOT_CONFIG": str(TEST_CONFIG), "DATABASE_URL": url})  # fmt: skip
    assert refused.returncode != 0 and "podbot db upgrade" in refused.stderr
    upgraded = podbot("db", "upgrade", env={"PODBOT_CONFIG": str(TEST_CONFIG),
                                            "DATABASE_URL": url})  # fmt: skip
    assert upgraded.returncode == 0, upgraded.stderr
    by = report(url, tmp_path / "kpis.csv")
    for key in (("pod", "alpha", "net_savings"), ("member", BUYER, "savings_quota"),
                ("customer", "Acme Corp", "msg")):  # fmt: skip
        assert by[key]["numerator"] == "11100", by[key]
    assert Decimal(by[("pod", "alpha", "net_savings")]["value"]) == Decimal("0.111")
    assert Decimal(by[("member", BUYER, "savings_quota")]["value"]) == Decimal("0.222")
    assert Decimal(by[("customer", "Acme Corp", "msg")]["value"]) == Decimal("0.555")
