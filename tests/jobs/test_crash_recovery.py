"""A run killed between claiming and posting still delivers its post exactly once.

The ledger row stays `claimed`; within its lease nobody else runs it; once the lease expires a
new run takes it over and first looks for the post in Slack (by the metadata every job post
carries) before sending it again.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import JobRun
from tests.conftest import BOT_TOKEN, TEST_CONFIG, RunningBot
from tests.jobs.conftest import add_request

ALPHA = "C0ALPHA01"
NINE = datetime(2026, 11, 23, 3, 30, tzinfo=UTC)  # Monday 09:00 in Kolkata


def podbot_jobs_run(bot: RunningBot, at: datetime) -> subprocess.Popen[str]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PODBOT_"))},
        "PODBOT_CONFIG": str(TEST_CONFIG),
        "DATABASE_URL": bot.db.url,
        "SLACK_API_URL": bot.api.url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
    }
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "podbot"), "jobs", "run", "aging-report",
         "--pod", "alpha", "--at", at.isoformat()],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def reports(bot: RunningBot) -> list:
    return [m for m in bot.api.messages(ALPHA) if m.text.startswith("Aging report")]


@pytest.mark.parametrize("slack_kept_the_post", [True, False])
def test_killed_between_claim_and_post_delivers_once(
    bot: RunningBot, slack_kept_the_post: bool
) -> None:
    add_request(bot.db, bot.runtime.config, "alpha", NINE - timedelta(days=1))
    # Hold the post in flight; Slack then keeps it (a late success) or drops it (a 500).
    if slack_kept_the_post:
        bot.api.fail("chat.postMessage", delay=1.0)
    else:
        bot.api.fail("chat.postMessage", status=500, delay=1.0)
    first = podbot_jobs_run(bot, NINE)
    bot.api.wait_for_arrival("chat.postMessage")
    first.send_signal(signal.SIGKILL)
    first.wait(timeout=10)
    bot.api.wait_for("chat.postMessage")  # Slack finishes handling what it received
    assert len(reports(bot)) == (1 if slack_kept_the_post else 0)
    with bot.db.transaction() as session:
        run = session.scalars(select(JobRun)).one()
        assert run.status == "claimed" and "report" not in (run.detail or {})

    # Within the lease, another run leaves it alone.
    early = podbot_jobs_run(bot, NINE + timedelta(minutes=5))
    out, err = early.communicate(timeout=60)
    assert "already done (or running elsewhere)" in out, err
    # After the lease, the run is taken over and finishes without a second post.
    later = podbot_jobs_run(bot, NINE + timedelta(minutes=11))
    out, err = later.communicate(timeout=60)
    assert later.returncode == 0, err
    assert "(recovered an interrupted run)" in out
    assert len(reports(bot)) == 1
    with bot.db.transaction() as session:
        run = session.scalars(select(JobRun)).one()
        assert run.status == "done" and run.detail["report"]["ts"] == reports(bot)[0].ts


@pytest.mark.parametrize("slack_kept_the_file", [True, False])
def test_killed_while_sharing_the_csv_attaches_it_once(
    bot: RunningBot, slack_kept_the_file: bool
) -> None:
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
    # Files carry no metadata: the run is killed while Slack completes the upload, which Slack
    # then finishes (a late success) or drops (a 500). Either way the step was not recorded.
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
    with bot.db.transaction() as session:
        run = session.scalars(select(JobRun)).one()
        assert run.status == "claimed" and "csv" not in (run.detail or {})

    later = podbot_jobs_run(bot, NINE + timedelta(minutes=11))
    out, err = later.communicate(timeout=60)
    assert later.returncode == 0, err
    assert "(recovered an interrupted run)" in out
    (upload,) = bot.api.files.values()
    assert upload.filename == "aging-alpha-2026-11-23.csv"
    # Nothing else was posted again either: the report and its parts were found by metadata.
    shares = 0 if slack_kept_the_file else 1
    assert len(bot.api.messages(ALPHA)) == posts + shares
    with bot.db.transaction() as session:
        run = session.scalars(select(JobRun)).one()
        assert run.status == "done" and run.detail["csv"] == {"file": upload.file_id}
