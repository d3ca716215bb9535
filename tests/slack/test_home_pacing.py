"""Homes yield to commands: while commands keep coming, the worker renders one Home and then
waits (HOME_SHARE), so a burst acks and posts at full speed; once it is over, each Home that
waited is published once, showing the end state.

The pacing runs on an injected clock (`pace_clock`) that stands still until the test moves
it: no wait here depends on how fast the machine renders."""

from __future__ import annotations

from collections.abc import Callable

from bot.slack.worker import BUSY_SECONDS
from tests.commands.conftest import ALPHA, ANALYST, BUYER, EM, Proc
from tests.conftest import RunningBot


def test_while_commands_keep_coming_homes_wait_and_each_is_published_once_after_the_burst(
    start_bot: Callable[..., RunningBot], database_url: str
) -> None:
    # The pacing clock: it leaps a quiet spell at every look while the request is set up (no
    # burst: everything goes out), then stands still.
    seconds, leaping = [1000.0], [True]

    def pace_clock() -> float:
        if leaping[0]:
            seconds[0] += BUSY_SECONDS + 1
        return seconds[0]

    bot = start_bot(database_url, worker={"pace_clock": pace_clock})
    proc = Proc(bot)
    for text in ("new Acme | Figma | new", "qualify 1", f"assign 1 <@{BUYER}>"):
        proc(ANALYST, text)
    worker = bot.runtime.outbox_worker
    leaping[0] = False
    published = len(bot.api.calls_to("views.publish"))
    posted = len(bot.api.calls_to("chat.postMessage"))

    for n in range(1, 9):  # a burst: each update republishes the buyer's, analyst's, em's Home
        response = bot.slack.slash_command(
            f"update 1 Vendor call {n}", user_id=BUYER, channel_id=ALPHA
        )
        assert response.status == 200 and "Update posted" in response.json()["text"]
    assert bot.executor.wait_idle()
    bot.api.wait_for("chat.postMessage", count=posted + 8)  # every update is in the thread
    # Meanwhile one Home at most was rendered; the others wait for the burst to end.
    during = bot.api.calls_to("views.publish")[published:]
    assert len(during) <= 1

    seconds[0] += BUSY_SECONDS + 60  # no command for a minute
    worker.wait_idle()
    after = [c.params.get("user_id") for c in bot.api.calls_to("views.publish")[published:]]
    after = after[len(during) :]
    assert sorted(after) == sorted([BUYER, ANALYST, EM])  # each once, from the end state
    assert "Vendor call 8" in bot.api.thread(*_card(bot))[-1].text


def _card(bot: RunningBot) -> tuple[str, str]:
    (card,) = [m for m in bot.api.messages(ALPHA) if not m.thread_ts]
    return card.channel, card.ts
