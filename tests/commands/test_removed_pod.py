"""A POD removed from the config: its requests stay in the database, and the others still work.

The rows are written with the two-POD config; the bot then serves a config without `beta`
(as after an operator removed it), so `beta`'s row is inactive and its requests orphaned.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from bot.config import Config, load_config, parse_config
from bot.db.models import OutboxRow, Reminder, Request
from bot.db.pods import sync_pods
from bot.db.requests import pod_row
from bot.db.session import Database
from slackfake.web_api import SlackApiServer
from tests.commands.conftest import ALPHA, ANALYST, BUYER, EM, Proc
from tests.conftest import TEST_CONFIG, RunningBot

DM = "D0BUY0001"
BETA = "C0BETA001"
NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)


@pytest.fixture
def test_config() -> Config:
    """The test config without POD Beta (its [[pods]] table is the file's last)."""
    text = TEST_CONFIG.read_text()
    without_beta = text[: text.rindex("[[pods]]")]
    config = parse_config(without_beta, TEST_CONFIG)
    assert [pod.key for pod in config.pods] == ["alpha"]
    return config


def beta_request_on_file(database_url: str) -> None:
    """REQ-1 for Acme · Figma, negotiating in POD Beta, opened by Alpha's ANALYST, with BUYER
    (also Beta's analyst) on it, and an update reminder DM to BUYER about it; written while
    Beta was configured."""
    now = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
    db = Database(database_url)
    try:
        with db.transaction() as session:
            sync_pods(session, load_config(TEST_CONFIG))
            session.add(
                Request(
                    pod_id=pod_row(session, "beta").id,
                    customer="Acme",
                    tool="Figma",
                    kind="renewal",
                    stage="negotiating",
                    currency="USD",
                    created_by=ANALYST,
                    analyst_id=BUYER,
                    buyer_id="U0BUY0002",
                    created_at=now,
                    assigned_at=now,
                    qualification_due_at=now + timedelta(days=1),
                    tat_due_at=now + timedelta(days=60),
                    updated_at=now,
                    card_channel="C0BETA001",
                    card_ts="1763650800.000100",
                )
            )
            session.flush()
            session.add(
                Reminder(
                    kind="update",
                    subject=1,
                    user_id=BUYER,
                    window="2026-11-21T15:00:00Z",
                    sent_at=now,
                    message_channel=DM,
                    message_ts="1763650900.000100",
                )
            )
    finally:
        db.dispose()


@pytest.fixture
def orphaned(start_bot: Callable[..., RunningBot], database_url: str) -> Proc:
    beta_request_on_file(database_url)
    return Proc(start_bot(database_url))


def test_new_for_a_tool_open_in_a_removed_pod_is_created_and_names_it(orphaned: Proc) -> None:
    answer = orphaned(ANALYST, "new Acme | Figma | renewal", ALPHA)
    assert answer.startswith("Created *REQ-2*"), answer
    assert "REQ-1 (in a POD no longer configured) is already open for Acme · Figma" in answer
    assert "let the POD's analyst and em know" not in answer  # nobody to tell
    bot = orphaned.bot
    assert bot.api.messages("C0BETA001") == []
    with bot.db.transaction() as session:
        lanes = set(session.scalars(select(OutboxRow.lane)))
        statuses = set(session.scalars(select(OutboxRow.status)))
    # The new request's card and thread, and the Homes of POD Alpha's analyst and em.
    assert lanes == {"req:2", f"home:{ANALYST}", f"home:{EM}"} and statuses == {"delivered"}
    assert orphaned.card(2).channel == ALPHA


def test_mine_leaves_out_requests_of_a_removed_pod_and_says_so(orphaned: Proc) -> None:
    orphaned(ANALYST, "new Globex | Zoom | new", ALPHA)
    answer = orphaned.answer(ANALYST, "mine", ALPHA)
    assert answer["text"].startswith("You have 1 open request."), answer["text"]
    assert "REQ-1 is left out: it belongs to a POD no longer configured." in answer["text"]
    shown = str(answer["blocks"])
    assert "REQ-2" in shown and "REQ-1 is left out" in shown


def test_snoozing_a_reminder_about_a_removed_pods_request_is_refused(orphaned: Proc) -> None:
    bot = orphaned.bot
    bot.api.add_channel(DM)
    dm = {"ts": "1763650900.000100", "text": "Update due", "blocks": []}
    response = bot.slack.block_action(
        "reminder_snooze_tomorrow", None, BUYER, DM, dm["ts"], message=dm
    )
    assert response.status == 200
    bot.wait_idle()
    (told,) = bot.api.calls_to("chat.postEphemeral")
    assert told.params["text"] == (
        ":warning: This reminder is about REQ-1, whose POD is no longer configured."
    ), told.params
    with bot.db.transaction() as session:
        assert session.scalars(select(Reminder.snoozed_until)).one() is None


def test_rows_queued_before_the_pod_was_removed_are_sent_not_retried_forever(
    start_bot: Callable[..., RunningBot], database_url: str, slack_api: SlackApiServer
) -> None:
    # Queued while Beta was configured (Slack down, say): a card edit and a thread reply for
    # REQ-1, whose card is in Beta's channel, and the first card of REQ-2, never posted.
    beta_request_on_file(database_url)
    card = slack_api.add_message("C0BETA001", "REQ-1", "U0BOT0001", ts="1763650800.000100")
    db = Database(database_url)
    try:
        with db.transaction() as session:
            session.add(
                Request(
                    pod_id=pod_row(session, "beta").id,
                    customer="Initech",
                    tool="Slack",
                    kind="new",
                    stage="intake",
                    currency="USD",
                    created_by=ANALYST,
                    created_at=NOW,
                    qualification_due_at=NOW + timedelta(days=1),
                    updated_at=NOW,
                )
            )
            for lane, kind, payload, channel in (
                ("req:1", "card", {"request": 1}, None),
                ("req:1", "thread", {"request": 1, "text": "Qualified.", "blocks": None}, BETA),
                ("req:2", "card", {"request": 2}, BETA),
            ):
                session.execute(
                    insert(OutboxRow),
                    {
                        "lane": lane, "kind": kind, "payload": payload, "channel": channel,
                        "status": "pending", "attempts": 0, "created_at": NOW,
                        "next_attempt_at": NOW,
                    },
                )  # fmt: skip
    finally:
        db.dispose()
    bot = start_bot(database_url)
    bot.wait_idle()
    with bot.db.transaction() as session:
        assert set(session.scalars(select(OutboxRow.status))) == {"delivered"}
    edited = bot.api.message(BETA, card.ts)
    assert "POD Beta" in str(edited.blocks)  # rendered from the POD's row: its name kept
    assert [m.text for m in bot.api.thread(BETA, card.ts)][-1] == "Qualified."
    top_level = [m.ts for m in bot.api.messages(BETA) if not m.thread_ts]
    assert top_level == [card.ts]  # nowhere to post REQ-2's card
