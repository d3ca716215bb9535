"""Issue 31 must-show: a request's life in podbot (new, qualify, assign, three updates, a
quote, a claim approved, a hold, close won) produces exactly the expected task, comments,
statuses and due dates in the ClickUp stand-in, in order, once each — with ClickUp answering
500 for 60 s in the middle (simulated time: tests/helpers/simulated.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.db.models import ChannelTurn, ClickUpLink, OutboxRow, Request, SavingsClaim
from clickupfake.api import ClickUpApiServer
from slackfake.web_api import SlackApiServer
from tests.clickup.conftest import BUYER_USER, LIST, REQ_FIELD, make_clickup, start_clickup_bot
from tests.commands.conftest import ALPHA, ANALYST, BUYER, EM
from tests.conftest import RunningBot
from tests.helpers.simulated import SimulatedTime

OUTAGE = 60.0


def test_a_requests_life_reaches_its_task_once_each_in_order_through_an_outage(
    start_bot: Callable[..., RunningBot],
    database_url: str,
    slack_api: SlackApiServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """On SQLite and on PostgreSQL."""
    monkeypatch.setenv("PODBOT_DELIVERY_MAX_BACKOFF", "2")
    time = SimulatedTime()
    clickup: ClickUpApiServer = make_clickup(clock=time.seconds)
    clickup.start()
    try:
        bot = start_clickup_bot(start_bot, database_url, slack_api, clickup, simulated=time)
        _life(bot, clickup, time)
    finally:
        clickup.stop()


def _life(bot: RunningBot, clickup: ClickUpApiServer, time: SimulatedTime) -> None:
    worker = bot.runtime.outbox_worker

    def proc(user: str, text: str) -> str:
        response = bot.slack.slash_command(text, user_id=user, channel_id=ALPHA)
        assert response.status == 200
        time.settle()
        return str(response.json()["text"])

    assert proc(ANALYST, "new Acme Corp | Figma | new").startswith("Created *REQ-1*")
    time.run_until(lambda: _task_id(bot) is not None, limit=30)
    proc(ANALYST, "qualify 1")
    proc(ANALYST, f"assign 1 <@{BUYER}>")
    assert proc(BUYER, "update 1 Vendor asked for a 3-year term").startswith("Update posted")

    # ClickUp answers 500 for a minute while the buyer keeps working.
    heals = time.seconds() + OUTAGE
    clickup.fail(500, until=heals)
    proc(BUYER, "update 1 Counter at 40k sent")
    proc(BUYER, "quote 1 Crayon 41.5k")
    proc(BUYER, "update 1 Legal redlines back")
    time.run_to(heals)
    time.run_until(lambda: worker.pending() == 0, limit=120)
    assert any(c.status == 500 for c in clickup.calls), "the outage was met"

    proc(BUYER, "savings 1 48000 39500")
    _approve(bot)
    proc(BUYER, "hold 1 vendor waiting on their legal team")
    domain = bot.runtime.clock
    assert isinstance(domain, ManualClock)
    domain.set(domain.now() + timedelta(days=2))  # two days waiting on the vendor
    proc(BUYER, "close 1 won")
    time.run_until(lambda: worker.pending() == 0, limit=120)

    tasks = clickup.tasks(LIST)
    assert len(tasks) == 1
    task = tasks[0]
    assert task["name"] == "Acme Corp · Figma (REQ-1)"
    assert [a["id"] for a in task["assignees"]] == [BUYER_USER]
    assert [f.get("value") for f in task["custom_fields"] if f["id"] == REQ_FIELD] == ["REQ-1"]
    assert len([c for c in clickup.calls_to("POST", rf"/list/{LIST}/task") if c.ok]) == 1
    heads = [c["comment_text"].splitlines()[0] for c in clickup.comments(task["id"])]
    statuses = [
        c.body["status"]
        for c in clickup.calls_to("PUT", r"/task/[^/]+")
        if c.ok and "status" in (c.body or {})
    ]
    assert heads == [
        "Qualified · REQ-1 · by Ana Analyst (via podbot)",
        "Assigned · REQ-1 · by Ana Analyst (via podbot)",
        "Update · REQ-1 · by Bea Buyer (via podbot)",
        "Update · REQ-1 · by Bea Buyer (via podbot)",
        "Quote · REQ-1 · by Bea Buyer (via podbot)",
        "Update · REQ-1 · by Bea Buyer (via podbot)",
        "Savings claimed · REQ-1 · by Bea Buyer (via podbot)",
        "Savings approved · REQ-1 · by Em Manager (via podbot)",
        "On hold · REQ-1 · by Bea Buyer (via podbot)",
        "Resumed · REQ-1 · by Bea Buyer (via podbot)",
        "Closed · REQ-1 · by Bea Buyer (via podbot)",
    ]
    update = clickup.comments(task["id"])[2]["comment_text"]
    assert update.splitlines()[1] == "Status: Vendor asked for a 3-year term"
    assert statuses == ["qualified", "in progress", "on hold", "complete"]
    dues = [
        int(c.body["due_date"])
        for c in clickup.calls_to("PUT", r"/task/[^/]+")
        if c.ok and "due_date" in (c.body or {})
    ]
    with bot.db.reading() as session:
        request = session.scalars(select(Request)).one()
        assert request.tat_due_at is not None
        assert dues[-1] == int(request.tat_due_at.timestamp() * 1000)
        assert len(dues) == 2 and dues[1] > dues[0]  # assigned, then moved out by the hold
        parked = session.scalars(select(OutboxRow).where(OutboxRow.status == "parked")).all()
        assert parked == []
        # Paced through the workspace's turn, shared by every process on the database.
        turn = session.get(ChannelTurn, "clickup:9001")
        assert turn is not None and turn.holder is None


def _task_id(bot: RunningBot) -> str | None:
    with bot.db.reading() as session:
        return session.scalar(select(ClickUpLink.task_id))


def _approve(bot: RunningBot) -> None:
    with bot.db.reading() as session:
        claim = session.scalars(select(SavingsClaim)).one()
        channel, ts = claim.message_channel, claim.message_ts
    assert channel and ts
    message = bot.api.message(channel, ts)
    response = bot.slack.block_action(
        "savings_approve", None, EM, message.channel, message.ts, message=message
    )
    assert response.status == 200
