"""`podbot import targets FILE.csv`: all rows or none, every change audited, ended quarters kept."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import Target, TargetChange
from bot.db.session import Database
from tests.helpers.cli import ROOT
from tests.helpers.commandline import podbot
from tests.helpers.imports import csv_file, import_env

EXAMPLE = ROOT / "config" / "targets.example.csv"
HEADER = "quarter,scope,amount"
# 2026Q4 is under way; 2026Q3 has ended.
NOW = "2026-11-23T15:00:00+00:00"


def env(database_url: str) -> dict[str, str]:
    return import_env(database_url, PODBOT_CLOCK_START=NOW)


def stored(database_url: str) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """Every target as (pod_id, quarter, scope, member, amount) and every audit row."""
    db = Database(database_url)
    try:
        with db.transaction() as session:
            targets = [
                (t.pod_id, t.quarter, t.scope, t.member_id, t.amount, t.set_by)
                for t in session.scalars(select(Target).order_by(Target.id))
            ]
            changes = [
                (c.target_id, c.old_amount, c.new_amount, c.changed_by)
                for c in session.scalars(select(TargetChange).order_by(TargetChange.id))
            ]
            return targets, changes
    finally:
        db.dispose()


def write(path: Path, *lines: str) -> Path:
    return csv_file(path, HEADER, *lines)


def test_the_example_file_imports_audited_and_a_reimport_changes_nothing(
    tmp_path: Path, sqlite_url: str
) -> None:
    # U0BUY0001 is alpha's buyer and beta's analyst: their target is alpha's.
    first = podbot("import", "targets", str(EXAMPLE), env=env(sqlite_url))
    assert first.returncode == 0, first.stderr
    assert first.stdout == f"Imported {EXAMPLE}: 5 new, 0 updated, 0 unchanged.\n"
    targets, changes = stored(sqlite_url)
    assert [t[1:5] for t in targets] == [
        ("2027Q1", "pod", None, Decimal("500000.00")),
        ("2027Q1", "member", "U0BUY0001", Decimal("200000.00")),
        ("2027Q1", "member", "U0EM00001", Decimal("100000.00")),
        ("2027Q1", "pod", None, Decimal("350000.00")),
        ("2027Q1", "member", "U0BUY0002", Decimal("150000.00")),
    ]
    assert targets[1][0] == targets[0][0] != targets[3][0]  # U0BUY0001 in alpha
    assert [c[1] for c in changes] == [None] * 5

    again = podbot("import", "targets", str(EXAMPLE), env=env(sqlite_url))
    assert again.stdout == f"Imported {EXAMPLE}: 0 new, 0 updated, 5 unchanged.\n"
    assert stored(sqlite_url) == (targets, changes)

    path = write(tmp_path / "t.csv", "2027q1,POD:Alpha,550k")
    third = podbot("import", "targets", str(path), env=env(sqlite_url))
    assert third.stdout == f"Imported {path}: 0 new, 1 updated, 0 unchanged.\n", third.stderr
    after, audit = stored(sqlite_url)
    assert after[0][4] == Decimal("550000.00")
    assert audit[-1] == (1, Decimal("500000.00"), Decimal("550000.00"), "import")


def test_a_bad_file_prints_every_bad_row_and_imports_nothing(
    tmp_path: Path, sqlite_url: str
) -> None:
    path = write(
        tmp_path / "t.csv",
        "2027Q1,pod:alpha,500k",
        "2027Q5,pod:beta,1",
        "2027Q1,pod:gamma,1",
        "2027Q1,U0ANA0001,1",  # an analyst carries no target
        "2027Q1,U0NOBODY1,1",
        "2027Q1,dana,1",
        "2027Q2,pod:alpha,lots",
        "2027Q1,pod:ALPHA,2",
    )
    result = podbot("import", "targets", str(path), env=env(sqlite_url))
    assert result.returncode == 1 and result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{path}: 7 bad rows; nothing was imported",
        "  line 3: quarter `2027Q5` is not a quarter; write it like 2027Q1.",
        "  line 4: scope `pod:gamma` names no configured POD; use one of pod:alpha, pod:beta.",
        "  line 5: U0ANA0001 is not a buyer or em of any POD; only they carry targets.",
        "  line 6: U0NOBODY1 is not a member of any configured POD.",
        "  line 7: scope `dana` is neither pod:<key> (pod:alpha, pod:beta) nor a Slack user id"
        " like U0BUY0001.",
        "  line 8: amount `lots` is not an amount; write it like 48000, 48,000, $48,000.50,"
        " 48k, 1.2m or EUR 40k.",
        "  line 9: The 2027Q1 target for pod:ALPHA is already on line 2; list each quarter and"
        " scope once.",
    ]
    assert stored(sqlite_url) == ([], [])


def test_an_ended_quarter_is_refused_unless_it_is_unchanged(
    tmp_path: Path, sqlite_url: str
) -> None:
    early = {**env(sqlite_url), "PODBOT_CLOCK_START": "2026-09-01T12:00:00+00:00"}
    path = write(tmp_path / "t.csv", "2026Q3,pod:alpha,300k", "2026Q4,pod:alpha,400k")
    assert podbot("import", "targets", str(path), env=early).returncode == 0
    before = stored(sqlite_url)

    # Now 2026Q3 is over: the same value is fine, a new one refused, and nothing is written.
    same = podbot("import", "targets", str(path), env=env(sqlite_url))
    assert same.stdout == f"Imported {path}: 0 new, 0 updated, 2 unchanged.\n", same.stderr
    write(path, "2026Q3,pod:alpha,310k", "2026Q4,pod:alpha,410k", "2026Q2,pod:beta,1")
    result = podbot("import", "targets", str(path), env=env(sqlite_url))
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        f"{path}: 2 bad rows; nothing was imported",
        "  line 2: 2026Q3 ended on 2026-09-30; a target can be set or changed only until its"
        " quarter ends.",
        "  line 4: 2026Q2 ended on 2026-06-30; a target can be set or changed only until its"
        " quarter ends.",
    ]
    assert stored(sqlite_url) == before


@pytest.mark.postgres
def test_import_and_reimport_on_postgresql(postgres_url: str) -> None:
    first = podbot("import", "targets", str(EXAMPLE), env=env(postgres_url))
    assert first.stdout == f"Imported {EXAMPLE}: 5 new, 0 updated, 0 unchanged.\n", first.stderr
    again = podbot("import", "targets", str(EXAMPLE), env=env(postgres_url))
    assert again.stdout == f"Imported {EXAMPLE}: 0 new, 0 updated, 5 unchanged.\n"
    assert len(stored(postgres_url)[1]) == 5


def test_a_control_character_in_an_imported_target_is_refused_with_its_line(
    tmp_path: Path, sqlite_url: str
) -> None:
    path = write(
        tmp_path / "targets.csv",
        "2026Q4,pod:alpha,500k",
        "2026Q4,U0BUY0001\x00,120k",
        "2027Q1,pod:beta,\x1b[31m90k",
    )
    result = podbot("import", "targets", str(path), env=env(sqlite_url))
    assert (result.returncode, result.stdout) == (1, ""), result.stderr
    assert result.stderr.splitlines() == [
        f"{path}: 2 bad rows; nothing was imported",
        "  line 3: There is an invisible control character (U+0000) in scope, after "
        "`U0BUY0001`; remove it and try again.",
        "  line 4: There is an invisible control character (U+001B) in amount, at its start; "
        "remove it and try again.",
    ]
    assert stored(sqlite_url) == ([], [])
