"""Test helpers shared by several test modules: customer updates."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import CustomerUpdate
from slackfake.web_api import Message
from tests.conftest import RunningBot

# Moved here from tests/commands/test_customer_updates.py by move_helpers.py (issue 28).


CONTACTS = "cfo@acme.example, ops@acme.example"


def dm_with(bot: RunningBot, user: str) -> list[Message]:
    channels = [channel for channel, who in bot.api.dms().items() if who == user]
    return [m for channel in channels for m in bot.api.messages(channel)]


def draft_dm(bot: RunningBot, user: str) -> Message:
    found = [m for m in dm_with(bot, user) if "Customer update for" in m.text]
    assert len(found) == 1, [m.text for m in dm_with(bot, user)]
    return found[0]


def click(bot: RunningBot, user: str, message: Message, action: str) -> None:
    response = bot.slack.block_action(
        action, None, user_id=user, channel_id=message.channel, message_ts=message.ts,
        message=message,
    )  # fmt: skip
    assert response.status == 200
    bot.wait_idle()


def drafts(bot: RunningBot) -> list[CustomerUpdate]:
    with bot.db.transaction() as session:
        rows = list(session.scalars(select(CustomerUpdate).order_by(CustomerUpdate.id)))
        session.expunge_all()
        return rows
