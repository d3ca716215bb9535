"""Issue 36: rotating tokens. A bot token with under an hour left is renewed before it is
used, once however many processes want it at the same moment; a renewal Slack refuses parks
the workspace's rows, says so in one line and shows on /readyz."""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.db.models import OutboxKind
from slackfake.web_api import TEAM_ID
from tests.commands.conftest import ALPHA, ANALYST
from tests.conftest import RunningBot
from tests.helpers.installs import CLIENT_SECRET, OAUTH, install, register_app, renew_in_a_process

PROCESSES = 3


def installed(start_bot: Callable[..., RunningBot], url: str) -> RunningBot:
    bot = start_bot(url, **OAUTH)
    register_app(bot.api, bot.url)
    bot.api.oauth.add_workspace(TEAM_ID, "Podbot Test")
    assert install(bot.url, bot.api, team=TEAM_ID).status_code == 200
    return bot


def expiring_in(bot: RunningBot, minutes: int) -> str:
    """The stored token now has `minutes` left (as if the hours had passed); returns it."""
    at = datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=minutes)
    with bot.db.engine.begin() as connection:
        connection.execute(text("update slack_bots set bot_token_expires_at = :at"), {"at": at})
        return str(connection.execute(text("select bot_token from slack_bots")).scalar_one())


def refreshes(bot: RunningBot) -> int:
    return sum(
        1
        for c in bot.api.calls_to("oauth.v2.access")
        if c.params.get("grant_type") == "refresh_token"
    )


def test_a_token_near_expiry_is_renewed_once_while_three_processes_send(
    start_bot: Callable[..., RunningBot], database_url: str
) -> None:
    bot = installed(start_bot, database_url)
    old = expiring_in(bot, 30)
    # Three processes, each with its own engine and connections, ask at the same moment.
    spawn = multiprocessing.get_context("spawn")
    start, answers = spawn.Barrier(PROCESSES), spawn.Queue()
    processes = [
        spawn.Process(target=renew_in_a_process, args=(database_url, bot.api.url, start, answers))
        for _ in range(PROCESSES)
    ]
    for process in processes:
        process.start()
    tokens = [answers.get(timeout=120) for _ in processes]
    for process in processes:
        process.join(timeout=60)
        assert process.exitcode == 0

    assert refreshes(bot) == 1
    (new,) = set(tokens)
    assert new and new != old
    with bot.db.engine.connect() as connection:
        assert connection.execute(text("select bot_token from slack_bots")).scalar_one() == new
    # The worker posts with the renewed token, and renews nothing more.
    bot.slack.slash_command("new Acme Corp | Figma | new | $48,000", ANALYST, ALPHA)
    bot.wait_idle()
    assert {p.token for p in bot.api.calls_to("chat.postMessage")} == {new}
    assert refreshes(bot) == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_refused_renewal_parks_the_rows_says_so_once_and_shows_on_readyz(
    start_bot: Callable[..., RunningBot], database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot = installed(start_bot, database_url)
    worker = bot.runtime.outbox_worker
    worker.hold(*OutboxKind)
    bot.slack.slash_command("new Acme Corp | Figma | new | $48,000", ANALYST, ALPHA)
    bot.wait_idle()
    expiring_in(bot, 10)
    assert bot.api.oauth.app is not None
    bot.api.oauth.app.client_secret = "regenerated-at-api.slack.com"  # ours is now wrong

    with caplog.at_level(logging.INFO, logger="bot.slack.installs"):
        worker.release()
        worker.wait_idle()
    lines = [r.getMessage() for r in caplog.records if r.name == "bot.slack.installs"]
    assert len(lines) == 1 and "could not be renewed (bad_client_secret)" in lines[0]
    assert bot.api.calls_to("chat.postMessage") == []
    with bot.db.engine.connect() as connection:
        left = connection.execute(text("select distinct status, last_error from deliveries")).all()
    assert [tuple(row) for row in left] == [("parked", "token_refresh_failed")]
    ready = bot.ops.get("/readyz").json()
    assert ready["token_refresh_failed"] == ["the workspace"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_no_oauth_secret_or_token_reaches_any_log_line(
    start_bot: Callable[..., RunningBot],
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)  # everything, Bolt's and slack_sdk's debug output included
    bot = installed(start_bot, database_url)
    first = expiring_in(bot, 30)
    bot.slack.slash_command("new Acme Corp | Figma | new | $48,000", ANALYST, ALPHA)
    bot.wait_idle()
    with bot.db.engine.connect() as connection:
        token, refresh = connection.execute(
            text("select bot_token, bot_refresh_token from slack_bots")
        ).one()
    assert token != first and refreshes(bot) == 1  # the run installed, renewed and posted
    everything = "\n".join(
        [
            *(
                " ".join([r.getMessage(), r.exc_text or "", repr(r.__dict__)])
                for r in caplog.records
            ),
            *capfd.readouterr(),
        ]
    )
    assert [s for s in (CLIENT_SECRET, first, token, refresh) if s in everything] == []
