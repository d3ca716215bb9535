"""Issue 36: podbot installed by Slack's OAuth flow (`serve --oauth`), its installations in
podbot's own database, each post made with the installed bot's token."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from bot.app import NOT_INSTALLED
from bot.cli import main
from slackfake.web_api import TEAM_ID
from tests.commands.conftest import ALPHA, ANALYST
from tests.conftest import TEST_CONFIG, RunningBot
from tests.helpers.installs import CLIENT_ID, OAUTH, install, register_app


def test_a_workspace_installs_podbot_through_oauth_and_it_posts_with_that_token(
    start_bot: Callable[..., RunningBot], sqlite_url: str
) -> None:
    bot = start_bot(sqlite_url, **OAUTH)
    register_app(bot.api, bot.url)
    bot.api.oauth.add_workspace(TEAM_ID, "Podbot Test")

    before = bot.slack.slash_command("help", user_id=ANALYST, channel_id=ALPHA)
    assert before.status == 200
    (answer,) = bot.api.calls_to("response_url")  # nothing installed there yet: one sentence
    assert answer.params["text"] == NOT_INSTALLED

    done = install(bot.url, bot.api, team=TEAM_ID)
    assert done.status_code == 200, done.text
    with bot.db.engine.connect() as connection:
        rows = connection.execute(
            text("select team_id, bot_token, bot_refresh_token from slack_bots")
        ).all()
    ((team, token, refresh),) = rows
    assert team == TEAM_ID and token.startswith("xoxe.xoxb-") and refresh

    reply = bot.slack.slash_command("new Acme Corp | Figma | new | $48,000", ANALYST, ALPHA)
    assert reply.status == 200 and "REQ-1" in reply.text
    bot.wait_idle()
    (post,) = bot.api.calls_to("chat.postMessage")
    assert post.token == token


def test_a_wrong_code_or_secret_installs_nothing(
    start_bot: Callable[..., RunningBot], sqlite_url: str
) -> None:
    bot = start_bot(sqlite_url, **{**OAUTH, "client_secret": "not-the-secret"})
    register_app(bot.api, bot.url)
    bot.api.oauth.add_workspace(TEAM_ID, "Podbot Test")
    done = install(bot.url, bot.api, team=TEAM_ID)
    assert done.status_code == 401  # Bolt's failure page: invalid_code
    (exchange,) = bot.api.calls_to("oauth.v2.access")
    with bot.db.engine.connect() as connection:
        assert connection.execute(text("select count(*) from slack_bots")).scalar() == 0
    assert exchange.params.get("code")


def test_the_oauth_manifest_asks_for_a_redirect_url_org_installs_and_rotation(
    capsys: object,
) -> None:
    assert main(["manifest", "--url", "https://podbot.example.com", "--oauth"]) == 0
    out = capsys.readouterr().out  # type: ignore[attr-defined]
    assert "https://podbot.example.com/slack/oauth_redirect" in out
    assert "org_deploy_enabled: true" in out and "token_rotation_enabled: true" in out


def test_an_operator_lists_and_removes_installations(
    start_bot: Callable[..., RunningBot],
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bot = start_bot(sqlite_url, **OAUTH)
    register_app(bot.api, bot.url)
    bot.api.oauth.add_workspace(TEAM_ID, "Podbot Test")
    assert install(bot.url, bot.api, team=TEAM_ID).status_code == 200
    for name, value in {
        "DATABASE_URL": sqlite_url, "PODBOT_CONFIG": str(TEST_CONFIG),
        "SLACK_CLIENT_ID": CLIENT_ID,
    }.items():  # fmt: skip
        monkeypatch.setenv(name, value)

    assert main(["installs", "list"]) == 0
    assert "T0TEAM001    workspace Podbot Test" in capsys.readouterr().out
    assert main(["installs", "remove", "T0TEAM999"]) == 2
    assert "no installation for T0TEAM999" in capsys.readouterr().err
    assert main(["installs", "remove", TEAM_ID]) == 0
    assert "removed the installation of T0TEAM001" in capsys.readouterr().out
    assert main(["installs", "list"]) == 0
    assert "no installations yet" in capsys.readouterr().out
