"""Issue 25 item 5: every CSV podbot writes — the aging report's, the KPI table's (the weekly
digest's and `podbot report kpis`'), the renewal calendar's, the check-in pack's (weekly and
shared from `/proc checkin`) — shows a cell a spreadsheet would run as a formula as text, and
keeps the numbers podbot computes, negative ones included, as numbers.

Names typed into the intake form and a next step and blockers typed into the update form are
stored as written; each report is driven as Slack and the scheduler drive it, and the files
are read as the Slack stand-in received them (the CLI's from the file it wrote).
"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bot.jobs import JOBS
from tests.commands.conftest import ALPHA, ANALYST, BUYER, Proc
from tests.conftest import TEST_CONFIG, RunningBot
from tests.helpers.commandline import podbot
from tests.helpers.markup_injection import negotiating, submit_intake
from tests.helpers.modals import fill, opened_view
from tests.helpers.renewal_calendar import ALPHA_POST, add_contract
from tests.helpers.weekly_digest_job import add_account
from tests.jobs.conftest import add_request, run_job

# What a spreadsheet runs as a formula (OWASP): a cell beginning with one of these.
TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
CUSTOMER = '=HYPERLINK("https://evil.example/steal","Open")'
TOOL = "+SUM(1,1)*cmd|' /C calc'!A0"
NEXT_STEP = '=HYPERLINK("https://evil.example/sign","Sign here")'
BLOCKERS = "@SUM(1+1)*cmd|' /C calc'!A0"
STACK_TOOL = "-2+3 Suite"
# Monday 14 Dec 2026, 09:30 in Kolkata: REQ-1, assigned on 23 Nov with 15 days, is 6 days late.
LATE = datetime(2026, 12, 14, 4, 0, tzinfo=UTC)


def is_number(cell: str) -> bool:
    try:
        return Decimal(cell).is_finite()
    except InvalidOperation:
        return False


def table(content: bytes | str) -> list[dict[str, str]]:
    text = content.decode("utf-8") if isinstance(content, bytes) else content
    return list(csv.DictReader(io.StringIO(text, newline="")))


def update_by_form(bot: RunningBot, number: int, answers: dict[str, str]) -> None:
    bot.slack.slash_command(f"update REQ-{number}", user_id=BUYER, channel_id=ALPHA,
                            trigger_id="25.5")  # fmt: skip
    bot.wait_idle()
    _, view = opened_view(bot)
    response = bot.slack.view_submission(
        view["callback_id"], fill(view, answers), BUYER, private_metadata=view["private_metadata"]
    )
    assert response.status == 200 and not response.body, response.text
    bot.wait_idle()


def share_checkin(bot: RunningBot, proc: Proc, customer: str) -> None:
    answer = proc.answer(ANALYST, f"checkin {customer}")
    button = next(
        e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]
        if e["action_id"] == "checkin_share"
    )  # fmt: skip
    response = bot.slack.block_action(
        "checkin_share", button["value"], ANALYST, ALPHA, "1700000000.000100",
        message={"blocks": answer["blocks"], "ts": "1700000000.000100"},
    )  # fmt: skip
    assert response.status == 200
    bot.wait_idle()


def test_every_csv_podbot_writes_neutralises_formulas(
    bot: RunningBot, proc: Proc, tmp_path: Path
) -> None:
    # REQ-1: named in the intake form, negotiating, updated with the update form.
    submit_intake(bot, proc, CUSTOMER, TOOL)
    negotiating(proc, 1)
    update_by_form(
        bot, 1, {"status": "vendor came back", "next_step": NEXT_STEP, "blockers": BLOCKERS}
    )
    add_account(bot, CUSTOMER, date(2026, 10, 1), 10000)
    add_contract(bot.db, "alpha", CUSTOMER, STACK_TOOL, "24000", date(2027, 2, 10))
    # Enough open requests that the aging report is split, so it carries its CSV.
    for n in range(60):
        add_request(bot.db, bot.runtime.config, "alpha", LATE - timedelta(days=3),
                    customer=f"Filler {'x' * 50}", tool=f"Tool {n} {'y' * 50}")  # fmt: skip

    alpha = bot.runtime.config.pod("alpha")
    share_checkin(bot, proc, CUSTOMER)
    for job, now, said in [
        ("aging-report", LATE, "queued 61 requests"),
        ("weekly-digest", LATE, "queued the digest with 3 charts and the KPI CSV"),
        ("checkin-pack", LATE, "2 customer packs in the thread"),
        ("renewal-calendar", ALPHA_POST, "queued 1 renewal"),
    ]:
        assert said in run_job(bot.runtime, JOBS[job], alpha, now=now)
    out = tmp_path / "kpis.csv"
    result = podbot(
        "report", "kpis", "--quarter", "2026Q4", "--pod", "alpha", "--csv", str(out),
        env={"PODBOT_CONFIG": str(TEST_CONFIG), "DATABASE_URL": bot.runtime.settings.database_url,
             "PODBOT_CLOCK_START": "2026-11-23T15:00:00+00:00"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr

    files = {f.filename: table(f.content) for f in bot.api.files.values()
             if f.filename.endswith(".csv")}  # fmt: skip
    files["report kpis"] = table(out.read_text(encoding="utf-8"))
    checkins = sorted(name for name in files if name.startswith("checkin-alpha-hyperlink"))
    assert [name[-14:] for name in checkins] == [
        "2026-11-23.csv",
        "2026-12-14.csv",
    ]  # shared, weekly
    assert {"aging-alpha-2026-12-14.csv", "kpis-alpha-2026-W51.csv",
            "renewals-alpha-2027Q1.csv"} <= set(files)  # fmt: skip

    # In every file, no cell a spreadsheet would run, but numbers.
    for name, rows in files.items():
        for row in rows:
            for column, cell in row.items():
                assert not cell.startswith(TRIGGERS) or is_number(cell), (name, column, cell)

    # The names and what was typed are there, shown as text.
    (aging,) = [r for r in files["aging-alpha-2026-12-14.csv"] if r["key"] == "REQ-1"]
    assert (aging["customer"], aging["tool"]) == ("'" + CUSTOMER, "'" + TOOL)
    for name in ("kpis-alpha-2026-W51.csv", "report kpis"):
        mine = [
            r for r in files[name] if r["scope"] == "customer" and r["subject"] == "'" + CUSTOMER
        ]
        assert len(mine) >= 4, name  # FTV, MSG, PSE, ATS uploaded, and the extras
    (renewal,) = files["renewals-alpha-2027Q1.csv"]
    assert (renewal["customer"], renewal["tool"], renewal["annual_value"]) == (
        "'" + CUSTOMER, "'" + STACK_TOOL, "24000.00"
    )  # fmt: skip
    for name in checkins:
        (line,) = [r for r in files[name] if r["key"] == "REQ-1"]
        assert (line["tool"], line["next_step"], line["blockers"]) == (
            "'" + TOOL, "'" + NEXT_STEP, "'" + BLOCKERS
        )  # fmt: skip

    # Negative figures podbot computes stay numbers: REQ-1 is 6 days past its TAT.
    assert aging["days_left"] == "-6" and int(aging["days_left"]) == -6
    (late,) = [r for r in files[checkins[1]] if r["key"] == "REQ-1"]
    assert late["tat_days_left"] == "-6"
