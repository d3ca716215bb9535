"""Issue 36: the `token-refresh` job across workspaces. Each installation's token is renewed
on its own; one Slack refuses to renew parks that workspace's rows only, and the other
workspace's rows go with its renewed token."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import text

from bot.db.models import OutboxKind
from tests.commands.conftest import ALPHA, ANALYST, BETA, BETA_ANALYST
from tests.conftest import RunningBot
from tests.helpers.installs import OAUTH, install, register_app
from tests.slack.test_many_workspaces import TEAM_A, TEAM_B, bot_tokens, test_config, workspace
from tests.slack.test_token_rotation import refreshes

__all__ = ["test_config"]  # the fixture: POD Alpha in workspace A, POD Beta in workspace B


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_one_workspaces_refused_renewal_parks_only_its_rows(
    start_bot: Callable[..., RunningBot], database_url: str
) -> None:
    bot = start_bot(database_url, **OAUTH)
    register_app(bot.api, bot.url)
    for team in (TEAM_A, TEAM_B):
        bot.api.oauth.add_workspace(team, f"Workspace {team[-3:]}")
        assert install(bot.url, bot.api, team=team).status_code == 200
    installations = bot.runtime.installations
    assert installations is not None
    worker = bot.runtime.outbox_worker
    worker.hold(*OutboxKind)
    workspace(bot, TEAM_A).slash_command("new Acme Corp | Figma | new | $48,000", ANALYST, ALPHA)
    workspace(bot, TEAM_B).slash_command("new Globex | Zoom | new | $9,000", BETA_ANALYST, BETA)
    bot.wait_idle()
    before = bot_tokens(bot)
    # Both tokens have half an hour left (on the job's clock: twelve hours on); B's refresh
    # token is one Slack no longer knows.
    with bot.db.engine.begin() as connection:
        connection.execute(
            text("update slack_bots set bot_refresh_token = 'xoxe-1-forgotten' where team_id = :b"),
            {"b": TEAM_B},
        )
    later = datetime.now(UTC) + timedelta(hours=11, minutes=30)

    assert installations.refresh_expiring(later) == (1, 1)
    after = bot_tokens(bot)
    assert after[TEAM_A] != before[TEAM_A] and after[TEAM_B] == before[TEAM_B]
    assert refreshes(bot) == 2  # one each; B's refused
    assert installations.refresh_failures() == [TEAM_B]
    worker.release()
    worker.wait_idle()
    posted = {(p.params["channel"], p.token) for p in bot.api.calls_to("chat.postMessage")}
    assert posted == {(ALPHA, after[TEAM_A])}
    with bot.db.engine.connect() as connection:
        waiting = connection.execute(
            text("select team_id, status, last_error from deliveries where status <> 'delivered'")
        ).all()
    assert {tuple(row) for row in waiting} == {(TEAM_B, "parked", "token_refresh_failed")}
