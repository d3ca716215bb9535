"""Test helpers shared by several test modules: savings race."""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.conftest import RunningBot

# Moved here from tests/commands/test_savings_race.py by move_helpers.py (issue 28).


SECOND_EM = "U0EM00003"
RACERS = 8  # clicks of Approve and submissions of Reject each


def race_decisions(
    bot: RunningBot, approve: Callable[[], int], claim_id: int, channel: str, racers: int = RACERS
) -> tuple[list[int], list[Any]]:
    """`racers` calls of `approve` (EM's Approve, however it is clicked) and as many Reject
    submissions by SECOND_EM, all released at once by a barrier: (approve statuses, each
    reject's answer or None)."""
    start = threading.Barrier(2 * racers, timeout=30)

    def approving(_: int) -> int:
        start.wait()
        return approve()

    def rejecting(_: int) -> Any:
        values = {"reason": {"value": {"type": "plain_text_input", "value": "not comparable"}}}
        metadata = f'{{"claim": {claim_id}, "channel": "{channel}", "thread_ts": null}}'
        start.wait()
        response = bot.slack.view_submission(
            "savings_reject", values, SECOND_EM, private_metadata=metadata
        )
        return response.json() if response.body else None

    with ThreadPoolExecutor(max_workers=2 * racers) as pool:
        # Submit everything before waiting: the barrier releases all of them at once.
        approvals = [pool.submit(approving, i) for i in range(racers)]
        rejections = [pool.submit(rejecting, i) for i in range(racers)]
        return (
            [f.result(timeout=60) for f in approvals],
            [f.result(timeout=60) for f in rejections],
        )
