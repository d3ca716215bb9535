"""Issue 36: `podbot doctor` in OAuth mode checks each installation instead of a static token:
its bot token against `auth.test` (with that token), its scopes against the manifest's, each
POD's workspace installed and its channel seen with that workspace's token; one line per
problem."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from bot import doctor
from bot.config import Config, Settings, load_config
from bot.manifest import BOT_SCOPES
from tests.conftest import TEST_CONFIG, RunningBot
from tests.helpers.installs import CLIENT_ID, CLIENT_SECRET, OAUTH, install, register_app
from tests.slack.test_many_workspaces import TEAM_A, TEAM_B

TEAM_C = "T0TEAMCCC"


@pytest.fixture
def test_config() -> Config:
    """POD Alpha in workspace A, POD Beta in workspace B, a third POD in C (not installed)."""
    config = load_config(TEST_CONFIG)
    alpha, beta = config.pods
    gamma = replace(beta, key="gamma", name="POD Gamma", channel="C0GAMMA01", team_id=TEAM_C)
    return replace(
        config, pods=(replace(alpha, team_id=TEAM_A), replace(beta, team_id=TEAM_B), gamma)
    )


def settings_of(bot: RunningBot) -> Settings:
    return Settings(
        database_url=bot.db.engine.url.render_as_string(hide_password=False),
        api_url=bot.api.url, signing_secret="s", oauth=True, client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )  # fmt: skip


def report(bot: RunningBot, config: Config) -> list[str]:
    """The OAuth checks' lines (the test config's ids are the example's: those lines apart)."""
    found = doctor.oauth_checks(config, settings_of(bot))
    return [f"{'ok' if item.ok else 'FIX'} {item.text}" for item in found]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_doctor_checks_each_installation_and_says_one_line_per_problem(
    start_bot: Callable[..., RunningBot], database_url: str, test_config: Config
) -> None:
    bot = start_bot(database_url, **OAUTH)
    # The whole report asks for no SLACK_BOT_TOKEN in OAuth mode, and names what is missing.
    whole = doctor.run(test_config, settings_of(bot), None, bot.runtime.clock.now())
    said = [item.text for item in whole if not item.ok]
    assert not any("SLACK_BOT_TOKEN" in line for line in said)
    assert any(line.startswith("no workspace has installed podbot yet") for line in said)
    register_app(bot.api, bot.url)
    for team in (TEAM_A, TEAM_B):
        bot.api.oauth.add_workspace(team, f"Workspace {team[-3:]}")
        assert install(bot.url, bot.api, team=team).status_code == 200

    lines = report(bot, test_config)
    assert f"ok Workspace AAA ({TEAM_A}): token works (@podbot), all {len(BOT_SCOPES)} scopes" in (
        lines
    )
    assert [line for line in lines if line.startswith("FIX")] == [
        f"FIX pods[2].team_id: POD Gamma's workspace {TEAM_C} has not installed podbot: "
        "install it there from <your URL>/slack/install"
    ]

    # Workspace B removes the app at Slack (podbot has not heard yet); a scope goes missing.
    bot.api.oauth.uninstall(TEAM_B)
    bot.api.set_scopes(scope for scope in BOT_SCOPES if scope != "files:write")
    problems = [line for line in report(bot, test_config) if line.startswith("FIX")]
    assert problems == [
        # the installations newest first
        f"FIX Workspace BBB ({TEAM_B}): Slack refuses its bot token (token_revoked): install "
        "podbot there again (<your URL>/slack/install)",
        f"FIX Workspace AAA ({TEAM_A}): its token lacks the files:write scope, for "
        f"{BOT_SCOPES['files:write']}: update the app from `podbot manifest --oauth`, then "
        "install podbot there again",
        f"FIX pods[2].team_id: POD Gamma's workspace {TEAM_C} has not installed podbot: "
        "install it there from <your URL>/slack/install",
    ]
