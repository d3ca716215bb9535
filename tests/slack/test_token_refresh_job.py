"""Issue 36, item 3's job: `token-refresh` renews every installation whose bot token expires
within the hour (on the clock it is given), through the same row lock as the renewal at use,
so processes racing renew once; a refused renewal parks that workspace's rows, says so in one
line and shows on /readyz. Scheduled only in OAuth mode."""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.db.models import OutboxKind
from bot.jobs.scheduler import TOKEN_REFRESH, build_scheduler
from tests.commands.conftest import ALPHA, ANALYST
from tests.conftest import RunningBot
from tests.helpers.installs import refresh_job_in_a_process, renew_in_a_process
from tests.slack.test_token_rotation import expiring_in, installed, refreshes


def stored_token(bot: RunningBot) -> str:
    with bot.db.engine.connect() as connection:
        return str(connection.execute(text("select bot_token from slack_bots")).scalar_one())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_job_renews_what_expires_within_the_hour_on_its_clock(
    start_bot: Callable[..., RunningBot], database_url: str
) -> None:
    bot = installed(start_bot, database_url)
    installations = bot.runtime.installations
    assert installations is not None
    first = expiring_in(bot, 180)  # three hours left
    now = datetime.now(UTC)

    assert installations.refresh_expiring(now) == (0, 0)  # 3 h left: not yet
    assert installations.refresh_expiring(now + timedelta(minutes=119)) == (0, 0)  # 61 min
    assert refreshes(bot) == 0 and stored_token(bot) == first
    # Two and a half hours on (the job's clock), half an hour is left: renewed, once.
    assert installations.refresh_expiring(now + timedelta(minutes=150)) == (1, 0)
    renewed = stored_token(bot)
    assert renewed != first and refreshes(bot) == 1
    # The new token lasts Slack's twelve hours: the next runs leave it alone.
    assert installations.refresh_expiring(now + timedelta(minutes=160)) == (0, 0)
    assert refreshes(bot) == 1
    # And the worker posts with it, renewing nothing at use.
    bot.slack.slash_command("new Acme Corp | Figma | new | $48,000", ANALYST, ALPHA)
    bot.wait_idle()
    assert {p.token for p in bot.api.calls_to("chat.postMessage")} == {renewed}
    assert refreshes(bot) == 1


def test_two_jobs_and_a_send_racing_renew_once(
    start_bot: Callable[..., RunningBot], database_url: str
) -> None:
    bot = installed(start_bot, database_url)
    old = expiring_in(bot, 20)
    spawn = multiprocessing.get_context("spawn")
    start, answers = spawn.Barrier(3), spawn.Queue()
    targets = (refresh_job_in_a_process, refresh_job_in_a_process, renew_in_a_process)
    processes = [
        spawn.Process(target=target, args=(database_url, bot.api.url, start, answers))
        for target in targets
    ]
    for process in processes:
        process.start()
    tokens = [answers.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0

    assert refreshes(bot) == 1
    (new,) = set(tokens)
    assert new and new != old and stored_token(bot) == new


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_refused_renewal_by_the_job_parks_says_so_once_and_shows_on_readyz(
    start_bot: Callable[..., RunningBot], database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot = installed(start_bot, database_url)
    installations = bot.runtime.installations
    assert installations is not None and bot.api.oauth.app is not None
    worker = bot.runtime.outbox_worker
    worker.hold(*OutboxKind)
    bot.slack.slash_command("new Acme Corp | Figma | new | $48,000", ANALYST, ALPHA)
    bot.wait_idle()
    expiring_in(bot, 45)
    bot.api.oauth.app.client_secret = "regenerated-at-api.slack.com"  # ours is now wrong

    with caplog.at_level(logging.INFO, logger="bot.slack.installs"):
        assert installations.refresh_expiring() == (0, 1)
        assert installations.refresh_expiring() == (0, 1)  # the next run: no second line
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.slack.installs"]
    assert len(lines) == 1 and "could not be renewed (bad_client_secret)" in lines[0]
    with bot.db.engine.connect() as connection:
        left = connection.execute(text("select distinct status, last_error from deliveries")).all()
    assert [tuple(row) for row in left] == [("parked", "token_refresh_failed")]
    assert bot.ops.get("/readyz").json()["token_refresh_failed"] == ["the workspace"]
    worker.release()
    worker.wait_idle()
    assert bot.api.calls_to("chat.postMessage") == []


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_token_refresh_is_scheduled_in_oauth_mode_only(
    start_bot: Callable[..., RunningBot], database_url: str
) -> None:
    static = start_bot(database_url)
    oauth = installed(start_bot, database_url)
    static_ids = {job.id for job in build_scheduler(static.runtime).get_jobs()}
    oauth_ids = {job.id for job in build_scheduler(oauth.runtime).get_jobs()}
    assert TOKEN_REFRESH not in static_ids
    assert oauth_ids == static_ids | {TOKEN_REFRESH}
