"""Slack's pace per channel across processes: the `channel_turns` table.

Each `SlackApi` below stands for one podbot process: its own engine, its own WebClient and
its own in-process pace. What Slack sees is read off the test server's arrival times.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from bot import metrics
from bot.clock import SystemClock
from bot.config import Settings
from bot.db.models import ChannelTurn
from bot.db.session import Database
from bot.runtime import make_web_client
from bot.slack.pacing import ChannelTurns
from bot.slack.web_api import SlackApi
from slackfake.web_api import SlackApiServer
from tests.conftest import BOT_TOKEN

CHANNEL = "C0ALPHA01"
INTERVAL = 0.2


@pytest.fixture
def databases(database_url: str) -> Iterator[list[Database]]:
    opened = [Database(database_url), Database(database_url)]
    yield opened
    for db in opened:
        db.dispose()


def _process(slack_api: SlackApiServer, db: Database | None) -> SlackApi:
    """One process's Slack seam; shared turns when it is given the database."""
    settings = Settings(bot_token=BOT_TOKEN, api_url=slack_api.url)
    return SlackApi(
        make_web_client(settings),
        channel_interval=INTERVAL,
        turns=ChannelTurns(db) if db is not None else None,
    )


def _post_from_each(processes: list[SlackApi], posts: int) -> None:
    """Three threads per process, all posting into one channel at once."""
    start = threading.Barrier(3 * len(processes))

    def post(slack: SlackApi, name: str) -> None:
        start.wait()
        for n in range(posts):
            slack.post(CHANNEL, f"{name} post {n}")

    threads = [
        threading.Thread(target=post, args=(slack, f"p{i}t{t}"))
        for i, slack in enumerate(processes)
        for t in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)


def _turns(outcome: str) -> float:
    """This process's `podbot_channel_turns_total` for one outcome."""
    for metric in metrics.CHANNEL_TURNS.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total") and sample.labels == {"outcome": outcome}:
                return sample.value
    return 0.0


def _gaps(slack_api: SlackApiServer) -> list[float]:
    arrivals = sorted(
        call.at
        for call in slack_api.calls_to("chat.postMessage")
        if call.params.get("channel") == CHANNEL
    )
    return [later - earlier for earlier, later in pairwise(arrivals)]


def test_two_processes_posting_into_one_channel_keep_slacks_pace(
    slack_api: SlackApiServer, databases: list[Database]
) -> None:
    before = {outcome: _turns(outcome) for outcome in ("taken", "waited")}
    _post_from_each([_process(slack_api, db) for db in databases], posts=2)

    assert len(slack_api.messages(CHANNEL)) == 12
    counted = {outcome: _turns(outcome) - before[outcome] for outcome in before}
    assert sum(counted.values()) == 12 and counted["waited"] >= 1, counted
    gaps = _gaps(slack_api)
    assert len(gaps) == 11
    # Each post leaves one interval after Slack answered the one before, whichever process
    # sent it (a few ms of slack for the two clocks read on each side).
    assert min(gaps) >= INTERVAL - 0.005, gaps
    with databases[0].transaction() as session:
        turn = session.get(ChannelTurn, CHANNEL)
        assert turn is not None and turn.holder is None  # handed back after the last post


def test_without_shared_turns_two_processes_break_the_pace(
    slack_api: SlackApiServer, sqlite_url: str
) -> None:
    # The control for the test above: each process keeps only its own pace.
    _post_from_each([_process(slack_api, None), _process(slack_api, None)], posts=2)

    assert len(slack_api.messages(CHANNEL)) == 12
    assert min(_gaps(slack_api)) < INTERVAL / 2


def test_a_turn_held_by_a_dead_process_frees_when_its_lease_runs_out(
    slack_api: SlackApiServer, sqlite_url: str
) -> None:
    db = Database(sqlite_url)
    slack = _process(slack_api, db)
    # The dead holder's lease is taken after the process is built (which, on a loaded machine,
    # can take longer than the lease), so the post below finds it still running.
    lease_ends = SystemClock().now() + timedelta(seconds=1)
    with db.transaction() as session:
        session.add(ChannelTurn(channel=CHANNEL, free_at=lease_ends, holder="died-posting"))
    waited = _turns("waited")

    slack.post(CHANNEL, "after the lease")

    assert _turns("waited") == waited + 1
    assert SystemClock().now() >= lease_ends
    assert [m.text for m in slack_api.messages(CHANNEL)] == ["after the lease"]
    with db.transaction() as session:
        turn = session.get(ChannelTurn, CHANNEL)
        assert turn is not None and turn.holder is None
        assert turn.free_at > lease_ends
    db.dispose()


def test_a_post_goes_ahead_when_the_database_is_unreachable(
    slack_api: SlackApiServer, tmp_path: Path
) -> None:
    db = Database(f"sqlite:///{tmp_path}/missing/folder/podbot.db")
    slack = _process(slack_api, db)
    unavailable, waited = _turns("unavailable"), _turns("waited")

    slack.post(CHANNEL, "Slack before bookkeeping")

    # It went ahead without its turn: it did not wait for one.
    assert _turns("unavailable") == unavailable + 1
    assert _turns("waited") == waited
    assert [m.text for m in slack_api.messages(CHANNEL)] == ["Slack before bookkeeping"]
    db.dispose()
