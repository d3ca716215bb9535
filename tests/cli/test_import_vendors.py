"""Issue 33, `podbot import vendors FILE.csv`: a vendor file loaded all rows or none (bad rows
by line; BOM, CRLF, control characters as every import), upserted by vendor and document."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.db.models import Vendor, VendorDocument
from tests.helpers.cli import ROOT
from tests.helpers.commandline import podbot
from tests.helpers.imports import csv_file, import_env, table_rows

EXAMPLE = ROOT / "config" / "vendors.example.csv"
HEADER = "vendor,document,received,expires,checked_by"


def env(database_url: str) -> dict[str, str]:
    return import_env(database_url, PODBOT_CLOCK_START="2026-11-23T15:00:00+00:00")


def test_the_example_file_imports_and_a_reimport_changes_nothing(
    tmp_path: Path, sqlite_url: str
) -> None:
    first = podbot("import", "vendors", str(EXAMPLE), env=env(sqlite_url))
    assert first.returncode == 0, first.stderr
    assert first.stdout == f"Imported {EXAMPLE}: 6 new, 0 updated, 0 unchanged.\n"
    vendors = [(v.key, v.name) for v in table_rows(sqlite_url, Vendor)]
    assert vendors == [("figma", "Figma"), ("miro", "Miro")]
    docs = [
        (d.vendor_id, d.kind, d.expires_on, d.checked_by)
        for d in table_rows(sqlite_url, VendorDocument)
    ]
    assert docs[3] == (1, "w9", None, "import")
    assert docs[2] == (1, "insurance", date(2027, 1, 14), "U0ANA0002")

    again = podbot("import", "vendors", str(EXAMPLE), env=env(sqlite_url))
    assert again.stdout == f"Imported {EXAMPLE}: 0 new, 0 updated, 6 unchanged.\n"

    # A BOM and CRLF line ends, the vendor by any spelling: the same vendor's document.
    path = tmp_path / "v.csv"
    path.write_bytes(
        ("\ufeff" + HEADER + "\r\nFIGMA ,Insurance,2026-11-20,2027-11-19,U0ANA0001\r\n").encode()
    )
    third = podbot("import", "vendors", str(path), env=env(sqlite_url))
    assert third.stdout == f"Imported {path}: 0 new, 1 updated, 0 unchanged.\n", third.stderr
    (insurance,) = [d for d in table_rows(sqlite_url, VendorDocument) if d.kind == "insurance"]
    assert insurance.expires_on == date(2027, 11, 19)
    assert len(table_rows(sqlite_url, Vendor)) == 2


def test_a_bad_file_prints_every_bad_row_and_imports_nothing(
    tmp_path: Path, sqlite_url: str
) -> None:
    path = csv_file(
        tmp_path / "v.csv",
        HEADER,
        "Figma,soc2,2026-03-02,2027-03-01,U0ANA0001",
        ",soc2,2026-03-02,,",
        "Figma,pentest,2026-03-02,,",
        "Figma,iso27001,03/02/2026,,",
        "Figma,insurance,2026-03-02,2025-03-01,",
        "Figma,w9,2026-03-02,,dana",
        "figma,SOC2,2026-04-01,,",
        "Miro,w9,2026-03-02,,U0ANA0001\x00",
        # A name that looks like a formula is text: kept as typed, shown escaped, and
        # neutralised in every CSV podbot writes.
        '=HYPERLINK("http://x"),soc2,2026-03-02,,',
    )
    result = podbot("import", "vendors", str(path), env=env(sqlite_url))
    assert result.returncode == 1 and result.stdout == ""
    lines = result.stderr.splitlines()
    assert lines[0] == f"{path}: 7 bad rows; nothing was imported"
    assert lines[1:] == [
        "  line 3: vendor is blank.",
        "  line 4: document `pentest` is not one of soc2, iso27001, insurance, w9, financials.",
        "  line 5: received `03/02/2026` is not a date like 2026-12-01.",
        "  line 6: expires is before received.",
        "  line 7: checked_by `dana` is not a Slack user id like U024BE7LH.",
        "  line 8: figma's soc2 is already on line 2; list each once.",
        lines[7],
    ]
    assert lines[7].startswith("  line 9: ") and "control character" in lines[7]
    assert table_rows(sqlite_url, Vendor) == []
    assert table_rows(sqlite_url, VendorDocument) == []
