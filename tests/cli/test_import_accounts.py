"""`podbot import accounts FILE.csv`: all rows or none, and a re-import changes nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row

from bot.cli import main
from bot.db.models import Account
from bot.domain.accounts import REQUIRED_COLUMNS
from tests.helpers.cli import ROOT
from tests.helpers.commandline import podbot
from tests.helpers.imports import csv_file, import_env, statements_of_import, table_rows

EXAMPLE = ROOT / "config" / "accounts.example.csv"
# The file as written before contacts (issue 32): optional columns may be left out.
HEADER = ",".join((*REQUIRED_COLUMNS, "health"))


def account_rows(database_url: str) -> list[Row[Any]]:
    return table_rows(database_url, Account)


def write(path: Path, *lines: str) -> Path:
    return csv_file(path, HEADER, *lines)


def test_the_example_file_imports_and_a_reimport_changes_nothing(
    tmp_path: Path, sqlite_url: str
) -> None:
    first = podbot("import", "accounts", str(EXAMPLE), env=import_env(sqlite_url))
    assert first.returncode == 0, first.stderr
    assert first.stdout == f"Imported {EXAMPLE}: 4 new, 0 updated, 0 unchanged.\n"
    stored = account_rows(sqlite_url)
    assert [(a.customer, a.health, a.msg, a.currency) for a in stored] == [
        ("Acme Corp", "favorable", Decimal("250000.00"), "USD"),
        ("Globex", "neutral", Decimal("120000.00"), "USD"),  # health left blank: neutral
        ("Initech", "at-risk", Decimal("90000.00"), "USD"),
        ("Umbrella", "neutral", Decimal("180000.00"), "EUR"),
    ]
    assert stored[1].handover is None and stored[1].pse is None
    assert {a.updated_by for a in stored} == {"import"}

    again = podbot("import", "accounts", str(EXAMPLE), env=import_env(sqlite_url))
    assert again.stdout == f"Imported {EXAMPLE}: 0 new, 0 updated, 4 unchanged.\n"
    assert account_rows(sqlite_url) == stored  # updated_at included

    changed = tmp_path / "changed.csv"
    changed.write_text(
        EXAMPLE.read_text().replace("Globex,alpha", "GLOBEX,alpha").replace("120k", "125k"),
        encoding="utf-8",
    )
    third = podbot("import", "accounts", str(changed), env=import_env(sqlite_url))
    assert third.stdout == f"Imported {changed}: 0 new, 1 updated, 3 unchanged.\n", third.stderr
    after = account_rows(sqlite_url)
    differing = [(old, new) for old, new in zip(stored, after, strict=True) if old != new]
    ((old, new),) = differing
    assert (new.id, new.customer, new.msg) == (old.id, "GLOBEX", Decimal("125000.00"))
    assert new.updated_at > old.updated_at and new.created_at == old.created_at


def test_a_row_without_health_keeps_the_stored_health(tmp_path: Path, sqlite_url: str) -> None:
    path = write(tmp_path / "a.csv", "Acme,alpha,2025-04-01,,2028-03-31,250k,,,at-risk")
    assert podbot("import", "accounts", str(path), env=import_env(sqlite_url)).returncode == 0
    write(path, "Acme,alpha,2025-04-01,,2028-03-31,250k,,,")
    result = podbot("import", "accounts", str(path), env=import_env(sqlite_url))
    assert result.stdout == f"Imported {path}: 0 new, 0 updated, 1 unchanged.\n", result.stderr
    assert [a.health for a in account_rows(sqlite_url)] == ["at-risk"]


def test_the_statements_of_an_accounts_import_do_not_grow_with_its_rows(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # As contracts: the upsert reads and writes in bulk, whatever the file's size.
    def accounts(count: int, customer: str, msg: str) -> str:
        lines = [f"{customer} {n},alpha,2025-04-01,,2028-03-31,{msg},,,"
                 for n in range(count)]  # fmt: skip
        return str(write(tmp_path / f"{customer}-{count}-{msg}.csv", *lines))

    statements_of_import(monkeypatch, sqlite_url, "import", "accounts", accounts(1, "Warm", "1k"))
    counts = {}  # after a first import, which also syncs the PODs
    for count, customer in ((60, "Small"), (600, "Large")):
        new = statements_of_import(monkeypatch, sqlite_url, "import", "accounts",
                                   accounts(count, customer, "250k"))  # fmt: skip
        changed = statements_of_import(monkeypatch, sqlite_url, "import", "accounts",
                                       accounts(count, customer, "300k"))  # fmt: skip
        counts[count] = (new, changed)
    assert all(status == 0 for pair in counts.values() for status, _ in pair)
    # The same statements, but for one more query per 500 customers read (twice: first in a
    # snapshot, then in the write transaction).
    (new_60, changed_60), (new_600, changed_600) = (
        [sent for _, sent in counts[size]] for size in (60, 600)
    )
    assert new_60 <= new_600 <= new_60 + 2 and changed_60 <= changed_600 <= changed_60 + 2
    assert len(account_rows(sqlite_url)) == 661


def test_a_bad_file_prints_every_bad_row_and_imports_nothing(
    tmp_path: Path, sqlite_url: str
) -> None:
    path = write(
        tmp_path / "accounts.csv",
        "Acme Corp,alpha,2025-04-01,2025-05-15,2028-03-31,250k,400k,1.2m,favorable",
        '"Globex\nHoldings",alpha,2026-01-12,,2027-12-31,120k,,2.4m,',  # lines 3-4
        "Initech,gamma,2024-07-01,2024-08-01,2027-06-30,90000,150k,640k,shaky",
        "Hooli,beta,01/07/2024,,2027-06-30,,EUR 5k,5k,",
        "ACME corp,beta,2025-04-01,,2028-03-31,1,,,",
    )
    result = podbot("import", "accounts", str(path), env=import_env(sqlite_url))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{path}: 3 bad rows; nothing was imported",
        "  line 5: pod `gamma` is not a configured POD; use one of alpha, beta.",
        "  line 5: health `shaky` is not favorable, neutral or at-risk.",
        "  line 6: initiated `01/07/2024` is not a date; write it as YYYY-MM-DD.",
        "  line 6: msg is blank.",
        "  line 6: pse is in EUR, ats is in USD: an account's amounts are all in one currency.",
        "  line 7: ACME corp is already on line 2; list each customer once.",
    ]
    assert account_rows(sqlite_url) == []


def test_a_missing_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "accounts", str(tmp_path / "nope.csv")]) == 2
    assert capsys.readouterr().err == f"podbot: {tmp_path / 'nope.csv'}: no such file\n"


@pytest.mark.postgres
def test_import_and_reimport_on_postgresql(postgres_url: str) -> None:
    first = podbot("import", "accounts", str(EXAMPLE), env=import_env(postgres_url))
    assert first.stdout == f"Imported {EXAMPLE}: 4 new, 0 updated, 0 unchanged.\n", first.stderr
    stored = account_rows(postgres_url)
    again = podbot("import", "accounts", str(EXAMPLE), env=import_env(postgres_url))
    assert again.stdout == f"Imported {EXAMPLE}: 0 new, 0 updated, 4 unchanged.\n"
    assert account_rows(postgres_url) == stored


def test_an_account_initiated_in_year_one_is_refused_with_its_line(
    tmp_path: Path, sqlite_url: str
) -> None:
    # CRM and SQL exports write 0001-01-01 (and SQL Server 1900-01-01) for "no date",
    # 9999-12-31 for "no end": none is a day podbot can count from.
    path = write(
        tmp_path / "accounts.csv",
        "Acme Corp,alpha,2025-04-01,2025-05-15,2028-03-31,250k,400k,1.2m,favorable",
        "Globex,alpha,0001-01-01,,2027-12-31,120k,,2.4m,",
        "Initech,beta,2024-07-01,0001-01-01,2027-06-30,90000,150k,640k,",
        "Hooli,beta,1900-01-01,,9999-12-31,5k,,,",
    )
    result = podbot("import", "accounts", str(path), env=import_env(sqlite_url))
    assert (result.returncode, result.stdout) == (1, ""), result.stderr
    assert result.stderr.splitlines() == [
        f"{path}: 3 bad rows; nothing was imported",
        "  line 3: initiated `0001-01-01` is outside the dates podbot takes, "
        "1901-01-01 to 2199-12-31.",
        "  line 4: handover `0001-01-01` is outside the dates podbot takes, "
        "1901-01-01 to 2199-12-31; leave it blank for no date.",
        "  line 5: initiated `1900-01-01` is outside the dates podbot takes, "
        "1901-01-01 to 2199-12-31.",
        "  line 5: term_end `9999-12-31` is outside the dates podbot takes, "
        "1901-01-01 to 2199-12-31.",
    ]
    assert account_rows(sqlite_url) == []


def test_a_nul_in_an_imported_customer_is_refused_with_its_line_and_nothing_is_renamed(
    tmp_path: Path, database_url: str
) -> None:
    path = write(tmp_path / "a.csv", "Acme,alpha,2025-04-01,,2028-03-31,250k,,,")
    assert podbot("import", "accounts", str(path), env=import_env(database_url)).returncode == 0
    stored = account_rows(database_url)

    write(
        path,
        "Globex,alpha,2026-01-12,,2027-12-31,120k,,2.4m,",
        "Ac\x00me,alpha,2025-04-01,,2028-03-31,260k,,,at-risk",
    )
    result = podbot("import", "accounts", str(path), env=import_env(database_url))
    assert (result.returncode, result.stdout) == (1, ""), result.stderr
    assert result.stderr.splitlines() == [
        f"{path}: 1 bad row; nothing was imported",
        "  line 3: There is an invisible control character (U+0000) in customer, after `Ac`; "
        "remove it and try again.",
    ]
    assert account_rows(database_url) == stored  # Acme keeps its name; Globex is not added


def test_a_bell_after_a_bom_and_crlf_rows_is_named_by_its_file_line_and_the_rest_imports(
    tmp_path: Path, sqlite_url: str
) -> None:
    # Tabs and line breaks inside a quoted cell are text, as in commands (a name's whitespace
    # is collapsed); the line counted is the file's, after a cell that spans two.
    good = (
        f"\ufeff{HEADER}\r\n"
        '"Acme\tCorp",alpha,2025-04-01,,2028-03-31,250k,,,\r\n'
        '"Globex\r\nHoldings",alpha,1901-01-01,,2199-12-31,120k,,,\r\n'
    )
    path = tmp_path / "excel.csv"
    path.write_bytes((good + "Initech,beta,2024-07-01,,2027-06-30,90\a000,,,\r\n").encode())
    refused = podbot("import", "accounts", str(path), env=import_env(sqlite_url))
    assert refused.stderr.splitlines() == [
        f"{path}: 1 bad row; nothing was imported",
        "  line 5: There is an invisible control character (U+0007) in msg, after `90`; "
        "remove it and try again.",
    ]

    path.write_bytes(good.encode())
    result = podbot("import", "accounts", str(path), env=import_env(sqlite_url))
    assert result.stdout == f"Imported {path}: 2 new, 0 updated, 0 unchanged.\n", result.stderr
    assert [(a.customer, str(a.initiated), str(a.term_end)) for a in account_rows(sqlite_url)] == [
        ("Acme Corp", "2025-04-01", "2028-03-31"),
        ("Globex Holdings", "1901-01-01", "2199-12-31"),
    ]


def test_contacts_are_imported_and_a_row_without_them_keeps_them(
    tmp_path: Path, sqlite_url: str
) -> None:
    header = ",".join((*REQUIRED_COLUMNS, "health", "contacts"))
    first = csv_file(
        tmp_path / "a.csv", header,
        "Acme Corp,alpha,2025-04-01,2025-05-15,2028-03-31,250k,,,,"
        "CFO@acme.example; ops@acme.example",
        "Globex,alpha,2025-04-01,2025-05-15,2028-03-31,250k,,,,",
    )  # fmt: skip
    done = podbot("import", "accounts", str(first), env=import_env(sqlite_url))
    assert done.returncode == 0, done.stderr
    stored = {a.customer: a.contacts for a in account_rows(sqlite_url)}
    assert stored == {"Acme Corp": "cfo@acme.example, ops@acme.example", "Globex": None}
    # The file without the column: the stored contacts stay.
    again = write(tmp_path / "b.csv", "Acme Corp,alpha,2025-04-01,2025-05-15,2028-03-31,260k,,,")
    assert podbot("import", "accounts", str(again), env=import_env(sqlite_url)).returncode == 0
    assert {a.customer: a.contacts for a in account_rows(sqlite_url)}["Acme Corp"] == (
        "cfo@acme.example, ops@acme.example"
    )
    bad = csv_file(
        tmp_path / "c.csv", header,
        "Acme Corp,alpha,2025-04-01,2025-05-15,2028-03-31,250k,,,,cfo at acme",
    )  # fmt: skip
    refused = podbot("import", "accounts", str(bad), env=import_env(sqlite_url))
    assert refused.returncode == 1
    assert "line 2: contacts `cfo` is not an email address." in refused.stderr, refused.stderr
