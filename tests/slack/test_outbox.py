"""The outbox: posts are rows written in the handler's transaction; card edits collapse."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import OutboxKind, OutboxRow
from tests.commands.conftest import ANALYST, BUYER, Proc
from tests.conftest import RunningBot


def test_pending_card_edits_collapse_into_one_showing_the_latest_state(
    start_bot: Callable[..., RunningBot], sqlite_url: str
) -> None:
    # A worker that is not running: deliveries pile up while three changes are made.
    bot = start_bot(sqlite_url, deliver=False)
    worker = bot.runtime.outbox_worker
    for text in ("new Acme | Figma | new", "qualify 1", f"assign 1 <@{BUYER}>"):
        response = bot.slack.slash_command(text, user_id=ANALYST, channel_id="C0ALPHA01")
        assert response.status == 200
    assert bot.executor.wait_idle()
    with bot.db.transaction() as session:
        rows = [(d.lane, d.kind) for d in session.scalars(select(OutboxRow).order_by(OutboxRow.id))]
    # One card row (created once, later changes folded into it), then the thread replies.
    assert [r for r in rows if r[0] == "req:1"] == [
        ("req:1", "card"), ("req:1", "thread"), ("req:1", "thread")
    ]  # fmt: skip
    # The same for the Homes the changes republish: one pending row per user.
    homes = [lane for lane, kind in rows if kind == "home"]
    assert len(homes) == len(set(homes)) and f"home:{ANALYST}" in homes

    worker.drain()
    (card,) = [m for m in bot.api.messages("C0ALPHA01") if not m.thread_ts]
    assert "negotiating" in card.text  # posted once, already in its latest state
    assert bot.api.calls_to("chat.update") == []
    replies = [m.text.split(" ")[0] for m in bot.api.thread("C0ALPHA01", card.ts)]
    assert replies == [":white_check_mark:", ":handshake:"]


def test_a_channel_held_to_slacks_pace_does_not_hold_back_another_channel(
    start_bot: Callable[..., RunningBot], sqlite_url: str
) -> None:
    from bot.slack.outbox import Outbox
    from tests.commands.conftest import ALPHA, BETA, BETA_ANALYST

    bot = start_bot(sqlite_url)
    proc = Proc(bot)
    for n in range(1, 17):
        proc(ANALYST, f"new Customer {n} | Tool {n} | new", channel=ALPHA)
    proc(BETA_ANALYST, "new Beta Customer | Beta Tool | new", channel=BETA)
    posts_before = len(bot.api.calls_to("chat.postMessage"))
    worker = bot.runtime.outbox_worker
    assert worker is not None

    # Sixteen replies for POD Alpha's channel at Slack's pace (0.2 s apart here) ...
    bot.runtime.slack.channel_interval = 0.2
    outbox = Outbox(bot.runtime)
    with bot.db.transaction() as session:
        for number in range(1, 17):
            outbox.thread(session, number, f"alpha news {number}")
    outbox.deliver()
    bot.api.wait_for("chat.postMessage", count=posts_before + 1, timeout=10)
    # ... and, once they are under way, one for POD Beta's channel.
    with bot.db.transaction() as session:
        outbox.thread(session, 17, "beta news")
    outbox.deliver()
    bot.api.wait_for("chat.postMessage", count=posts_before + 17, timeout=30)

    calls = bot.api.calls_to("chat.postMessage")[posts_before:]
    texts = [c.params.get("text") for c in calls]
    alpha = [i for i, text in enumerate(texts) if str(text).startswith("alpha news")]
    assert len(alpha) == 16
    # Beta's reply went out at once, between two of Alpha's, not behind the Alpha rows that
    # were older (the worker claims no row for a channel inside its window, so none of its
    # threads sat waiting on Alpha's pace).
    assert texts.index("beta news") <= 2, texts
    assert sorted(str(t) for t in texts if str(t).startswith("alpha")) == sorted(
        f"alpha news {n}" for n in range(1, 17)
    )
    with bot.db.transaction() as session:
        channels = set(session.scalars(select(OutboxRow.channel).where(OutboxRow.kind == "thread")))
    assert channels == {ALPHA, BETA}


def _cpu_ticks(thread_id: int) -> int:
    fields = Path(f"/proc/self/task/{thread_id}/stat").read_text().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime, in clock ticks


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs Linux /proc")
def test_the_worker_loop_idles_while_every_sending_thread_waits_on_slack(
    start_bot: Callable[..., RunningBot], sqlite_url: str
) -> None:
    from bot.slack.outbox import Outbox
    from tests.commands.conftest import ALPHA, BETA, BETA_ANALYST

    # One sending thread, held by a post Slack takes 1.5 s to answer, with more rows due.
    bot = start_bot(sqlite_url, worker={"threads": 1})
    proc = Proc(bot)
    proc(ANALYST, "new Customer | Tool | new", channel=ALPHA)
    proc(BETA_ANALYST, "new Beta Customer | Beta Tool | new", channel=BETA)
    worker = bot.runtime.outbox_worker
    worker.wait_idle()
    assert worker._thread is not None and worker._thread.native_id is not None
    posts_before = len(bot.api.calls_to("chat.postMessage"))
    bot.api.fail("chat.postMessage", delay=1.5)
    outbox = Outbox(bot.runtime)
    with bot.db.transaction() as session:
        outbox.thread(session, 1, "first")
        outbox.thread(session, 2, "second")
    outbox.deliver()
    bot.api.wait_for_arrival("chat.postMessage", count=posts_before + 1)
    before = _cpu_ticks(worker._thread.native_id)
    bot.api.wait_for("chat.postMessage", count=posts_before + 1, timeout=10)
    spent = _cpu_ticks(worker._thread.native_id) - before
    # The loop waited for the thread to be free (a busy loop would burn the whole 1.5 s).
    assert spent * 1000 // os.sysconf("SC_CLK_TCK") < 300, f"{spent} ticks"
    bot.api.wait_for("chat.postMessage", count=posts_before + 2, timeout=10)
    texts = [c.params.get("text") for c in bot.api.calls_to("chat.postMessage")[posts_before:]]
    assert sorted(texts) == ["first", "second"]


def test_held_homes_wait_while_the_rest_goes_out_then_each_is_published_once(
    bot: RunningBot,
) -> None:
    # What the sandbox does while it replays the demo: Homes held, cards and replies delivered.
    worker = bot.runtime.outbox_worker
    worker.hold(OutboxKind.HOME)
    for text in ("new Acme | Figma | new", "qualify 1", f"assign 1 <@{BUYER}>"):
        response = bot.slack.slash_command(text, user_id=ANALYST, channel_id="C0ALPHA01")
        assert response.status == 200
        assert bot.executor.wait_idle()
        worker.wait_idle()  # held rows are not due: this returns
    assert len(bot.api.thread("C0ALPHA01", bot.api.messages("C0ALPHA01")[0].ts)) == 2
    assert bot.api.calls_to("views.publish") == []
    with bot.db.reading() as session:
        held = [r.lane for r in session.scalars(select(OutboxRow).where(OutboxRow.kind == "home"))]
    assert len(held) == len(set(held)) and f"home:{BUYER}" in held  # one pending per person

    worker.release()
    worker.wait_idle()
    published = [c.params.get("user_id") for c in bot.api.calls_to("views.publish")]
    assert sorted(published) == sorted(lane.split(":", 1)[1] for lane in held)
