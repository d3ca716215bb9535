"""Issue 36, item 2: per-workspace 429 handling. Slack counts rate limits per app and
workspace: when it answers 429 to workspace A's token, A's rows wait out Retry-After in the
outbox (not in a sending thread), while workspace B's posts go out at once; then A's rows are
sent, each once."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from bot.db.models import OutboxKind
from tests.commands.conftest import ALPHA, ANALYST, BETA, BETA_ANALYST
from tests.conftest import RunningBot
from tests.helpers.installs import OAUTH, install, register_app
from tests.slack.test_many_workspaces import TEAM_A, TEAM_B, test_config, workspace

__all__ = ["test_config"]  # the fixture: POD Alpha in workspace A, POD Beta in workspace B


def all_delivered(bot: RunningBot) -> Callable[[], bool]:
    def done() -> bool:
        with bot.db.engine.connect() as connection:
            return not connection.execute(
                text("select 1 from deliveries where status <> 'delivered'")
            ).first()

    return done


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_one_workspaces_rate_limit_never_stalls_another(
    start_bot: Callable[..., RunningBot], database_url: str
) -> None:
    # One sending thread: a thread sleeping through A's Retry-After would hold B's post.
    bot = start_bot(database_url, worker={"threads": 1}, **OAUTH)
    register_app(bot.api, bot.url)
    for team in (TEAM_A, TEAM_B):
        bot.api.oauth.add_workspace(team, f"Workspace {team[-3:]}")
        assert install(bot.url, bot.api, team=team).status_code == 200
    a, b = workspace(bot, TEAM_A), workspace(bot, TEAM_B)
    worker = bot.runtime.outbox_worker
    worker.hold(*OutboxKind)
    a.slash_command("new Acme Corp | Figma | new | $48,000", ANALYST, ALPHA)
    a.slash_command("new Initech | Slack | new | $12,000", ANALYST, ALPHA)
    b.slash_command("new Globex | Zoom | new | $9,000", BETA_ANALYST, BETA)
    bot.wait_idle()
    # Slack answers A's token 429 (Retry-After: 1 s) twice; B's token as usual.
    bot.api.fail("chat.postMessage", retry_after=1, times=2, team=TEAM_A)

    worker.release()
    assert worker.wait_until(all_delivered(bot), timeout=30)

    calls = bot.api.calls_to("chat.postMessage")
    refused = [c.params["channel"] for c in calls if c.failed]
    posted = [c.params["channel"] for c in calls if not c.failed]
    assert refused == [ALPHA, ALPHA]  # A's rows were tried first (queued first) and refused
    # B's card went out while A waited: before any of A's.
    assert posted.index(BETA) < posted.index(ALPHA)
    # Then A's rows, each once: two cards in Alpha, one in Beta, nothing lost or doubled.
    assert sorted(posted) == sorted([ALPHA, ALPHA, BETA])
    sent = [c.params.get("metadata", {}).get("event_payload") for c in calls if not c.failed]
    assert len({repr(m) for m in sent}) == len(sent)
