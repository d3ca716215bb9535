"""Issue 34, `podbot import usage FILE.csv` and `podbot import rates FILE.csv`: all rows or
none (bad rows by line), upserted by their keys, earlier days kept (the history)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from pathlib import Path

from bot.db.models import ExchangeRateRow, UsageSnapshot
from tests.helpers.cli import ROOT
from tests.helpers.commandline import podbot
from tests.helpers.imports import csv_file, import_env, table_rows

USAGE = ROOT / "config" / "usage.example.csv"
RATES = ROOT / "config" / "rates.example.csv"
HEADER = "customer,tool,as_of,seats_assigned,seats_active"


def env(database_url: str) -> dict[str, str]:
    return import_env(database_url, PODBOT_CLOCK_START="2026-12-07T15:00:00+00:00")


def test_usage_imports_keeps_history_and_a_reimport_changes_nothing(
    tmp_path: Path, sqlite_url: str
) -> None:
    first = podbot("import", "usage", str(USAGE), env=env(sqlite_url))
    assert first.returncode == 0, first.stderr
    assert first.stdout == f"Imported {USAGE}: 3 new, 0 updated, 0 unchanged.\n"
    again = podbot("import", "usage", str(USAGE), env=env(sqlite_url))
    assert again.stdout == f"Imported {USAGE}: 0 new, 0 updated, 3 unchanged.\n"
    # A later day is a new snapshot beside the others; a day again (by any spelling of the
    # names) updates that day's.
    path = csv_file(
        tmp_path / "u.csv",
        HEADER,
        "acme corp,FIGMA,2026-11-30,110,71",
        "Acme Corp,Figma,2026-12-06,110,75",
    )
    third = podbot("import", "usage", str(path), env=env(sqlite_url))
    assert third.stdout == f"Imported {path}: 1 new, 1 updated, 0 unchanged.\n", third.stderr
    acme = [
        (s.as_of, s.seats_assigned, s.seats_active)
        for s in table_rows(sqlite_url, UsageSnapshot)
        if s.customer_key == "acme corp"
    ]
    assert acme == [
        (date(2026, 10, 31), 120, 84),
        (date(2026, 11, 30), 110, 71),
        (date(2026, 12, 6), 110, 75),
    ]


def test_a_bad_usage_file_names_every_bad_row_and_imports_nothing(
    tmp_path: Path, sqlite_url: str
) -> None:
    path = csv_file(
        tmp_path / "u.csv",
        HEADER,
        "Acme Corp,Figma,2026-11-30,120,71",
        "Acme Corp,Miro,2026-11-31,120,71",
        "Acme Corp,Zoom,2026-11-30,50,51",
        "Globex,Slack,2026-11-30,300,27\x00",
    )
    result = podbot("import", "usage", str(path), env=env(sqlite_url))
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[:3] == [
        f"{path}: 3 bad rows; nothing was imported",
        "  line 3: as_of `2026-11-31` is not a date; write it as YYYY-MM-DD.",
        "  line 4: seats_active (51) is more than seats_assigned (50).",
    ]
    assert lines[3].startswith("  line 5: ") and "control character" in lines[3]
    assert table_rows(sqlite_url, UsageSnapshot) == []


def test_rates_import_all_rows_or_none(tmp_path: Path, sqlite_url: str) -> None:
    first = podbot("import", "rates", str(RATES), env=env(sqlite_url))
    assert first.stdout == f"Imported {RATES}: 3 new, 0 updated, 0 unchanged.\n", first.stderr
    rates = [
        (r.day, r.currency, r.to_currency, r.rate) for r in table_rows(sqlite_url, ExchangeRateRow)
    ]
    assert rates[1] == (date(2026, 12, 1), "EUR", "USD", Decimal("1.0825"))
    path = csv_file(
        tmp_path / "r.csv", "date,currency,rate", "2026-12-01,EUR,1.09", "2026-12-02,XYZ,1"
    )
    bad = podbot("import", "rates", str(path), env=env(sqlite_url))
    assert bad.returncode == 1
    assert bad.stderr.splitlines() == [
        f"{path}: 1 bad row; nothing was imported",
        "  line 3: currency `XYZ` is not a 3-letter ISO code like EUR.",
    ]
    assert [r.rate for r in table_rows(sqlite_url, ExchangeRateRow)][1] == Decimal("1.0825")
