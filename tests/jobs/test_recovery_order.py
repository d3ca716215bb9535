"""Issue 29 item 4: a recovery that reads right.

Slack is down from Thursday 3 to Tuesday 8 December 2026 (six days) while POD Beta's jobs
run on schedule: an aging report every working morning (long enough for continuations and a
CSV), the 2027Q1 renewal calendar on Friday, the weekly digest on Monday, and every morning
the buyer's digest of updates due. When Slack is back, the channel's top-level posts arrive
in the order they were decided; the reports a newer one superseded while they waited are
dropped with a log line (and the rows in their thread with them), not posted stale; the
buyer gets one digest, the newest. The clock is the test's; nothing sleeps.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from bot.db.models import OutboxKind, OutboxRow
from bot.jobs import JOBS
from bot.jobs.runner import run_job
from tests.conftest import RunningBot
from tests.helpers.renewal_calendar import add_contract
from tests.jobs.conftest import add_request

BETA = "C0BETA001"
BUYER = "U0BUY0002"
EST = timedelta(hours=5)  # New York is UTC-5 in December
OUTAGE_DAYS = [date(2026, 12, d) for d in (3, 4, 5, 6, 7, 8)]  # Thursday to Tuesday


def ny(day: date, hour: int) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC) + EST


def seed(bot: RunningBot) -> None:
    """A negotiation whose update is overdue (the buyer's daily digest), 120 qualified requests
    (a report in several messages and a CSV) and two 2027Q1 renewals."""
    config = bot.runtime.config
    created = datetime(2026, 11, 23, 15, tzinfo=UTC)
    assigned = created + timedelta(hours=1)
    add_request(bot.db, config, "beta", created, stage="negotiating", buyer=BUYER,
                assigned_at=assigned, customer="Stale", tool="Notion")  # fmt: skip
    for n in range(120):
        add_request(bot.db, config, "beta", created + timedelta(minutes=n), stage="qualified",
                    customer=f"Customer {n:03d}, a rather long company name Inc.",
                    tool=f"Tool with a long product name {n:03d}")  # fmt: skip
    add_contract(bot.db, "beta", "Renew beta", "Figma", "48000", date(2027, 1, 15))
    add_contract(bot.db, "beta", "Renew beta", "Miro", "9000", date(2027, 3, 2))


def six_days_of_jobs(bot: RunningBot) -> list[str]:
    """Each job as the scheduler runs it, at its own time; the outcomes in decision order."""
    pod = bot.runtime.config.pod("beta")
    outcomes = []
    for day in OUTAGE_DAYS:
        at_nine = ny(day, 9)
        plan = [("aging-report", at_nine), ("renewal-calendar", at_nine)]
        if day.weekday() == 0:  # the weekly digest's day
            plan.append(("weekly-digest", at_nine))
        plan.append(("reminders", ny(day, 10)))
        for name, at in plan:
            bot.runtime.clock.set(at)  # type: ignore[attr-defined]
            outcome = run_job(bot.runtime, JOBS[name], pod, now=at)
            if outcome.outcome == "ok":
                outcomes.append(outcome)
    return outcomes


def top_level(bot: RunningBot) -> list[tuple[str, str]]:
    """The channel's top-level posts, top to bottom: (first word, a snapshot's period)."""
    with bot.db.transaction() as session:
        periods = {
            row.id: row.payload.get("period")
            for row in session.scalars(select(OutboxRow).where(OutboxRow.kind == "message"))
        }
    posts = []
    for message in bot.api.messages(BETA):
        if message.thread_ts:
            continue
        delivery = (message.metadata or {}).get("event_payload", {}).get("delivery")
        posts.append((message.text.split()[0], periods.get(delivery)))
    return posts


@pytest.fixture
def recovering_bot(
    start_bot: Callable[..., RunningBot], database_url: str, monkeypatch: pytest.MonkeyPatch
) -> RunningBot:
    """The bot on SQLite, then on PostgreSQL; retries at most 0.2 s apart, so the outage's
    failed attempts cost the test little."""
    monkeypatch.setenv("PODBOT_DELIVERY_MAX_BACKOFF", "0.2")
    return start_bot(database_url)


def test_six_days_of_outage_read_in_decision_order_with_no_stale_report_and_one_digest(
    recovering_bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    bot = recovering_bot
    caplog.set_level(logging.INFO, logger="bot.slack.snapshots")
    seed(bot)
    bot.api.fail("chat.postMessage", status=500, times=None)
    outcomes = six_days_of_jobs(bot)
    decided = [o.split(":")[0] for o in outcomes]
    assert decided == [
        "aging-report beta 2026-12-03", "reminders beta 2026-12-03T10",
        "aging-report beta 2026-12-04", "renewal-calendar beta 2027Q1",
        "reminders beta 2026-12-04T10",
        "aging-report beta 2026-12-07", "weekly-digest beta 2026-W50",
        "reminders beta 2026-12-07T10",
        "aging-report beta 2026-12-08", "reminders beta 2026-12-08T10",
    ]  # fmt: skip
    assert not bot.api.messages(BETA)

    # Slack comes back once no attempt is under way (the worker takes nothing meanwhile).
    worker = bot.runtime.outbox_worker
    worker.hold(*OutboxKind)
    worker.wait_idle()
    bot.api.heal()
    worker.release()
    worker.wait_delivered(timeout=60)

    # Top to bottom, in the order decided; of the aging reports only the newest.
    assert top_level(bot) == [
        ("Renewals", None),
        ("Weekly", "2026-W50"),
        ("Aging", "2026-12-08"),
    ]
    # Its continuations and its CSV are in its thread; the dropped reports' never were.
    report = next(m for m in bot.api.messages(BETA) if m.text.startswith("Aging report"))
    thread = [m for m in bot.api.messages(BETA) if m.thread_ts == report.ts]
    assert thread, "the newest report keeps its continuations"
    aging_files = sorted(
        f.filename for f in bot.api.files.values() if f.filename.startswith("aging-")
    )
    assert aging_files == ["aging-beta-2026-12-08.csv"]
    # One line per dropped report, naming the one that superseded it.
    dropped = [r.getMessage() for r in caplog.records if "superseded by" in r.getMessage()]
    assert sorted(line.split(" (")[0] for line in dropped if "aging-report" in line) == [
        f"not sending aging-report:beta for 2026-12-0{d}" for d in (3, 4, 7)
    ]
    for line in dropped:  # each names a newer one (the newest queued when it was its turn)
        period, newer = re.findall(r" for (\S+) \(delivery", line)
        assert newer > period, line

    # One digest per kind for the buyer (updates due: the newest, not four), each once.
    kinds = Counter(m.text.split(" — ")[0] for m in bot.api.messages(f"D{BUYER[1:]}"))
    assert kinds and set(kinds.values()) == {1}, kinds
    assert any("Update" in kind for kind in kinds), kinds
    # Everyone's digests: of each person's kind, only the newest queued was sent.
    with bot.db.transaction() as session:
        rows = session.scalars(select(OutboxRow).order_by(OutboxRow.id)).all()
        assert {r.status for r in rows} == {"delivered"}
        kinds: dict[tuple[str, str], list[OutboxRow]] = {}
        for row in rows:
            if row.kind == "dm" and row.payload.get("snapshot"):
                kinds.setdefault((row.lane, row.payload["snapshot"]), []).append(row)
        assert (f"dm:{BUYER}", "digest:2:update") in kinds
        for queued in kinds.values():
            *older, newest = queued
            assert "ts" in newest.result
            ids = {r.id for r in queued}
            assert all(r.result["superseded_by"] in ids - {r.id} for r in older)
            assert all(r.result["superseded_by"] > r.id for r in older)
        periods = [r.payload["period"] for r in kinds[(f"dm:{BUYER}", "digest:2:update")]]
        assert periods == [f"2026-12-0{d}T10" for d in (3, 4, 7, 8)]
