"""Test helpers shared by several test modules: markup injection."""

from __future__ import annotations

from tests.commands.conftest import ANALYST, BUYER, Proc
from tests.conftest import RunningBot
from tests.helpers.modals import fill, opened_view

# Moved here from tests/commands/test_markup_injection.py by move_helpers.py (issue 28).


def submit_intake(
    bot: RunningBot, proc: Proc, customer: str, tool: str, *, again: bool = False
) -> None:
    proc(ANALYST, "new")
    _, view = opened_view(bot)
    answers = {"customer": customer, "tool": tool, "type": "new"}
    if again:  # the box that opens it beside an open request for the same customer and tool
        answers["again"] = "again"
    response = bot.slack.view_submission(
        view["callback_id"], fill(view, answers), ANALYST, private_metadata=view["private_metadata"]
    )
    assert response.status == 200 and not response.body, response.text
    bot.wait_idle()


def negotiating(proc: Proc, number: int) -> None:
    proc(ANALYST, f"qualify {number}")
    proc(ANALYST, f"assign {number} <@{BUYER}>")
