"""A job's post or file killed in flight is delivered exactly once after a restart.

`podbot jobs run` records the run and queues its rows in one transaction, then its worker
sends them. SIGKILLed while Slack handles a post (or the CSV's upload), the run is recorded and
its row is left `in_flight`; the next `jobs run` refuses to run the job again and delivers what
is queued: once the dead process's lease is over it looks for the message in Slack (by the
metadata every post carries; a file by its name in the thread) before sending it again.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import JobRun, OutboxRow
from tests.conftest import RunningBot
from tests.jobs.conftest import add_request, podbot_env

ALPHA = "C0ALPHA01"
NINE = datetime(2026, 11, 23, 3, 30, tzinfo=UTC)  # Monday 09:00 in Kolkata


def podbot_jobs_run(bot: RunningBot, at: datetime, *extra: str) -> subprocess.Popen[str]:
    # A dead process's rows are taken over after 2 s instead of the default minute.
    env = podbot_env(bot, PODBOT_DELIVERY_LEASE_SECONDS="2")
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "podbot"), "jobs", "run", "aging-report",
         "--pod", "alpha", "--at", at.isoformat(), *extra],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def reports(bot: RunningBot) -> list:
    return [
        m for m in bot.api.messages(ALPHA) if not m.thread_ts and m.text.startswith("Aging report")
    ]


def statuses(bot: RunningBot) -> dict[str, str]:
    with bot.db.transaction() as session:
        return {row.kind: row.status for row in session.scalars(select(OutboxRow))}


def stop_the_bots_worker(bot: RunningBot) -> None:
    # Only the one-shot processes deliver here: the test's own podbot keeps out of it.
    bot.runtime.outbox_worker.stop()


@pytest.mark.parametrize("slack_kept_the_post", [True, False])
def test_killed_between_slack_taking_the_post_and_marking_it_done_posts_once(
    bot: RunningBot, slack_kept_the_post: bool
) -> None:
    stop_the_bots_worker(bot)
    add_request(bot.db, bot.runtime.config, "alpha", NINE - timedelta(days=1))
    # Hold the post in flight; Slack then keeps it (a late success) or drops it (a 500).
    if slack_kept_the_post:
        bot.api.fail("chat.postMessage", delay=1.0)
    else:
        bot.api.fail("chat.postMessage", status=500, delay=1.0)
    first = podbot_jobs_run(bot, NINE)
    bot.api.wait_for_arrival("chat.postMessage", timeout=60)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    bot.api.wait_for("chat.postMessage")  # Slack finishes handling what it received
    assert len(reports(bot)) == (1 if slack_kept_the_post else 0)
    # The run is recorded and fully queued; its one post is in flight in a dead process.
    with bot.db.transaction() as session:
        assert session.scalars(select(JobRun.status)).one() == "done"
    assert statuses(bot) == {"message": "in_flight"}

    # The restart does not run the job again, and delivers the queued post exactly once.
    later = podbot_jobs_run(bot, NINE + timedelta(minutes=5))
    out, err = later.communicate(timeout=60)
    assert later.returncode == 0, err
    assert "aging-report alpha 2026-11-23: already done" in out
    assert "jobs run: 1 message delivered, 0 still queued (of them 1 queued before" in out
    assert len(reports(bot)) == 1
    assert statuses(bot) == {"message": "delivered"}
    with bot.db.transaction() as session:
        (row,) = session.scalars(select(OutboxRow)).all()
        assert row.result == {"channel": ALPHA, "ts": reports(bot)[0].ts}


@pytest.mark.parametrize("slack_kept_the_file", [True, False])
def test_killed_while_sharing_the_csv_attaches_it_once(
    bot: RunningBot, slack_kept_the_file: bool
) -> None:
    stop_the_bots_worker(bot)
    # Enough requests for a report in several messages, which attaches its CSV in the thread.
    for n in range(120):
        add_request(
            bot.db,
            bot.runtime.config,
            "alpha",
            NINE - timedelta(days=3, minutes=n),
            customer=f"Customer {n:03d}, a rather long company name Inc.",
            tool=f"Tool with a long product name {n:03d}",
        )
    # Files carry no metadata: the process is killed while Slack completes the upload, which
    # Slack then finishes (a late success) or drops (a 500).
    if slack_kept_the_file:
        bot.api.fail("files.completeUploadExternal", delay=1.0)
    else:
        bot.api.fail("files.completeUploadExternal", status=500, delay=1.0)
    first = podbot_jobs_run(bot, NINE)
    bot.api.wait_for_arrival("files.completeUploadExternal", timeout=60)
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    bot.api.wait_for("files.completeUploadExternal")
    assert len(bot.api.files) == (1 if slack_kept_the_file else 0)
    posts = len(bot.api.messages(ALPHA))
    assert statuses(bot) == {"message": "delivered", "upload": "in_flight"}

    later = podbot_jobs_run(bot, NINE + timedelta(minutes=5))
    out, err = later.communicate(timeout=60)
    assert later.returncode == 0, err
    assert "jobs run: 1 message delivered, 0 still queued" in out
    (upload,) = bot.api.files.values()
    assert upload.filename == "aging-alpha-2026-11-23.csv"
    (parent,) = reports(bot)
    assert upload.thread_ts == parent.ts
    # Nothing else was posted again: only the file's share, if Slack had not kept it.
    shares = 0 if slack_kept_the_file else 1
    assert len(bot.api.messages(ALPHA)) == posts + shares
    assert statuses(bot) == {"message": "delivered", "upload": "delivered"}
