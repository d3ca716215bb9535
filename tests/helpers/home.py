"""Test helpers shared by several test modules: home."""

from __future__ import annotations

from typing import Any

from tests.conftest import RunningBot

# Moved here from tests/events/test_home.py by move_helpers.py (issue 28).


def open_home(bot: RunningBot, user: str) -> dict[str, Any]:
    """Send `app_home_opened` and return the view views.publish received for the user."""
    before = len(publishes(bot, user))
    response = bot.slack.event({"type": "app_home_opened", "user": user, "tab": "home",
                                "channel": "D0HOME"})  # fmt: skip
    assert response.status == 200, response.text
    bot.wait_idle()
    calls = publishes(bot, user)
    assert len(calls) == before + 1
    return calls[-1].params["view"]


def publishes(bot: RunningBot, user: str) -> list[Any]:
    return [c for c in bot.api.calls_to("views.publish") if c.params.get("user_id") == user]


def buttons(view: dict[str, Any]) -> list[tuple[str, str]]:
    found = []
    for block in view["blocks"]:
        for element in [block.get("accessory"), *block.get("elements", [])]:
            if isinstance(element, dict) and element.get("type") == "button":
                found.append((element["action_id"], element["value"]))
    return found
