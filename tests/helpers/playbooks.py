"""Test helpers shared by several test modules: playbooks (issue 34)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from bot.db.models import LeverAnswer
from slackfake.web_api import Message
from tests.commands.conftest import ANALYST, BUYER, EM, Proc
from tests.conftest import RunningBot
from tests.helpers.savings import actions_of, claim_message, click


def won(proc: Proc, customer: str, baseline: str, final: str, *quotes: str) -> int:
    """A Figma request for `customer` negotiated by BUYER: its quotes, a claim of `baseline` →
    `final` approved by EM, closed won."""
    proc(ANALYST, f"new {customer} | Figma | new")
    number = proc.request_count()
    proc(ANALYST, f"qualify {number}")
    proc(ANALYST, f"assign {number} <@{BUYER}>")
    for quote in quotes:
        proc(BUYER, f"quote {number} {quote}")
    proc(BUYER, f"savings {number} {baseline} {final}")
    click(proc.bot, EM, "savings_approve", claim_message(proc, number))
    proc(BUYER, f"close {number} won")
    return number


def ask_message(proc: Proc, number: int) -> Message:
    """The won request's thread message asking its buyer which levers worked."""
    (message,) = [m for m in proc.thread(number) if "levers_skip" in actions_of(m)]
    return message


def press(bot: RunningBot, user: str, action: str, message: Message) -> None:
    response = bot.slack.block_action(
        action, str(_value(message, action)), user, message.channel, message.ts, message=message
    )
    assert response.status == 200
    bot.wait_idle()


def _value(message: Message, action: str) -> str:
    for block in message.blocks or []:
        for element in block.get("elements") or [block.get("accessory") or {}]:
            if isinstance(element, dict) and element.get("action_id") == action:
                return str(element["value"])
    raise AssertionError(f"no {action} button")


def opened_view(bot: RunningBot) -> dict[str, Any]:
    view = bot.api.calls_to("views.open")[-1].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def submit_levers(bot: RunningBot, user: str, view: dict[str, Any], levers: list[str],
                  note: str = "") -> Any:  # fmt: skip
    values = {
        "levers": {
            "value": {
                "type": "checkboxes",
                "selected_options": [{"value": v} for v in levers],
            }
        },
        "note": {"value": {"type": "plain_text_input", "value": note}},
    }
    response = bot.slack.view_submission(
        "levers", values, user, private_metadata=view["private_metadata"]
    )
    assert response.status == 200
    bot.wait_idle()
    return response.json() if response.body else None


def answer(proc: Proc, number: int, levers: list[str], note: str = "") -> None:
    """The buyer answers the won request's ask: What worked…, the levers and the line."""
    press(proc.bot, BUYER, "levers_open", ask_message(proc, number))
    assert submit_levers(proc.bot, BUYER, opened_view(proc.bot), levers, note) is None


def answers(bot: RunningBot) -> int:
    with bot.db.reading() as session:
        return session.scalar(select(func.count()).select_from(LeverAnswer)) or 0
