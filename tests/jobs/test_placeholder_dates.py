"""Issue 25 item 1: a "no date" placeholder (`0001-01-01`, `9999-12-31`) stored on one account or
contract — by an older import, an older version or a direct write; imports refuse them now —
fails none of its POD's KPIs, Homes or jobs. The rows are written straight into the database,
as such a legacy row would be.

The clock reads Monday 2026-11-23 15:00 UTC (20:30 in Kolkata, POD Alpha's zone, east of UTC:
local midnight of 0001-01-01 there is before the first instant Python can hold)."""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from bot.db.models import Account, PodRow
from bot.jobs import JOBS
from tests.commands.conftest import ALPHA, BUYER, CSM, EM, Proc, blocks_text
from tests.conftest import TEST_CONFIG, RunningBot
from tests.helpers.commandline import podbot
from tests.helpers.home import open_home
from tests.helpers.renewal_calendar import add_contract
from tests.helpers.renewal_reminders import ANALYSTS, dms, ny, remind
from tests.helpers.stats import BUYER_LINES, CUSTOMER_LINES, HINT, POD_LINES, seed
from tests.jobs.conftest import run_job

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
YEAR_ONE = date(1, 1, 1)
LAST_DAY = date(9999, 12, 31)


def add_account(bot: RunningBot, customer: str, initiated: date, **dates: date) -> None:
    """An account row as an older import left it: its dates as stored, nothing checked."""
    stamp = datetime(2026, 9, 1, tzinfo=UTC)
    with bot.db.transaction() as session:
        pod_id = session.scalars(select(PodRow.id).where(PodRow.key == "alpha")).one()
        session.add(
            Account(pod_id=pod_id, customer=customer, initiated=initiated, currency="USD",
                    msg=Decimal(10000), pse=Decimal(50000), ats=Decimal(10000),
                    health="favorable", updated_by="import", created_at=stamp, updated_at=stamp,
                    **dates)
        )  # fmt: skip


def test_an_account_initiated_in_year_one_does_not_break_its_pods_stats_home_or_digest(
    bot: RunningBot, proc: Proc, tmp_path: Path
) -> None:
    seed(bot)  # a quarter of POD Alpha's activity: two accounts, claims, targets
    add_account(bot, "Legacy", YEAR_ONE, handover=YEAR_ONE, term_end=LAST_DAY)
    add_account(bot, "Forever", LAST_DAY, handover=LAST_DAY, term_end=LAST_DAY)

    # /proc stats answers with the POD's figures as without them, but for the two accounts'
    # health; /proc account and /proc stats show the legacy account's own.
    health = "✅ *Accounts in favorable health*: 75.0% (bar 70.0%) — 3 of 4"
    assert proc(EM, "stats pod").split("\n") == [
        *(health if "favorable health" in line else line for line in POD_LINES),
        HINT,
    ]
    assert proc(BUYER, "stats").split("\n") == [*BUYER_LINES, HINT]
    assert proc(CSM, "stats 2026Q4 Acme Corp").split("\n") == [*CUSTOMER_LINES, HINT]
    legacy = proc(EM, "account Legacy").split("\n")
    assert legacy[1].startswith("Customer since <!date^-62135574808^{date_short}|Jan 1, 1> · ")
    assert legacy[-6:] == [
        "Milestones:",
        "❌ *First time value*: none (bar 14 days)",
        "❌ *Minimum savings guarantee*: 0.0% (bar 100.0%) — $0 of $10,000",
        "⏳ *Projected savings estimate*: 0.0% (bar 60.0%) — $0 of $50,000",
        "❌ *ATS uploaded*: 0.0% (bar 75.0%) — $0 of $10,000",
        HINT,
    ]
    assert proc(EM, "stats Legacy").split("\n")[1] == "*Legacy* · POD Alpha"

    # The Homes of the POD's buyer and em are published (they show the quarter's figures).
    for member in (BUYER, EM):
        view = open_home(bot, member)
        assert "POD Alpha" in blocks_text(view["blocks"])

    # The weekly digest posts, with its charts and CSV.
    outcome = run_job(bot.runtime, JOBS["weekly-digest"], bot.runtime.config.pod("alpha"), now=NOW)
    assert outcome.startswith("weekly-digest alpha 2026-W48: queued the digest with 3 charts")
    (post,) = [m for m in bot.api.messages(ALPHA) if m.text.startswith("Weekly digest")]
    assert health in blocks_text(post.blocks)

    # `podbot report kpis` writes its CSV.
    env = {
        "PODBOT_CONFIG": str(TEST_CONFIG),
        "DATABASE_URL": bot.runtime.settings.database_url,
        "PODBOT_CLOCK_START": NOW.isoformat(),
    }
    out = tmp_path / "kpis.csv"
    result = podbot("report", "kpis", "--quarter", "2026Q4", "--pod", "alpha", "--csv", str(out),
                    env=env)  # fmt: skip
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    ftv = {r["subject"]: r["status"] for r in rows if r["kpi"] == "ftv"}
    assert ftv == {"Acme Corp": "met", "Globex": "missed", "Legacy": "missed", "Forever": "pending"}


def test_a_contract_renewing_in_year_one_does_not_stop_the_pods_other_renewal_reminders(
    bot: RunningBot,
) -> None:
    today = date(2026, 11, 23)
    # Older rows first: the job meets them before the contract due a reminder.
    add_contract(bot.db, "beta", "Legacy Co", "Figma", "1000", YEAR_ONE, notice_days=30)
    add_contract(bot.db, "beta", "Forever Inc", "Miro", "1000", LAST_DAY, notice_days=30)
    add_contract(bot.db, "beta", "Globex", "Zoom", "24000", today + timedelta(days=90))

    assert "1 renewal reminder" in remind(bot, ny(today))
    for analyst in ANALYSTS:
        (dm,) = dms(bot, analyst)
        assert "Globex" in dm.text and "(90 days)" in dm.text
    # The next hour: nothing more, and no failure either.
    assert remind(bot, ny(today, 11)).endswith("0 renewal reminders")
