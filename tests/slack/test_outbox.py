"""The outbox: posts are rows written in the handler's transaction; card edits collapse."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import select

from bot.db.models import Delivery
from bot.slack.worker import DeliveryWorker
from tests.commands.conftest import ANALYST, BUYER
from tests.conftest import RunningBot


def test_pending_card_edits_collapse_into_one_showing_the_latest_state(
    start_bot: Callable[..., RunningBot], sqlite_url: str
) -> None:
    bot = start_bot(sqlite_url)
    assert bot.runtime.deliveries is not None
    bot.runtime.deliveries.stop()
    # A worker that is not running: deliveries pile up while three changes are made.
    worker = bot.runtime.deliveries = DeliveryWorker(bot.runtime)
    for text in ("new Acme | Figma | new", "qualify 1", f"assign 1 <@{BUYER}>"):
        response = bot.slack.slash_command(text, user_id=ANALYST, channel_id="C0ALPHA01")
        assert response.status == 200
    assert bot.executor.wait_idle()
    with bot.db.transaction() as session:
        rows = [(d.lane, d.kind) for d in session.scalars(select(Delivery).order_by(Delivery.id))]
    # One card row (created once, later changes folded into it), then the thread replies.
    assert rows == [("req:1", "card"), ("req:1", "thread"), ("req:1", "thread")]

    worker.drain()
    (card,) = [m for m in bot.api.messages("C0ALPHA01") if not m.thread_ts]
    assert "negotiating" in card.text  # posted once, already in its latest state
    assert bot.api.calls_to("chat.update") == []
    replies = [m.text.split(" ")[0] for m in bot.api.thread("C0ALPHA01", card.ts)]
    assert replies == [":white_check_mark:", ":handshake:"]
