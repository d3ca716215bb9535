"""Issue 20 item 5, `podbot import requests FILE.csv`: the day-one import of open requests, all
rows or none, idempotent on external_id, each with its card posted through the outbox."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from bot.db.models import OutboxRow, Request, RequestEvent
from bot.domain.request_import import ImportPod, parse_requests_csv
from tests.cli.test_cli import ROOT
from tests.commands.conftest import Proc, blocks_text
from tests.conftest import RunningBot
from tests.jobs.conftest import podbot_env

EXAMPLE = ROOT / "config" / "requests.example.csv"
HEADER = (
    "external_id,pod,customer,tool,type,stage,buyer,analyst,created,assigned,current_spend,"
    "renewal_date,notes,last_update,last_update_at"
)
STAGES = ("intake", "qualified", "negotiating")


def podbot_import(bot: RunningBot, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(Path(sys.executable).parent / "podbot"), "import", "requests", str(path)],
        env=podbot_env(bot), capture_output=True, text=True, timeout=400,
    )  # fmt: skip


def rows_300(bad: dict[int, str] | None = None) -> list[str]:
    lines = []
    for n in range(1, 301):
        stage = STAGES[n % 3]
        pod, buyer, analyst = ("alpha", "U0BUY0001", "U0ANA0001")
        assigned = f"2026-11-{(n % 9) + 10:02d} 10:00" if stage == "negotiating" else ""
        lines.append(
            f"T-{n:04d},{pod},Customer {n},Tool {n % 17},{'renewal' if n % 2 else 'new'},"
            f"{stage},{buyer if stage == 'negotiating' else ''},"
            f"{analyst if stage != 'intake' else ''},2026-11-09,{assigned},{n}k,2027-03-31,"
            f"note {n},{'asked for a discount' if n % 5 == 0 else ''},"
            f"{'2026-11-20 15:00' if n % 5 == 0 else ''}"
        )
    for n, line in (bad or {}).items():
        lines[n - 1] = line
    return lines


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def counts(bot: RunningBot) -> tuple[int, int, int]:
    with bot.db.reading() as session:
        return (
            session.scalar(select(func.count()).select_from(Request)) or 0,
            session.scalar(select(func.count()).select_from(OutboxRow)) or 0,
            session.scalar(select(func.count()).select_from(RequestEvent)) or 0,
        )


def test_300_rows_with_3_bad_write_nothing_then_the_fixed_file_posts_300_cards_once(
    bot: RunningBot, tmp_path: Path
) -> None:
    bot.runtime.outbox_worker.stop()  # only the import posts the cards
    bad = {
        17: "T-0017,gamma,Customer 17,Tool 0,new,intake,,,2026-11-09,,17k,,,,",  # unknown POD
        120: "T-0120,alpha,Customer 120,Tool 1,new,negotiating,,U0ANA0001,2026-11-09,,1k,,,,",
        250: "T-0250,alpha,Customer 250,Tool 2,new,closed,,,2026-11-09,,1k,,,,",
    }
    broken = podbot_import(bot, write(tmp_path / "tracker.csv", rows_300(bad)))
    assert broken.returncode == 1
    assert "3 bad row(s); nothing was imported" in broken.stderr
    named = {line.split(":")[0].strip() for line in broken.stderr.splitlines()[1:]}
    assert named == {"line 18", "line 121", "line 251"}  # the header is line 1
    assert "buyer is blank" in broken.stderr and "stage `closed`" in broken.stderr
    assert counts(bot) == (0, 0, 0)

    path = write(tmp_path / "tracker.csv", rows_300())
    first = podbot_import(bot, path)
    assert first.returncode == 0, first.stderr
    assert f"Imported {path}: 300 new, 0 updated, 0 unchanged." in first.stdout
    assert "posted 300 of 300 cards" in first.stdout
    cards = [m for m in bot.api.messages("C0ALPHA01") if not m.thread_ts]
    assert len(cards) == 300
    requests, outbox_rows, events = counts(bot)
    assert requests == 300 and outbox_rows == 300

    again = podbot_import(bot, path)
    assert again.returncode == 0, again.stderr
    assert f"Imported {path}: 0 new, 0 updated, 300 unchanged." in again.stdout
    assert "posted" not in again.stdout
    assert counts(bot) == (300, 300, events)
    assert len([m for m in bot.api.messages("C0ALPHA01") if not m.thread_ts]) == 300


def test_the_example_imports_with_clocks_and_timeline_from_the_file(
    bot: RunningBot, start_bot: Callable[[str], RunningBot]
) -> None:
    bot.runtime.outbox_worker.stop()
    result = podbot_import(bot, EXAMPLE)
    assert result.returncode == 0, result.stderr
    assert "4 new" in result.stdout and "posted 4 of 4 cards" in result.stdout
    with bot.db.reading() as session:
        acme = session.scalars(
            select(Request).where(Request.external_id == "1208841200000101")
        ).one()
        # Kolkata (UTC+5:30): assigned 2026-10-07 11:30 local; renewal TAT 60 days, same time.
        assert acme.assigned_at == datetime(2026, 10, 7, 6, 0, tzinfo=UTC)
        assert acme.tat_due_at == acme.assigned_at + timedelta(days=60)
        assert acme.created_at == datetime(2026, 10, 5, 3, 30, tzinfo=UTC)  # 09:00 local
        assert acme.qualification_due_at == datetime(2026, 10, 6, 3, 30, tzinfo=UTC)
        assert acme.last_update_at == datetime(2026, 11, 18, 10, 35, tzinfo=UTC)
        assert (acme.stage, acme.buyer_id, acme.card_ts is not None) == (
            "negotiating", "U0BUY0001", True
        )  # fmt: skip
        events = session.scalars(
            select(RequestEvent).where(RequestEvent.request_id == acme.id).order_by(RequestEvent.id)
        ).all()
        kinds = [(e.kind, e.text) for e in events]
        assert kinds[1] == (
            "imported", "imported from requests.example.csv (external id 1208841200000101)"
        )  # fmt: skip
        assert kinds[2][0] == "update" and "45k" in (kinds[2][1] or "")
        hooli = session.scalars(select(Request).where(Request.customer == "Hooli")).one()
        assert (hooli.currency, hooli.pod.key) == ("EUR", "beta")
    assert len([m for m in bot.api.messages("C0BETA001") if not m.thread_ts]) == 1
    # Acme (negotiating) and Globex (qualified) were qualified at times the file does not give:
    # the qualification KPI counts them apart, not as late.
    # Initech, still in intake and past its 24 working hours, is the one miss.
    # The stats come after the ack, through the outbox: a bot whose worker runs answers.
    answering = start_bot(bot.runtime.settings.database_url)
    answer = Proc(answering).answer("U0EM00001", "stats 2026Q4 pod", "C0ALPHA01")
    assert (
        "*Qualified within 24 working hours*: 0.0% (bar 80.0%) — 0 of 1 · 2 counted apart"
        in blocks_text(answer["blocks"]).splitlines()[6]
    )


def test_rows_are_checked_line_by_line() -> None:
    pods = {"alpha": ImportPod("alpha", "Asia/Kolkata", "USD", {"U0BUY0001": "buyer"})}
    text = "\n".join([
        HEADER,
        "A1,alpha,Acme,Figma,new,negotiating,U0NOBODY1,,2026-11-09,2026-11-10,,,,,",
        "A1,alpha,Acme,Miro,new,intake,,,2026-11-09,,,,,,",
        "A3,alpha,Acme,Zoom,new,intake,,,09/11/2026,,,,,hello,",
        "A4,alpha,Acme,Zoom,new,qualified,,,2026-11-09,2026-11-10,,2027-02-30,,,",
    ])  # fmt: skip
    rows, errors = parse_requests_csv(text, pods)
    assert rows == []
    by_line = {e.line: e.reason for e in errors}
    assert set(by_line) == {2, 3, 4, 5}
    assert "not buyer or em" in next(e.reason for e in errors if e.line == 2)
    assert "already on line 2" in by_line[3]
    assert any("last_update_at is blank" in e.reason for e in errors if e.line == 4)
    assert any("only negotiating is assigned" in e.reason for e in errors if e.line == 5)


def test_a_request_created_in_year_one_is_refused_with_its_line_and_posts_no_card(
    bot: RunningBot, tmp_path: Path
) -> None:
    # An export's "no date" (0001-01-01) or "no end" (9999-12-31), as a day or a time.
    path = write(
        tmp_path / "tracker.csv",
        [
            "R-1,alpha,Acme,Figma,new,intake,,,0001-01-01,,,,,,",
            "R-2,alpha,Globex,Slack,renewal,negotiating,U0BUY0001,,2026-11-09,"
            "0001-01-01 00:00+05:00,,,,,",
            "R-3,alpha,Initech,Zoom,renewal,intake,,,2026-11-09,,,9999-12-31,,,",
            "R-4,alpha,Hooli,Jira,new,intake,,,2026-11-09,,,,,Vendor called,0001-01-01T09:00",
            "R-5,alpha,Umbrella,Miro,new,intake,,,2026-11-09,,,2027-03-31,,,",
        ],
    )
    result = podbot_import(bot, path)
    assert (result.returncode, result.stdout) == (1, ""), result.stderr
    window = "is outside the dates podbot takes, 1901-01-01 to 2199-12-31"
    assert result.stderr.splitlines() == [
        f"{path}: 4 bad row(s); nothing was imported",
        f"  line 2: created `0001-01-01` {window}.",
        f"  line 3: assigned `0001-01-01 00:00+05:00` {window}.",
        f"  line 4: renewal_date `9999-12-31` {window}; leave it blank for no date.",
        f"  line 5: last_update_at `0001-01-01T09:00` {window}.",
    ]
    assert counts(bot) == (0, 0, 0)
    assert bot.api.messages("C0ALPHA01") == []
