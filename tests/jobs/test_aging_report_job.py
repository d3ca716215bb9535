"""SPEC §5 `aging-report`: queued once per POD and working day, caught up after downtime."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.db.models import JobRun, OutboxRow
from bot.jobs import JOBS
from tests.commands.conftest import ANALYST, blocks_text
from tests.conftest import RunningBot
from tests.jobs.conftest import add_request, catch_up, run_job

ALPHA = "C0ALPHA01"
BETA = "C0BETA001"
# Monday 2026-11-23 09:00 in Kolkata (UTC+5:30) is 03:30 UTC.
ALPHA_NINE = datetime(2026, 11, 23, 3, 30, tzinfo=UTC)


def reports(bot: RunningBot, channel: str) -> list:
    return [
        m
        for m in bot.api.messages(channel)
        if not m.thread_ts and m.text.startswith("Aging report")
    ]


def test_the_report_is_posted_once_per_period(
    start_bot: Callable[[str], RunningBot], database_url: str, clock: ManualClock
) -> None:
    bot = start_bot(database_url)
    add_request(bot.db, bot.runtime.config, "alpha", ALPHA_NINE - timedelta(days=3))
    spec = JOBS["aging-report"]
    pod = bot.runtime.config.pod("alpha")
    first = run_job(bot.runtime, spec, pod, now=ALPHA_NINE)
    second = run_job(bot.runtime, spec, pod, now=ALPHA_NINE + timedelta(hours=2))
    assert first.startswith("aging-report alpha 2026-11-23: queued 1 request in 1 message")
    assert second == "aging-report alpha 2026-11-23: already done"
    (report,) = reports(bot, ALPHA)
    assert "REQ-1" in blocks_text(report.blocks)
    with bot.db.transaction() as session:
        (run,) = session.scalars(select(JobRun)).all()
        # The run's first outbox row is its top-level post; the rest reply in its thread.
        delivery = session.scalars(
            select(OutboxRow).where(OutboxRow.lane == f"chan:{ALPHA}").order_by(OutboxRow.id)
        ).first()
        assert delivery is not None and delivery.parent_id is None
        assert (run.job, run.scope, run.period, run.status) == (
            "aging-report", "alpha", "2026-11-23", "done"
        )  # fmt: skip
    assert report.metadata == {
        "event_type": "podbot_delivery",
        "event_payload": {"delivery": delivery.id},
    }


def test_no_report_on_weekends_and_holidays(bot: RunningBot) -> None:
    spec = JOBS["aging-report"]
    alpha = bot.runtime.config.pod("alpha")
    saturday = datetime(2026, 11, 28, 3, 30, tzinfo=UTC)
    christmas = datetime(2026, 12, 25, 3, 30, tzinfo=UTC)
    assert "not a working day" in run_job(bot.runtime, spec, alpha, now=saturday)
    assert "not a working day" in run_job(bot.runtime, spec, alpha, now=christmas)
    assert reports(bot, ALPHA) == []


def test_catch_up_posts_todays_missed_report_once_and_not_yesterdays(bot: RunningBot) -> None:
    # The bot was down over Monday 09:00 in Kolkata and starts at 11:00.
    eleven = ALPHA_NINE + timedelta(hours=2)
    aging = [JOBS["aging-report"]]
    outcomes = catch_up(bot.runtime, aging, now=eleven)
    assert any(o.startswith("aging-report alpha 2026-11-23: queued") for o in outcomes)
    # Beta (New York) is at 00:30 on Monday: its 09:00 has not come yet.
    assert not any("beta" in o for o in outcomes)
    assert catch_up(bot.runtime, aging, now=eleven + timedelta(minutes=5)) == []
    assert len(reports(bot, ALPHA)) == 1
    with bot.db.transaction() as session:
        periods = session.scalars(select(JobRun.period).where(JobRun.job == "aging-report")).all()
    assert periods == ["2026-11-23"]  # nothing for Friday the 20th


def test_a_report_of_300_requests_arrives_whole(bot: RunningBot) -> None:
    created = ALPHA_NINE - timedelta(days=10)
    for n in range(300):
        add_request(
            bot.db,
            bot.runtime.config,
            "alpha",
            created + timedelta(minutes=n),
            customer=f"Customer {n:03d}, a rather long company name Inc.",
            tool=f"Tool with a long product name {n:03d}",
        )
    outcome = run_job(
        bot.runtime, JOBS["aging-report"], bot.runtime.config.pod("alpha"), now=ALPHA_NINE
    )
    assert "queued 300 requests" in outcome
    (parent,) = reports(bot, ALPHA)
    parts = [parent, *bot.api.thread(ALPHA, parent.ts)]
    posted = [p for p in parts if p.blocks]
    assert len(posted) > 1
    keys = re.findall(r"REQ-\d+", "\n".join(blocks_text(p.blocks) for p in posted))
    assert sorted(keys, key=lambda k: int(k[4:])) == [f"REQ-{n}" for n in range(1, 301)]
    # Slack's test server refuses messages over its limits, so every part passed them.
    assert not [c for c in bot.api.calls_to("chat.postMessage") if c.failed]
    (upload,) = bot.api.files.values()
    assert upload.thread_ts == parent.ts and upload.filename == "aging-alpha-2026-11-23.csv"
    rows = list(csv.reader(io.StringIO(upload.content.decode())))
    assert len(rows) == 301 and rows[0][0] == "key"


def test_proc_aging_shows_the_report_only_to_the_invoker(
    bot: RunningBot, clock: ManualClock
) -> None:
    clock.set(ALPHA_NINE)
    add_request(bot.db, bot.runtime.config, "alpha", ALPHA_NINE - timedelta(days=2))
    response = bot.slack.slash_command("aging", user_id=ANALYST, channel_id=ALPHA)
    answer = response.json()
    bot.wait_idle()
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith("Aging report")
    assert "REQ-1" in blocks_text(answer["blocks"])
    assert bot.api.calls_to("chat.postMessage") == []
