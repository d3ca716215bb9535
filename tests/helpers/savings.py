"""Test helpers shared by several test modules: savings."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import SavingsClaim
from slackfake.web_api import Message
from tests.commands.conftest import ANALYST, BUYER, Proc
from tests.conftest import RunningBot

# Moved here from tests/commands/test_savings.py by move_helpers.py (issue 28).


def negotiating(proc: Proc, customer: str = "Acme", tool: str = "Figma") -> int:
    proc(ANALYST, f"new {customer} | {tool} | new")
    number = proc.request_count()
    proc(ANALYST, f"qualify {number}")
    proc(ANALYST, f"assign {number} <@{BUYER}>")
    return number


def claim_message(proc: Proc, number: int, claim_id: int | None = None) -> Message:
    with proc.bot.db.transaction() as session:
        query = select(SavingsClaim).where(SavingsClaim.request_id == number)
        if claim_id is not None:
            query = query.where(SavingsClaim.id == claim_id)
        claim = session.scalars(query.order_by(SavingsClaim.id.desc())).first()
        assert claim is not None and claim.message_ts, "claim message not posted"
        return proc.bot.api.message(claim.message_channel, claim.message_ts)


def claims(bot: RunningBot) -> list[SavingsClaim]:
    with bot.db.transaction() as session:
        return list(session.scalars(select(SavingsClaim).order_by(SavingsClaim.id)))


def click(bot: RunningBot, user: str, action: str, message: Message) -> None:
    response = bot.slack.block_action(
        action, None, user, message.channel, message.ts, message=message
    )
    assert response.status == 200
    bot.wait_idle()


def actions_of(message: Message) -> list[str]:
    return [
        element["action_id"]
        for block in message.blocks or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]


def ephemerals_to(bot: RunningBot, user: str) -> list[str]:
    return [
        c.params["text"] for c in bot.api.calls_to("chat.postEphemeral") if c.params["user"] == user
    ]
