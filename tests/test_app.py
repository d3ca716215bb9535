"""The Bolt App (bot/app.py): in OAuth mode with many workspaces, a listener acts for its
request's workspace, and the thread that ran it keeps no workspace's token afterwards."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urlencode

import pytest
from slack_bolt import BoltRequest
from sqlalchemy import text

from bot.app import build_app
from bot.config import Config, load_config
from slackfake.signing import SlackClient, slack_signature
from tests.commands.conftest import ANALYST
from tests.conftest import SIGNING_SECRET, TEST_CONFIG, RunningBot
from tests.helpers.installs import OAUTH, install, register_app

TEAM_A, TEAM_B = "T0TEAMAAA", "T0TEAMBBB"


@pytest.fixture
def test_config() -> Config:
    """POD Alpha in workspace A, POD Beta in workspace B."""
    config = load_config(TEST_CONFIG)
    alpha, beta = config.pods
    return replace(config, pods=(replace(alpha, team_id=TEAM_A), replace(beta, team_id=TEAM_B)))


def test_a_thread_keeps_no_token_of_the_workspace_whose_listener_it_ran(
    start_bot: Callable[..., RunningBot], sqlite_url: str
) -> None:
    bot = start_bot(sqlite_url, **OAUTH)
    register_app(bot.api, bot.url)
    for team in (TEAM_A, TEAM_B):  # B installed last: the token of no workspace in particular
        bot.api.oauth.add_workspace(team, f"Workspace {team[-3:]}")
        assert install(bot.url, bot.api, team=team).status_code == 200
    with bot.db.engine.connect() as connection:
        rows = connection.execute(text("select team_id, bot_token from slack_bots"))
        tokens = {team: token for team, token in rows}
    app = build_app(bot.runtime)
    client = bot.runtime.slack.client

    # A command from workspace A, its listener run on this very thread.
    form = SlackClient(bot.url, SIGNING_SECRET, team_id=TEAM_A).slash_command_form("help", ANALYST)
    body = urlencode(form)
    stamp = str(int(time.time()))
    headers = {
        "content-type": ["application/x-www-form-urlencoded"],
        "x-slack-request-timestamp": [stamp],
        "x-slack-signature": [slack_signature(SIGNING_SECRET, stamp, body)],
    }
    assert app.dispatch(BoltRequest(body=body, headers=headers)).status == 200

    # Afterwards the thread's calls go with no workspace's token in particular (the latest
    # installation's), not with workspace A's.
    client.api_call("auth.test")
    assert bot.api.calls_to("auth.test")[-1].token == tokens[TEAM_B]
