"""Test helpers shared by several test modules: close out."""

from __future__ import annotations

import json
from typing import Any

from slackfake.web_api import Message
from tests.commands.conftest import Proc
from tests.conftest import RunningBot
from tests.helpers.savings import actions_of

# Moved here from tests/commands/test_close_out.py by move_helpers.py (issue 28).


def term_message(proc: Proc, number: int) -> Message:
    (message,) = [m for m in proc.thread(number) if "record_term" in actions_of(m)]
    return message


def click(bot: RunningBot, user: str, message: Message) -> None:
    response = bot.slack.block_action(
        "record_term", None, user, message.channel, message.ts, message=message
    )
    assert response.status == 200
    bot.wait_idle()


def opened_view(bot: RunningBot) -> dict[str, Any]:
    view = bot.api.calls_to("views.open")[-1].params["view"]
    return json.loads(view) if isinstance(view, str) else view


def submit(bot: RunningBot, user: str, metadata: str, **fields: Any) -> Any:
    values: dict[str, Any] = {
        "amount": {"value": {"type": "plain_text_input", "value": fields.get("amount", "")}},
        "renewal_date": {
            "value": {"type": "datepicker", "selected_date": fields.get("renewal_date")}
        },
        "billing_cycle": {
            "value": {
                "type": "radio_buttons",
                "selected_option": {"value": fields["cycle"]} if fields.get("cycle") else None,
            }
        },
        "auto_renew": {
            "value": {
                "type": "radio_buttons",
                "selected_option": {"value": fields["auto"]} if fields.get("auto") else None,
            }
        },
        "notice_days": {"value": {"type": "plain_text_input", "value": fields.get("notice", "")}},
        "quantity": {"value": {"type": "plain_text_input", "value": fields.get("seats", "")}},
        "plan": {"value": {"type": "plain_text_input", "value": fields.get("plan", "")}},
    }
    response = bot.slack.view_submission("record_term", values, user, private_metadata=metadata)
    bot.wait_idle()
    return response.json() if response.body else None
