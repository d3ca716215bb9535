"""Issue 7: the delivery worker killed between Slack accepting a post and recording it.

`podbot serve` takes `/proc new`, commits the request with its card delivery, and its worker
posts the card; Slack holds the answer while we SIGKILL the process. After a restart the row
is still `in_flight`; once its lease expires the worker looks for the card in the channel by
its metadata before posting — so there is exactly one card, whether or not Slack kept it.
"""

from __future__ import annotations

import signal
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.config import Settings, load_config
from bot.db.models import OutboxRow, Request
from bot.db.session import Database
from bot.runtime import build_runtime
from slackfake.signing import SlackClient
from slackfake.web_api import SlackApiServer
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEST_CONFIG
from tests.helpers.delivery_crash import free_port, serve, wait_until_serving

ALPHA = "C0ALPHA01"
ANALYST = "U0ANA0001"


@pytest.mark.parametrize("slack_kept_the_post", [True, False])
def test_killed_worker_does_not_post_the_card_twice(
    slack_api: SlackApiServer,
    sqlite_url: str,
    slack_kept_the_post: bool,
) -> None:
    port = free_port()
    process = serve(slack_api, sqlite_url, port)
    client = SlackClient(f"http://127.0.0.1:{port}", SIGNING_SECRET)
    try:
        wait_until_serving(client, process)
        if slack_kept_the_post:
            slack_api.fail("chat.postMessage", delay=1.5)
        else:
            slack_api.fail("chat.postMessage", status=500, delay=1.5)
        answer = client.slash_command("new Acme | Figma | new", user_id=ANALYST, channel_id=ALPHA)
        assert answer.json()["text"].startswith("Created *REQ-1*")
        slack_api.wait_for_arrival("chat.postMessage")
    finally:
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    slack_api.wait_for("chat.postMessage")  # Slack finishes with what it received
    cards = [m for m in slack_api.messages(ALPHA) if m.text.startswith("REQ-1")]
    assert len(cards) == (1 if slack_kept_the_post else 0)

    # Restart: a new worker on the same database. The dead process's lease is treated as
    # expired at once (a zero lease) instead of waiting out the default minute.
    settings = Settings(
        bot_token=BOT_TOKEN, api_url=slack_api.url, database_url=sqlite_url, channel_interval=0
    )
    db = Database(sqlite_url)
    with db.transaction() as session:
        (row,) = session.scalars(select(OutboxRow).where(OutboxRow.kind == "card")).all()
        assert row.status == "in_flight"
    runtime = build_runtime(
        load_config(TEST_CONFIG), settings, db=db, worker={"lease": timedelta(0)}
    )
    runtime.outbox_worker.drain()

    cards = [m for m in slack_api.messages(ALPHA) if m.text.startswith("REQ-1")]
    assert len(cards) == 1
    with db.transaction() as session:
        request = session.scalars(select(Request)).one()
        assert request.card_ts == cards[0].ts
        statuses = session.scalars(select(OutboxRow.status)).all()
    assert set(statuses) == {"delivered"}
    runtime.outbox_worker.stop()
    db.dispose()
