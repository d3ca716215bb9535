"""Issue 31 must-show: ClickUp → podbot through `POST /clickup/webhook`, signed as ClickUp
signs it. A person's comment appears once in the card's thread (delivered twice, out of
order, once with a bad signature, which changes nothing); podbot's own changes come back and
are ignored; a status that means a close asks for it in podbot; an assignee asks to
reassign; a stale replay is refused."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import select

from bot.db.models import ClickUpWebhook, Request, RequestEvent
from bot.server import MAX_BODY_BYTES
from slackfake.web_api import SlackApiServer
from tests.clickup.conftest import DANA, make_clickup, start_clickup_bot
from tests.commands.conftest import ANALYST, BUYER, EM
from tests.conftest import RunningBot
from tests.helpers.simulated import SimulatedTime
from tests.helpers.webhook import Life

EM_USER = 202


@pytest.fixture
def life(
    start_bot: Callable[..., RunningBot], database_url: str, slack_api: SlackApiServer
) -> Iterator[Life]:
    """On SQLite and on PostgreSQL."""
    time = SimulatedTime()
    with make_clickup(clock=time.seconds) as clickup:
        clickup.add_member("9001", {"id": EM_USER, "email": "em@example.com", "username": "Em"})
        bot = start_clickup_bot(start_bot, database_url, slack_api, clickup, simulated=time)
        life = Life(bot, clickup, time)
        life.proc(ANALYST, "new Acme Corp | Figma | new")
        life.proc(ANALYST, "qualify 1")
        life.proc(ANALYST, f"assign 1 <@{BUYER}>")
        yield life


def test_podbots_own_changes_come_back_and_are_ignored(life: Life) -> None:
    own = life.clickup.pending()
    assert own, "podbot's own task, comments and status changes fire webhooks"
    assert {
        e.payload["history_items"][0]["user"]["id"] for e in own if "history_items" in e.payload
    } == {100}
    before = [m.text for m in life.thread()]
    assert [life.deliver(e.index) for e in own] == [200] * len(own)
    assert [m.text for m in life.thread()] == before


def test_a_persons_comment_appears_once_whatever_the_deliveries(life: Life) -> None:
    life.clickup.deliver_pending()  # podbot's own, ignored
    task = life.task_id()
    life.clickup.comment_as(task, DANA, "Vendor called <!channel>: @here sign by Friday & <b>")
    life.clickup.comment_as(task, DANA, "Second thought")
    first, second = (e.index for e in life.clickup.pending())
    assert life.clickup.deliver_with_bad_signature(first) == 401
    assert life.deliver(second) == 200  # out of order
    assert life.deliver(first) == 200
    assert life.deliver(first) == 200  # again: handled once
    assert life.deliver(second) == 200
    lines = [m.text for m in life.thread() if "via ClickUp" in m.text]
    assert lines == [
        "💬 via ClickUp — Dana &lt;!channel&gt;: Second thought",
        "💬 via ClickUp — Dana &lt;!channel&gt;: Vendor called &lt;!channel&gt;: @\u2060here sign "
        "by Friday &amp; &lt;b&gt;",
    ]


def test_a_status_that_means_a_close_asks_for_it_in_podbot(life: Life) -> None:
    life.clickup.deliver_pending()
    life.clickup.set_status_as(life.task_id(), DANA, "complete")
    (event,) = life.clickup.pending()
    assert life.deliver(event.index) == 200
    prompt = life.thread()[-1]
    assert "moved REQ-1's ClickUp task to *complete*" in prompt.text
    actions = [
        e["action_id"] for b in prompt.blocks or [] if b["type"] == "actions" for e in b["elements"]
    ]
    assert actions == ["card_close"]
    with life.bot.db.reading() as session:
        assert session.scalars(select(Request.stage)).one() == "negotiating"
        kinds = session.scalars(select(RequestEvent.kind).order_by(RequestEvent.id)).all()
    assert kinds[-1] == "clickup"


def test_an_assignee_set_in_clickup_asks_to_reassign(life: Life) -> None:
    life.clickup.deliver_pending()
    life.bot.api.add_user(
        EM, real_name="Em Manager", display_name="Em Manager", email="em@example.com"
    )
    life.clickup.assign_as(life.task_id(), DANA, add=[EM_USER])
    for event in life.clickup.pending():
        assert life.deliver(event.index) == 200
    prompt = life.thread()[-1]
    assert f"assigned REQ-1's ClickUp task to <@{EM}>" in prompt.text
    options = [
        o["value"]
        for b in prompt.blocks or []
        if b["type"] == "actions"
        for e in b["elements"]
        for o in e.get("options", [])
    ]
    assert options == [EM]


def test_a_stale_replay_is_refused(life: Life) -> None:
    life.clickup.deliver_pending()
    life.clickup.comment_as(life.task_id(), DANA, "old news")
    (event,) = life.clickup.pending()
    life.time.clock.set(life.time.clock.now() + timedelta(hours=25))
    assert life.clickup.deliver(event.index) == 400
    assert not [m for m in life.thread() if "old news" in m.text]


def test_unsigned_oversized_and_foreign_bodies_are_refused_before_anything(life: Life) -> None:
    url = f"{life.bot.url}/clickup/webhook"
    body = b'{"event":"taskCommentPosted","webhook_id":"x","history_items":[]}'
    assert httpx.post(url, content=body).status_code == 401  # unsigned
    signed_elsewhere = hmac.new(b"another secret", body, hashlib.sha256).hexdigest()
    assert (
        httpx.post(url, content=body, headers={"X-Signature": signed_elsewhere}).status_code == 401
    )
    huge = b"{" + b" " * (MAX_BODY_BYTES + 1) + b"}"
    assert httpx.post(url, content=huge, headers={"X-Signature": "0" * 64}).status_code == 413
    with life.bot.db.reading() as session:
        secret = session.scalars(select(ClickUpWebhook.secret)).one()
    other = b'{"event":"taskCommentPosted","webhook_id":"not-this-one","history_items":[]}'
    signature = hmac.new(secret.encode(), other, hashlib.sha256).hexdigest()
    assert httpx.post(url, content=other, headers={"X-Signature": signature}).status_code == 400


def test_a_procurement_step_sets_its_status_then_gives_it_back(life: Life) -> None:
    task = life.task_id()
    life.proc(BUYER, "stage 1 security-review started")
    assert life.clickup.task(task)["status"]["status"] == "security review"
    life.proc(BUYER, "stage 1 security-review done")
    assert life.clickup.task(task)["status"]["status"] == "in progress"
    heads = [c["comment_text"].splitlines()[0] for c in life.clickup.comments(task)][-2:]
    assert heads == [
        "Procurement step started · REQ-1 · by Bea Buyer (via podbot)",
        "Procurement step done · REQ-1 · by Bea Buyer (via podbot)",
    ]
