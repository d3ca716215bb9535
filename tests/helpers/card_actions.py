"""Test helpers shared by several test modules: card actions."""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import RunningBot

# Moved here from tests/commands/test_card_actions.py by move_helpers.py (issue 28).


def opened_view(bot: RunningBot) -> dict[str, Any]:
    view = bot.api.calls_to("views.open")[-1].params["view"]
    return dict(json.loads(view) if isinstance(view, str) else view)


def submit(
    bot: RunningBot, user: str, view: dict[str, Any], values: dict[str, Any]
) -> dict[str, Any] | None:
    response = bot.slack.view_submission(
        view["callback_id"], values, user, private_metadata=view["private_metadata"]
    )
    assert response.status == 200, response.text
    bot.wait_idle()
    return response.json() if response.body else None
