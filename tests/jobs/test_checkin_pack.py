"""Issue 20 item 3: the customer check-in pack — weekly per customer in the POD channel with its
CSV (once per customer per week), and `/proc checkin <customer>` with Share in channel."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta

from bot.config import parse_config
from bot.jobs import JOBS
from tests.commands.conftest import ALPHA, ANALYST, BETA_ANALYST, BUYER, Proc, blocks_text
from tests.conftest import TEST_CONFIG, RunningBot
from tests.jobs.conftest import catch_up, run_job
from tests.jobs.test_renewal_calendar import add_contract

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # the test clock: Monday 20:30 in Kolkata


def packs(bot: RunningBot) -> list:
    return [m for m in bot.api.messages(ALPHA) if not m.thread_ts and "Check-in" in m.text]


def setup(proc: Proc, bot: RunningBot) -> None:
    proc(ANALYST, "new Acme | Figma | renewal | 48k")
    proc(ANALYST, "qualify 1")
    proc(ANALYST, f"assign 1 <@{BUYER}>")
    proc(BUYER, "update 1 Vendor at 45k")
    proc(ANALYST, "new Acme | Miro | new")
    proc(ANALYST, "new Globex | Zoom | new")
    add_contract(bot.db, "alpha", "Acme", "Slack", "24000", date(2027, 1, 15))
    add_contract(bot.db, "alpha", "Acme", "Jira", "5000", date(2027, 6, 1))  # past 90 days


def test_config_keys_are_validated() -> None:
    text = TEST_CONFIG.read_text().replace(
        'key = "alpha"', 'key = "alpha"\ncheckin_day = "tuesday"\ncheckin_time = "10:30"'
    )
    pod = parse_config(text, TEST_CONFIG).pod("alpha")
    assert (pod.checkin_day, pod.checkin_time.hour, pod.checkin_time.minute) == ("tue", 10, 30)
    bad = TEST_CONFIG.read_text().replace('key = "alpha"', 'key = "alpha"\ncheckin_day = "someday"')
    try:
        parse_config(bad, TEST_CONFIG)
    except Exception as exc:
        assert "checkin_day" in str(exc)
    else:
        raise AssertionError("someday accepted")


def test_one_pack_per_customer_per_week_with_its_csv(bot: RunningBot, proc: Proc) -> None:
    setup(proc, bot)
    pod = bot.runtime.config.pod("alpha")
    assert "2 check-in pack(s)" in run_job(bot.runtime, JOBS["checkin-pack"], pod, now=NOW)
    assert "0 check-in pack(s)" in run_job(bot.runtime, JOBS["checkin-pack"], pod, now=NOW)
    catch_up(bot.runtime, [JOBS["checkin-pack"]], NOW + timedelta(hours=1))
    assert len(packs(bot)) == 2
    acme = next(m for m in packs(bot) if "Acme" in m.text)
    assert "REQ-1" in acme.text and "REQ-2" in acme.text and "REQ-3" not in acme.text
    assert "TAT 60 day(s) left" in acme.text
    assert "Slack — renews" in acme.text and "Jira" not in acme.text
    (upload,) = [f for f in bot.api.files.values() if f.thread_ts == acme.ts]
    rows = list(csv.DictReader(io.StringIO(upload.content.decode())))
    assert [(r["section"], r["key"] or r["tool"]) for r in rows] == [
        ("open", "REQ-1"), ("open", "REQ-2"), ("renewal", "Slack"),
    ]  # fmt: skip
    assert rows[0]["tat_days_left"] == "60" and rows[0]["stage"] == "negotiating"
    assert rows[2]["amount"] == "24000.00"
    # The next week: once more.
    later = NOW + timedelta(days=7)
    assert "2 check-in pack(s)" in run_job(bot.runtime, JOBS["checkin-pack"], pod, now=later)


def test_proc_checkin_is_ephemeral_and_share_posts_it(bot: RunningBot, proc: Proc) -> None:
    setup(proc, bot)
    answer = proc.answer(ANALYST, "checkin acme")
    assert answer["response_type"] == "ephemeral"
    assert "REQ-1" in answer["text"] and packs(bot) == []
    button = next(
        e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]
        if e["action_id"] == "checkin_share"
    )  # fmt: skip
    refused = proc.answer(BETA_ANALYST, "checkin acme", "C0BETA001")
    assert "not a member" in refused["text"]
    response = bot.slack.block_action(
        "checkin_share", button["value"], ANALYST, ALPHA, "1700000000.000100",
        message={"blocks": answer["blocks"], "ts": "1700000000.000100"},
    )  # fmt: skip
    assert response.status == 200
    bot.wait_idle()
    (shared,) = packs(bot)
    assert shared.text == answer["text"]
    assert [f for f in bot.api.files.values() if f.thread_ts == shared.ts]
    assert "Share in channel" not in blocks_text(shared.blocks)
