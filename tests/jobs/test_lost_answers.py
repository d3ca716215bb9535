"""Issue 14: Slack stores a job's post, DM or file but its answer is lost — exactly one of each.

The Web API fake answers after podbot's Slack timeout, having stored the message or completed
the upload. The delivery worker retries the row after a wait, and first looks in the channel,
thread or DM (a post by the metadata naming its outbox row, a file by its name) instead of
sending it again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.db.models import OutboxRow
from bot.jobs import JOBS
from tests.commands.conftest import ALPHA, ANALYST, Proc
from tests.conftest import RunningBot
from tests.jobs.conftest import add_request, run_job

NINE = datetime(2026, 11, 23, 3, 30, tzinfo=UTC)  # Monday 09:00 in Kolkata
TIMEOUT = 1.0


def test_a_report_post_and_its_csv_whose_answers_are_lost_arrive_once(
    start_bot: Callable[..., RunningBot], sqlite_url: str
) -> None:
    bot = start_bot(sqlite_url, slack_timeout=TIMEOUT)
    for n in range(120):
        add_request(bot.db, bot.runtime.config, "alpha", NINE - timedelta(days=3, minutes=n),
                    customer=f"Customer {n:03d}, a rather long company name Inc.",
                    tool=f"Tool with a long product name {n:03d}")  # fmt: skip
    # The parent post and the CSV's completion both answer too late; Slack keeps both.
    bot.api.fail("chat.postMessage", delay=TIMEOUT + 0.5)
    bot.api.fail("files.completeUploadExternal", delay=TIMEOUT + 0.5)
    run_job(bot.runtime, JOBS["aging-report"], bot.runtime.config.pod("alpha"), now=NINE)
    bot.runtime.outbox_worker.wait_delivered(timeout=30)

    top = [m for m in bot.api.messages(ALPHA) if not m.thread_ts]
    (report,) = [m for m in top if m.text.startswith("Aging report")]
    thread = bot.api.thread(ALPHA, report.ts)
    parts = [m for m in thread if not m.files]
    assert len(parts) >= 1 and len({m.text for m in parts}) == len(parts)
    (upload,) = bot.api.files.values()
    assert upload.filename == "aging-alpha-2026-11-23.csv" and upload.thread_ts == report.ts
    assert len([m for m in thread if m.files]) == 1
    # The upload was not made again: the retry looked in the thread and found it.
    assert len(bot.api.calls_to("files.completeUploadExternal")) == 1
    assert bot.api.calls_to("conversations.replies"), "the retry looked in the thread"
    with bot.db.transaction() as session:
        rows = session.scalars(select(OutboxRow).order_by(OutboxRow.id)).all()
    assert {r.status for r in rows} == {"delivered"}
    assert rows[0].attempts == 2 and rows[0].result["ts"] == report.ts


def test_a_breach_dm_whose_answer_is_lost_arrives_once(
    start_bot: Callable[..., RunningBot], sqlite_url: str, clock
) -> None:
    bot = start_bot(sqlite_url, slack_timeout=TIMEOUT)
    proc = Proc(bot)
    clock.set(NINE)
    proc(ANALYST, "new Acme | Figma | new")
    card = proc.card(1)
    # The thread alert, then the analyst's breach digest (the reminders job, in office hours):
    # the answer to each is lost, and each arrives once.
    breached = NINE + timedelta(days=3)  # Thursday 09:00 in Kolkata
    alpha = bot.runtime.config.pod("alpha")
    bot.api.fail("chat.postMessage", delay=TIMEOUT + 0.5, times=1)
    run_job(bot.runtime, JOBS["tat-alerts"], alpha, now=breached)
    bot.runtime.outbox_worker.wait_delivered(timeout=30)
    bot.api.fail("chat.postMessage", delay=TIMEOUT + 0.5, times=1)
    run_job(bot.runtime, JOBS["reminders"], alpha, now=breached + timedelta(hours=1))
    bot.runtime.outbox_worker.wait_delivered(timeout=30)

    alerts = [m for m in bot.api.thread(ALPHA, card.ts) if "TAT breached" in m.text]
    dms = [m for m in bot.api.messages(f"D{ANALYST[1:]}") if "breached" in m.text]
    assert len(alerts) == 1 and len(dms) == 1
    assert len(bot.api.calls_to("conversations.open")) >= 2  # opened again for the retry
