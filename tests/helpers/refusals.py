"""Test helpers shared by several test modules: refusals."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import make_url

from bot.clock import ManualClock
from tests.commands.conftest import (
    ALPHA,
    ANALYST,
    BETA,
    BETA_ANALYST,
    BETA_BUYER,
    BUYER,
    CSM,
    EM,
    Proc,
)
from tests.conftest import RunningBot

# Moved here from tests/commands/test_refusals.py by move_helpers.py (issue 28).


def db_dump(bot: RunningBot) -> str:
    """The whole SQLite database behind the bot as SQL text (schema, rows and sequences), less
    the planner's statistics (`sqlite_stat*`, which the worker's ANALYZE refreshes on its own
    schedule: not data anyone wrote)."""
    path = make_url(bot.db.url).database
    assert path, bot.db.url
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return "\n".join(line for line in connection.iterdump() if "sqlite_stat" not in line)
    finally:
        connection.close()


# The world, built once per test process: (the database file as it stood, the clock then,
# what Slack held then). Each test that needs it may start from a copy of it.
_BUILT: dict[str, tuple[Path, datetime, dict[str, Any]]] = {}


@pytest.fixture
def world(
    bot: RunningBot, proc: Proc, clock: ManualClock, tmp_path_factory: pytest.TempPathFactory
) -> RunningBot:
    """Requests in every stage, made the way users make them (see `build_world`): built by
    the first test of this process that needs it, whose database file, clock and Slack
    workspace are then copied for the others (the same rows and messages, made the same way,
    without replaying 23 commands per test)."""
    if "world" in _BUILT:
        _, at, slack = _BUILT["world"]
        clock.set(at)
        bot.api.restore(slack)
        return bot
    build_world(proc, clock)
    bot.wait_idle()
    kept = tmp_path_factory.mktemp("world") / "world.db"
    source = sqlite3.connect(make_url(bot.db.url).database or "")
    target = sqlite3.connect(kept)
    try:
        source.backup(target)
    finally:
        source.close()
        target.close()
    _BUILT["world"] = (kept, clock.now(), bot.api.snapshot())
    return bot


def build_world(proc: Proc, clock: ManualClock) -> None:
    """Requests in every stage, made the way users make them.

    POD Alpha: REQ-1 intake · REQ-2 qualified · REQ-3 negotiating (buyer U0BUY0001, an update
    and a quote) · REQ-4 closed won · REQ-5 disqualified · REQ-6 negotiating (assigned to the
    em). POD Beta: REQ-7 intake · REQ-8 negotiating (buyer U0BUY0002, a quote).
    """

    def ok(user: str, text: str, channel: str = ALPHA) -> None:
        answer = proc(user, text, channel)
        assert not answer.startswith((":warning:", ":x:")), f"{text!r}: {answer}"
        clock.advance(timedelta(minutes=7))

    ok(ANALYST, "new Acme Corp | Figma | new | $48,000 | 2027-01-31")
    ok(ANALYST, "new Globex | Slack | renewal | 120k | 2027-03-31")
    ok(ANALYST, "qualify REQ-2")
    ok(CSM, "new Initech | Jira | new | 30k")
    ok(ANALYST, "qualify 3")
    ok(ANALYST, f"assign 3 <@{BUYER}|dana>")
    ok(BUYER, "update REQ-3 Vendor opened at 34k; asked for a 3-year price")
    ok(BUYER, "quote REQ-3 SHI International 29,500")
    ok(EM, "new Umbrella | Zoom | renewal | EUR 40k | 2027-02-28")
    ok(EM, "qualify 4")
    ok(EM, f"assign 4 <@{BUYER}>")
    ok(BUYER, "quote 4 CDW EUR 38k")
    ok(BUYER, "close 4 won signed at EUR 36k")
    ok(ANALYST, "new Hooli | Notion | new")
    ok(ANALYST, "disqualify 5 covered by the enterprise agreement")
    ok(ANALYST, "new Stark | Miro | renewal | 12k")
    ok(ANALYST, "qualify 6")
    ok(ANALYST, f"assign 6 <@{EM}>")
    ok(BETA_ANALYST, "new Wayne | Asana | new | 9k", BETA)
    ok(BETA_ANALYST, "new Wonka | Loom | renewal | 15k | 2027-04-30", BETA)
    ok(BETA_ANALYST, "qualify 8", BETA)
    ok(BETA_ANALYST, f"assign 8 <@{BETA_BUYER}>", BETA)
    ok(BETA_BUYER, "quote 8 Loom direct 14k", BETA)

    stages = [proc.request(n).stage for n in range(1, 9)]
    assert stages == [
        "intake",
        "qualified",
        "negotiating",
        "closed",
        "disqualified",
        "negotiating",
        "intake",
        "negotiating",
    ]
