"""Issue 36: many workspaces on one database, each installed through the OAuth flow against
the Slack stand-in: each POD's posts go with its own workspace's token, a command in one
workspace never reads another's data, and an org-wide install serves two workspaces."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy import text

from bot.app import NO_POD_HERE
from bot.config import Config, load_config
from bot.db.models import OutboxKind
from slackfake.signing import SlackClient
from tests.commands.conftest import ALPHA, ANALYST, BETA, BETA_ANALYST, BETA_EM, EM
from tests.conftest import SIGNING_SECRET, TEST_CONFIG, RunningBot
from tests.helpers.installs import OAUTH, install, register_app

TEAM_A, TEAM_B, TEAM_C = "T0TEAMAAA", "T0TEAMBBB", "T0TEAMCCC"


@pytest.fixture
def test_config() -> Config:
    """POD Alpha in workspace A, POD Beta in workspace B."""
    config = load_config(TEST_CONFIG)
    alpha, beta = config.pods
    return replace(config, pods=(replace(alpha, team_id=TEAM_A), replace(beta, team_id=TEAM_B)))


def workspace(bot: RunningBot, team_id: str) -> SlackClient:
    """Slack as it sends requests from one workspace."""
    return SlackClient(
        bot.url, SIGNING_SECRET, team_id=team_id, response_url_base=bot.api.response_url_base
    )


def answer(bot: RunningBot, response: object, before: int) -> str:
    """The ack's text and what came by response_url after it."""
    bot.wait_idle()
    later = [c.params.get("text", "") for c in bot.api.calls_to("response_url")[before:]]
    return " ".join([response.text, *later])  # type: ignore[attr-defined]


def bot_tokens(bot: RunningBot) -> dict[str, str]:
    with bot.db.engine.connect() as connection:
        rows = connection.execute(text("select team_id, enterprise_id, bot_token from slack_bots"))
        return {team or org: token for team, org, token in rows}


def test_two_workspaces_post_with_their_own_tokens_and_never_see_each_other(
    start_bot: Callable[..., RunningBot], database_url: str
) -> None:
    bot = start_bot(database_url, **OAUTH)
    register_app(bot.api, bot.url)
    for team in (TEAM_A, TEAM_B, TEAM_C):
        bot.api.oauth.add_workspace(team, f"Workspace {team[-3:]}")
        assert install(bot.url, bot.api, team=team).status_code == 200
    tokens = bot_tokens(bot)
    assert len(set(tokens.values())) == 3
    a, b, c = (workspace(bot, team) for team in (TEAM_A, TEAM_B, TEAM_C))

    assert "REQ-1" in a.slash_command("new Acme Corp | Figma | new | $48,000", ANALYST, ALPHA).text
    assert "REQ-2" in b.slash_command("new Globex | Zoom | new | $9,000", BETA_ANALYST, BETA).text
    bot.wait_idle()
    posted = {(p.params["channel"], p.token) for p in bot.api.calls_to("chat.postMessage")}
    assert posted == {(ALPHA, tokens[TEAM_A]), (BETA, tokens[TEAM_B])}
    # Nothing was sent for the workspace with no POD (Bolt checked its token once, installing).
    used = {call.token for call in bot.api.calls if call.token and call.method != "auth.test"}
    assert tokens[TEAM_C] not in used

    # Workspace B's EM asks for workspace A's request: refused, nothing of it shown.
    before = len(bot.api.calls_to("response_url"))
    seen = answer(bot, b.slash_command("status REQ-1", BETA_EM, BETA), before)
    assert "Acme" not in seen and "Figma" not in seen
    # What follows an ack goes with the token of the workspace asking (C was installed last).
    b.slash_command("new", BETA_ANALYST, BETA)
    bot.wait_idle()
    (opened,) = bot.api.calls_to("views.open")
    assert opened.token == tokens[TEAM_B]
    # Workspace C has no POD: one sentence, whoever asks, whatever they ask.
    before = len(bot.api.calls_to("response_url"))
    assert answer(bot, c.slash_command("status REQ-1", EM, ALPHA), before) == NO_POD_HERE


def test_uninstalling_one_workspace_parks_only_its_rows_and_reinstalling_resumes_them_once(
    start_bot: Callable[..., RunningBot], database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    bot = start_bot(database_url, **OAUTH)
    register_app(bot.api, bot.url)
    for team in (TEAM_A, TEAM_B):
        bot.api.oauth.add_workspace(team, f"Workspace {team[-3:]}")
        assert install(bot.url, bot.api, team=team).status_code == 200
    a, b = workspace(bot, TEAM_A), workspace(bot, TEAM_B)
    worker = bot.runtime.outbox_worker
    worker.hold(*OutboxKind)  # both requests' rows wait, pending, while B uninstalls
    a.slash_command("new Acme Corp | Figma | new | $48,000", ANALYST, ALPHA)
    b.slash_command("new Globex | Zoom | new | $9,000", BETA_ANALYST, BETA)
    bot.wait_idle()

    bot.api.oauth.uninstall(TEAM_B)
    with caplog.at_level(logging.WARNING, logger="bot.events.installs"):
        assert b.event({"type": "app_uninstalled"}).status == 200
        bot.wait_idle()
    (line,) = [r.getMessage() for r in caplog.records if r.name == "bot.events.installs"]
    assert "app_uninstalled in workspace T0TEAMBBB" in line
    assert TEAM_B not in bot_tokens(bot)
    worker.release()
    worker.wait_idle()
    bot.wait_idle()
    posted = {p.params["channel"] for p in bot.api.calls_to("chat.postMessage")}
    assert posted == {ALPHA}  # A goes on; B's card waits
    with bot.db.engine.connect() as connection:
        waiting = connection.execute(
            text("select team_id, status, last_error from deliveries where status <> 'delivered'")
        ).all()
    assert waiting and {tuple(row) for row in waiting} == {(TEAM_B, "parked", "app_uninstalled")}

    assert install(bot.url, bot.api, team=TEAM_B).status_code == 200
    bot.wait_idle()
    worker.wait_idle()
    token_b = bot_tokens(bot)[TEAM_B]
    beta_posts = [p for p in bot.api.calls_to("chat.postMessage") if p.params["channel"] == BETA]
    assert [p.token for p in beta_posts] == [token_b]  # B's card, once, with its new token
    with bot.db.engine.connect() as connection:
        assert (
            connection.execute(
                text("select count(*) from deliveries where status <> 'delivered'")
            ).scalar()
            == 0
        )
