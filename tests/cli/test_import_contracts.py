"""SPEC §7 `podbot import contracts FILE.csv`: all rows or none, and a re-import changes nothing."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Row

from bot.cli import main
from bot.db.models import Contract
from bot.domain.contracts import COLUMNS
from tests.helpers.cli import ROOT
from tests.helpers.commandline import podbot
from tests.helpers.imports import csv_file, import_env, statements_of_import, table_rows

EXAMPLE = ROOT / "config" / "contracts.example.csv"
# The columns of a stack file (`offline`, issue 35, is tried on its own below).
HEADER = ",".join(column for column in COLUMNS if column != "offline")


def contract_rows(database_url: str) -> list[Row[Any]]:
    return table_rows(database_url, Contract)


def write(path: Path, *lines: str) -> Path:
    return csv_file(path, HEADER, *lines)


def test_the_example_file_imports_and_a_reimport_changes_nothing(
    tmp_path: Path, sqlite_url: str
) -> None:
    first = podbot("import", "contracts", str(EXAMPLE), env=import_env(sqlite_url))
    assert first.returncode == 0, first.stderr
    assert first.stdout == f"Imported {EXAMPLE}: 5 new, 0 updated, 0 unchanged.\n"
    stored = contract_rows(sqlite_url)
    assert len(stored) == 5

    again = podbot("import", "contracts", str(EXAMPLE), env=import_env(sqlite_url))
    assert again.stdout == f"Imported {EXAMPLE}: 0 new, 0 updated, 5 unchanged.\n"
    assert contract_rows(sqlite_url) == stored  # updated_at included

    changed = tmp_path / "changed.csv"
    changed.write_text(EXAMPLE.read_text().replace("120k", "125k"), encoding="utf-8")
    third = podbot("import", "contracts", str(changed), env=import_env(sqlite_url))
    assert third.stdout == f"Imported {changed}: 0 new, 1 updated, 4 unchanged.\n"
    after = contract_rows(sqlite_url)
    differing = [(old, new) for old, new in zip(stored, after, strict=True) if old != new]
    ((old, new),) = differing
    assert (old.tool, old.annual_amount, new.annual_amount) == (
        "Slack", Decimal("120000.00"), Decimal("125000.00")
    )  # fmt: skip
    assert new.updated_at > old.updated_at and new.created_at == old.created_at


def test_the_statements_of_a_contracts_import_do_not_grow_with_its_rows(
    tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One statement per row held SQLite's writer lock for seconds at 10,000 rows (issue 25
    # item 3): the upsert reads and writes in bulk, whatever the file's size.
    def stack(count: int, customer: str, amount: str) -> str:
        lines = [f"alpha,{customer} {n // 10},Tool {n % 10},{amount},USD,2027-03-31,annual,,"
                 for n in range(count)]  # fmt: skip
        return str(write(tmp_path / f"{customer}-{count}-{amount}.csv", *lines))

    statements_of_import(monkeypatch, sqlite_url, "import", "contracts", stack(1, "Warm", "1k"))
    counts = {}  # after a first import, which also syncs the PODs
    for count, customer in ((60, "Small"), (600, "Large")):
        new = statements_of_import(monkeypatch, sqlite_url, "import", "contracts",
                                   stack(count, customer, "10k"))  # fmt: skip
        changed = statements_of_import(monkeypatch, sqlite_url, "import", "contracts",
                                       stack(count, customer, "12k"))  # fmt: skip
        counts[count] = (new, changed)
    assert all(status == 0 for pair in counts.values() for status, _ in pair)
    # The same statements, but for one more query per 500 customers read (twice: first in a
    # snapshot, then in the write transaction).
    (new_60, changed_60), (new_600, changed_600) = (
        [sent for _, sent in counts[size]] for size in (60, 600)
    )
    assert new_60 <= new_600 <= new_60 + 2 and changed_60 <= changed_600 <= changed_60 + 2
    assert len(contract_rows(sqlite_url)) == 661


def test_a_bad_file_prints_every_bad_row_and_imports_nothing(
    tmp_path: Path, sqlite_url: str
) -> None:
    path = write(
        tmp_path / "stack.csv",
        "alpha,Acme,Figma,48000,USD,2027-03-31,annual,yes,60",
        'alpha,"Globex\nHoldings",Slack,120k,USD,2027-01-15,monthly,,',  # lines 3-4
        "gamma,Initech,Zoom,9600,USD,2027-06-30,annual,,",
        "beta,Hooli,Jira,EUR 5k,USD,2027-13-01,annual,,",
        "beta,acme,FIGMA,1,USD,2027-03-31,annual,,",
    )
    result = podbot("import", "contracts", str(path), env=import_env(sqlite_url))
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"{path}: 3 bad rows; nothing was imported",
        "  line 5: pod `gamma` is not a configured POD; use one of alpha, beta.",
        "  line 6: annual_amount `EUR 5k` is in EUR, but currency says USD.",
        "  line 6: renewal_date `2027-13-01` is not a date; write it as YYYY-MM-DD.",
        "  line 7: acme · FIGMA is already on line 2; list each customer and tool once.",
    ]
    assert contract_rows(sqlite_url) == []


def test_a_missing_file_is_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "contracts", str(tmp_path / "nope.csv")]) == 2
    assert capsys.readouterr().err == f"podbot: {tmp_path / 'nope.csv'}: no such file\n"


def test_a_file_that_is_not_utf8_names_the_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes(HEADER.encode() + b"\nalpha,Soci\xe9t\xe9,Figma,1,EUR,2027-01-01,annual,,\n")
    assert main(["import", "contracts", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"podbot: {path} is not UTF-8 text (line 2); save it as CSV UTF-8\n"
    )


@pytest.mark.postgres
def test_import_and_reimport_on_postgresql(tmp_path: Path, postgres_url: str) -> None:
    path = write(
        tmp_path / "stack.csv",
        "alpha,Acme,Figma,48000,USD,2027-03-31,annual,yes,60",
        "beta,Globex,Slack,EUR 18500.50,EUR,2027-01-15,monthly,,",
    )
    first = podbot("import", "contracts", str(path), env=import_env(postgres_url))
    assert first.stdout == f"Imported {path}: 2 new, 0 updated, 0 unchanged.\n", first.stderr
    stored = contract_rows(postgres_url)

    # Same file with different capitalisation of the key and one new price.
    write(
        path,
        "alpha,Acme,Figma,48000,USD,2027-03-31,annual,yes,60",
        "beta,GLOBEX,slack,EUR 19k,EUR,2027-01-15,monthly,,",
        "beta,Hooli,Jira,5k,USD,2027-02-01,,,",
    )
    second = podbot("import", "contracts", str(path), env=import_env(postgres_url))
    assert second.stdout == f"Imported {path}: 1 new, 1 updated, 1 unchanged.\n", second.stderr
    after = contract_rows(postgres_url)
    assert after[0] == stored[0]
    assert (after[1].customer, after[1].tool, after[1].annual_amount) == (
        "GLOBEX", "slack", Decimal("19000.00")
    )  # fmt: skip
    assert after[1].id == stored[1].id and len(after) == 3


def test_a_contract_renewing_in_year_one_is_refused_with_its_line(
    tmp_path: Path, sqlite_url: str
) -> None:
    # An export's "no date" (0001-01-01) or "no end" (9999-12-31) is no renewal date.
    path = write(
        tmp_path / "stack.csv",
        "alpha,Acme,Figma,48000,USD,2027-03-31,annual,yes,60",
        "alpha,Acme,Slack,120k,USD,0001-01-01,monthly,no,30",
        "beta,Initech,Zoom,9600,USD,9999-12-31,annual,,",
    )
    result = podbot("import", "contracts", str(path), env=import_env(sqlite_url))
    assert (result.returncode, result.stdout) == (1, ""), result.stderr
    assert result.stderr.splitlines() == [
        f"{path}: 2 bad rows; nothing was imported",
        "  line 3: renewal_date `0001-01-01` is outside the dates podbot takes, "
        "1901-01-01 to 2199-12-31.",
        "  line 4: renewal_date `9999-12-31` is outside the dates podbot takes, "
        "1901-01-01 to 2199-12-31.",
    ]
    assert contract_rows(sqlite_url) == []


def test_a_nul_in_an_imported_contract_is_refused_with_its_line_and_nothing_is_renamed(
    tmp_path: Path, database_url: str
) -> None:
    path = write(tmp_path / "stack.csv", "alpha,Acme,Figma,48000,USD,2027-03-31,annual,yes,60")
    assert podbot("import", "contracts", str(path), env=import_env(database_url)).returncode == 0
    stored = contract_rows(database_url)

    write(
        path,
        "alpha,Ac\x00me,Figma,50000,USD,2027-03-31,annual,yes,60",
        "beta,Initech,Zo\x7fom,9600,USD,2027-06-30,annual,,",
        "beta,Hooli,Jira,5k,USD,2027-02-01,,,",
    )
    result = podbot("import", "contracts", str(path), env=import_env(database_url))
    assert (result.returncode, result.stdout) == (1, ""), result.stderr
    assert result.stderr.splitlines() == [
        f"{path}: 2 bad rows; nothing was imported",
        "  line 2: There is an invisible control character (U+0000) in customer, after `Ac`; "
        "remove it and try again.",
        "  line 3: There is an invisible control character (U+007F) in tool, after `Zo`; "
        "remove it and try again.",
    ]
    assert contract_rows(database_url) == stored  # Acme keeps its name and price


def test_an_offline_row_is_recorded_on_the_account_not_in_the_stack(
    tmp_path: Path, sqlite_url: str
) -> None:
    """Issue 35: the `offline` column. A row marked offline is the customer's offline purchase
    (it counts in the ATS on the platform); one for a customer with no account is refused with
    its line, and nothing is imported."""
    from datetime import UTC, datetime

    from sqlalchemy import select

    from bot.db.models import Account, OfflinePurchase, PodRow
    from bot.db.session import Database

    first = podbot("import", "contracts", str(EXAMPLE), env=import_env(sqlite_url))
    assert first.returncode == 0, first.stderr
    stamp = datetime(2026, 11, 1, tzinfo=UTC)
    db = Database(sqlite_url)
    with db.transaction() as session:
        pod_id = session.scalars(select(PodRow.id).where(PodRow.key == "alpha")).one()
        session.add(
            Account(pod_id=pod_id, customer="Acme Corp", currency="USD", msg=Decimal(1),
                    created_at=stamp, updated_at=stamp, updated_by="import")
        )  # fmt: skip
    rows = (
        "alpha,Acme Corp,Canva,2500,USD,2027-06-30,annual,,,yes",
        "alpha,Nobody Inc,Asana,900,USD,2027-06-30,annual,,,yes",
    )

    def write(path: Path, *lines: str) -> Path:
        return csv_file(path, ",".join(COLUMNS), *lines)

    refused = podbot("import", "contracts", str(write(tmp_path / "a.csv", *rows)),
                     env=import_env(sqlite_url))  # fmt: skip
    assert refused.returncode == 1
    assert "line 3: Nobody Inc has no account" in refused.stderr
    done = podbot("import", "contracts", str(write(tmp_path / "b.csv", rows[0])),
                  env=import_env(sqlite_url))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "1 new, 0 updated, 0 unchanged" in done.stdout
    again = podbot("import", "contracts", str(write(tmp_path / "b.csv", rows[0])),
                   env=import_env(sqlite_url))  # fmt: skip
    assert "0 new, 0 updated, 1 unchanged" in again.stdout
    with db.transaction() as session:
        (bought,) = session.scalars(select(OfflinePurchase)).all()
        assert (bought.tool, bought.annual_amount, bought.recorded_by) == (
            "Canva", Decimal(2500), "import",
        )  # fmt: skip
    assert "Canva" not in {row.tool for row in contract_rows(sqlite_url)}
    db.dispose()
