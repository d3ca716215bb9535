"""Issue 27 item 3: a member's new name arrives with Slack's `user_change` event (the manifest
subscribes it) and is what the next chart and CSV show, without a users.info call."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from bot.db.models import Person
from bot.jobs import JOBS
from bot.manifest import manifest
from tests.commands.conftest import BUYER, STRANGER
from tests.conftest import RunningBot
from tests.helpers.people_refresh import digest_files, lookups
from tests.helpers.stats import seed
from tests.helpers.weekly_digest_job import NOW
from tests.jobs.conftest import run_job


def user_change(bot: RunningBot, user: dict[str, Any]) -> None:
    response = bot.slack.event({"type": "user_change", "user": user, "cache_ts": 1795415400})
    assert response.status == 200, response.text
    bot.wait_idle()


def test_a_user_change_event_refreshes_the_cached_name(bot: RunningBot) -> None:
    assert "user_change" in manifest()["settings"]["event_subscriptions"]["bot_events"]
    seed(bot)
    bot.api.add_user(BUYER, name="rohan", real_name="Rohan Mehta", display_name="Ro")
    run_job(bot.runtime, JOBS["people-refresh"], bot.runtime.config.pod("alpha"), now=NOW)
    assert lookups(bot).count(BUYER) == 1

    # Rohan renames himself; Slack tells podbot with the whole user object.
    user_change(bot, bot.api.change_user(BUYER, display_name="Rohan M."))
    # Someone of the workspace in no POD changes too: podbot keeps no name for them.
    user_change(bot, bot.api.add_user(STRANGER, name="zed", real_name="Zed Outsider"))

    assert lookups(bot).count(BUYER) == 1  # the event carried the name: nothing was asked
    # The buyer is also an analyst of POD Beta; its refresh the same day finds the name fresh.
    run_job(bot.runtime, JOBS["people-refresh"], bot.runtime.config.pod("beta"), now=NOW)
    assert lookups(bot).count(BUYER) == 1
    with bot.db.reading() as session:
        assert session.scalar(select(func.count()).where(Person.user_id == STRANGER)) == 0

    _, files, rows = digest_files(bot)
    assert rows[("member", BUYER, "savings_quota")]["person"] == "Rohan M."
    savings = files["digest-alpha-2026-W48-savings.png"]
    assert "Rohan M. $32,000 of $50,000 (64.0%)" in savings.alt_txt
    assert "Ro $32,000" not in savings.alt_txt
