"""Issue 36: one org-wide install (Enterprise Grid) serving two workspaces of the org."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import pytest

from bot.config import Config, load_config
from tests.commands.conftest import ALPHA, ANALYST, BETA, BETA_ANALYST
from tests.conftest import TEST_CONFIG, RunningBot
from tests.helpers.installs import OAUTH, install, register_app
from tests.slack.test_many_workspaces import TEAM_A, TEAM_B, bot_tokens, workspace

ORG = "E0ORG0001"


@pytest.fixture
def test_config() -> Config:
    """Both PODs served by the org's org-wide install, each in its own workspace."""
    config = load_config(TEST_CONFIG)
    return replace(config, pods=tuple(replace(pod, enterprise_id=ORG) for pod in config.pods))


def test_an_org_wide_install_serves_two_workspaces_of_the_org(
    start_bot: Callable[..., RunningBot], sqlite_url: str
) -> None:
    bot = start_bot(sqlite_url, **OAUTH)
    register_app(bot.api, bot.url)
    bot.api.oauth.add_workspace(TEAM_A, "Org East", ORG, "The Org")
    bot.api.oauth.add_workspace(TEAM_B, "Org West", ORG, "The Org")
    assert install(bot.url, bot.api, enterprise=ORG).status_code == 200
    assert list(bot_tokens(bot)) == [ORG]  # one installation, for the org
    token = bot_tokens(bot)[ORG]

    org = {"enterprise_id": ORG, "is_enterprise_install": "true"}
    east, west = workspace(bot, TEAM_A), workspace(bot, TEAM_B)
    created = east.slash_command("new Acme | Figma | new | $48,000", ANALYST, ALPHA, **org)
    assert "REQ-1" in created.text
    created = west.slash_command("new Globex | Zoom | new | $9,000", BETA_ANALYST, BETA, **org)
    assert "REQ-2" in created.text
    bot.wait_idle()
    posted = {(p.params["channel"], p.token) for p in bot.api.calls_to("chat.postMessage")}
    assert posted == {(ALPHA, token), (BETA, token)}
