"""SPEC §7 / issue 7: nothing lost, nothing twice — through a Slack outage.

For 60 s every `chat.postMessage` fails (the first few by timing out while Slack still accepts
them, the rest with HTTP 500) while people keep using `/proc` and the aging report runs.
Every command acks while no post gets through; afterwards every post lands exactly once, in
order per thread. The outage runs in simulated time (tests/helpers/simulated.py): the worker's
backoff and the outage are on a clock the test moves, as each retry comes due.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from bot.jobs import JOBS
from bot.jobs.runner import catch_up, run_job
from tests.commands.conftest import ALPHA, ANALYST, BUYER
from tests.conftest import RunningBot
from tests.helpers.simulated import SimulatedTime

OUTAGE = 60.0  # simulated seconds
TIMEOUT = 0.25  # podbot's Slack timeout, in real seconds: Slack keeps the posts it times out
NINE = datetime(2026, 11, 23, 3, 30, tzinfo=UTC)  # Monday 09:00 in Kolkata


def test_posts_survive_a_60_second_outage_exactly_once_and_in_order(
    start_bot: Callable[..., RunningBot],
    sqlite_url: str,
    clock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PODBOT_DELIVERY_MAX_BACKOFF", "2")
    time = SimulatedTime()
    bot = start_bot(sqlite_url, slack_timeout=TIMEOUT, simulated=time)
    clock.set(NINE)
    api = bot.api
    # Timeouts first (Slack keeps those posts: the ambiguous case), then 500s until healed.
    for _ in range(3):
        api.fail("chat.postMessage", delay=TIMEOUT * 1.5)
    heals = time.seconds() + OUTAGE
    api.fail("chat.postMessage", status=500, times=None, until=heals)

    def proc(user: str, text: str) -> str:
        response = bot.slack.slash_command(text, user_id=user, channel_id=ALPHA)
        assert response.status == 200
        return str(response.json()["text"])

    expected: dict[int, list[str]] = {}
    for n in (1, 2, 3):
        assert proc(ANALYST, f"new Customer {n} | Tool {n} | new").startswith(f"Created *REQ-{n}*")
        proc(ANALYST, f"qualify {n}")
        proc(ANALYST, f"assign {n} <@{BUYER}>")
        expected[n] = [":white_check_mark: Qualified", ":handshake: Assigned"]
    # The aging report runs while Slack is down: recorded and queued at once, sent later.
    outcome = run_job(bot.runtime, JOBS["aging-report"], bot.runtime.config.pod("alpha"), now=NINE)
    assert outcome == "aging-report alpha 2026-11-23: queued 3 requests in 1 message"
    # Keep working through the outage: an update every two seconds (simulated).
    update = 0
    while time.seconds() < heals:
        update += 1
        n = 1 + update % 3
        assert proc(BUYER, f"update {n} status note {update}").startswith("Update posted")
        expected[n].append(f":memo: *Update* from <@{BUYER}>:\n>status note {update}")
        # Each lane's first row is tried again within the longest backoff (2 s).
        seen = len(api.calls_to("chat.postMessage"))
        time.run_to(time.seconds() + 2)
        assert len(api.calls_to("chat.postMessage")) > seen
    assert update >= 10

    api.heal("chat.postMessage")
    worker = bot.runtime.outbox_worker
    time.run_until(lambda: worker.pending() == 0, limit=60)
    # The run was recorded when it was queued: the catch-up sweep has nothing to redo.
    assert catch_up(bot.runtime, [JOBS["aging-report"]], now=NINE + timedelta(hours=1)) == []

    # Exactly one card per request, and each thread holds its replies once, in order.
    top = [m for m in api.messages(ALPHA) if not m.thread_ts]
    cards = [m for m in top if m.text.startswith("REQ-")]
    assert sorted(m.text.split(" ")[0] for m in cards) == ["REQ-1", "REQ-2", "REQ-3"]
    for card in cards:
        n = int(card.text.split(" ")[0][4:])
        thread = [m.text for m in api.thread(ALPHA, card.ts)]
        assert len(thread) == len(expected[n]), (n, thread)
        for got, want in zip(thread, expected[n], strict=True):
            assert got.startswith(want), (got, want)
        assert card.text.endswith("— negotiating")  # the card shows its latest state
    reports = [m for m in top if m.text.startswith("Aging report")]
    assert len(reports) == 1
    assert bot.runtime.outbox_worker.pending() == 0
