"""Test helpers shared by several test modules: modals."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import RunningBot

# Moved here from tests/commands/test_modals.py by move_helpers.py (issue 28).


def opened_view(bot: RunningBot) -> tuple[str, dict[str, Any]]:
    """The trigger id and view of the last views.open the bot made."""
    call = bot.api.calls_to("views.open")[-1]
    view = call.params["view"]
    return call.params["trigger_id"], json.loads(view) if isinstance(view, str) else view


def fill(view: dict[str, Any], answers: dict[str, str]) -> dict[str, Any]:
    """The `state.values` Slack would send for these answers to the view's input blocks."""
    values: dict[str, Any] = {}
    for block in view["blocks"]:
        if block["type"] != "input" or block["block_id"] not in answers:
            continue
        element = block["element"]
        answer = answers[block["block_id"]]
        state: dict[str, Any] = {"type": element["type"]}
        if element["type"] == "datepicker":
            state["selected_date"] = answer
        elif element["type"] == "checkboxes":  # the answer is the value of the box ticked
            state["selected_options"] = [
                {"value": answer, "text": {"type": "plain_text", "text": answer}}
            ]
        elif element["type"] in ("radio_buttons", "static_select"):
            state["selected_option"] = {
                "value": answer,
                "text": {"type": "plain_text", "text": answer},
            }
        else:
            state["value"] = answer
        values[block["block_id"]] = {element["action_id"]: state}
    return values


def submit(bot: RunningBot, user: str, view: dict[str, Any], answers: dict[str, str]) -> Any:
    response = bot.slack.view_submission(
        view["callback_id"], fill(view, answers), user, private_metadata=view["private_metadata"]
    )
    assert response.status == 200
    bot.wait_idle()
    return response.json() if response.body else None


INTAKE = {
    "customer": "Umbrella Corp",
    "tool": "Notion",
    "type": "renewal",
    "amount": "EUR 40k",
    "renewal_date": "2027-03-31",
    "notes": "Seats dropped from 400 to 350 & they want SSO",
}
