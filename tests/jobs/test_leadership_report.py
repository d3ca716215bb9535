"""Issue 35 item 6: the monthly leadership report — on the first working day of the month,
one message across PODs in the `[leadership] channel`, its CSV and its `.eml` draft: ATS
change, MSG and GDR standing, savings vs target, the forecast's at-risk accounts, ROI."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from decimal import Decimal
from email import message_from_bytes
from email.policy import default

import pytest
from sqlalchemy import update

from bot.config import Config, parse_config
from bot.db.models import Account, ForecastRow, PodForecastRow
from bot.db.offline import record_offline
from bot.domain.money import Money
from bot.jobs import JOBS
from tests.commands.conftest import blocks_text
from tests.conftest import TEST_CONFIG, RunningBot
from tests.helpers.stats import seed
from tests.jobs.conftest import run_job

LEAD = "C0LEAD001"
# Tuesday 1 December 2026, 09:30 in Kolkata: POD Alpha's first working day of December.
DEC_1 = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)
NOV_2 = datetime(2026, 11, 2, 4, 0, tzinfo=UTC)  # ISO week 45: four weeks before week 49


@pytest.fixture
def test_config() -> Config:
    return parse_config(
        TEST_CONFIG.read_text() + f'\n[leadership]\nchannel = "{LEAD}"\n', TEST_CONFIG
    )


def test_the_report_runs_on_the_first_working_day_only_and_needs_a_channel() -> None:
    spec = JOBS["leadership-report"]
    config = parse_config(
        TEST_CONFIG.read_text() + f'\n[leadership]\nchannel = "{LEAD}"\n', TEST_CONFIG
    )
    alpha, beta = config.pods
    assert spec.period(config, alpha, DEC_1) == "2026-12"
    assert spec.period(config, alpha, datetime(2026, 12, 2, 4, 0, tzinfo=UTC)) is None
    assert spec.period(config, beta, DEC_1) is None  # one report across PODs: the first's
    # January 2027: the 1st is a Friday, a working day in POD Alpha.
    assert spec.period(config, alpha, datetime(2027, 1, 1, 4, 0, tzinfo=UTC)) == "2027-01"
    assert spec.period(parse_config(TEST_CONFIG.read_text(), TEST_CONFIG), alpha, DEC_1) is None
    bad = TEST_CONFIG.read_text() + '\n[leadership]\nchannel = "#leadership"\n'
    with pytest.raises(Exception, match=r"leadership\.channel"):
        parse_config(bad, TEST_CONFIG)


def test_the_monthly_leadership_report(bot: RunningBot) -> None:
    bot.api.add_channel(LEAD)
    seed(bot)
    alpha = bot.runtime.config.pod("alpha")
    run_job(bot.runtime, JOBS["ats-snapshots"], alpha, now=NOV_2)
    with bot.db.transaction() as session:
        session.execute(update(Account).where(Account.customer == "Acme Corp").values(fee=7000))
        acme = session.query(Account).filter_by(customer="Acme Corp").one()
        record_offline(
            session, acme, "Notion", Money(Decimal(5000), "USD"), None, "U0CSM0001", NOV_2
        )
        # The week's MSG forecast (issue 35 item 5) marks Globex at risk, as its job keeps it.
        globex = session.query(Account).filter_by(customer="Globex").one()
        session.add(
            ForecastRow(
                pod_id=globex.pod_id, account_id=globex.id, customer="Globex", week="2026-W49",
                made_at=NOV_2, as_of=NOV_2.date(), handover=date(2026, 5, 1),
                deadline=date(2026, 10, 28), term_end=None, msg=Decimal(30000), currency="USD",
                to_date=Decimal(12000), status="at-risk", reach_on=None,
                shortfall=Decimal(18000),
                sentence="Globex misses its MSG by $18k unless REQ-2 closes", lines=[],
            )
        )  # fmt: skip
        session.add(
            PodForecastRow(
                pod_id=globex.pod_id, week="2026-W49", quarter="2026Q4", made_at=NOV_2,
                reached=0, decided=1, apart=0,
            )
        )  # fmt: skip
    run_job(bot.runtime, JOBS["ats-snapshots"], alpha, now=DEC_1)
    assert "leadership report of 2 PODs" in run_job(
        bot.runtime, JOBS["leadership-report"], alpha, now=DEC_1
    )
    assert "already done" in run_job(bot.runtime, JOBS["leadership-report"], alpha, now=DEC_1)

    (post,) = [m for m in bot.api.messages(LEAD) if not m.thread_ts]
    shown = blocks_text(post.blocks)
    lines = shown.split("\n")
    assert lines[0] == "*Leadership report* · 2026-12 (as of 2026-12-01, quarter 2026Q4)"
    # Acme's Figma 120,000 + Slack 60,000 on 2 Nov; + Notion 5,000 offline by 1 Dec.
    assert "• ATS on the platform: $185,000 (+$5,000 over four weeks)" in lines
    # Acme: 12,000 of its 20,000 since handover on day 47 (pending); Globex past day 180.
    assert "• MSG: 0 met, 0 warning, 1 missed, 1 pending" in lines
    # 2,000 + 12,000 + 8,000 savings and 10,000 avoidance = 32,000 of the 100,000 target.
    assert "• Savings: $32,000 of target $100,000 (32.0%)" in lines
    assert "• GDR: no customer's outcome known this quarter yet" in lines
    assert "    Globex: Globex misses its MSG by $18k unless REQ-2 closes" in lines
    # Acme's approved savings to date, 2,000 + 12,000 = 14,000, ÷ its 7,000 fee.
    assert "• ROI Acme Corp: 2.0× ($14,000 approved ÷ fee $7,000)" in lines
    files = {f.filename: f for f in bot.api.files.values() if f.thread_ts == post.ts}
    assert sorted(files) == ["leadership-2026-12.csv", "leadership-2026-12.eml"]
    rows = list(csv.DictReader(io.StringIO(files["leadership-2026-12.csv"].content.decode())))
    acme = next(r for r in rows if r["customer"] == "Acme Corp")
    assert (acme["msg_status"], acme["fee"], acme["approved_savings"]) == (
        "pending", "7000.00", "14000.00",
    )  # fmt: skip
    assert next(r for r in rows if r["customer"] == "Globex")["at_risk_shortfall"] == "18000.00"
    mail = message_from_bytes(files["leadership-2026-12.eml"].content, policy=default)
    assert mail["Subject"] == "Procurement PODs: leadership report 2026-12"
    assert mail["To"] is None
    body = mail.get_body(("plain",))
    assert body is not None
    assert "ROI Acme Corp: 2.0×" in body.get_content()
