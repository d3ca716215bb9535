"""Control characters in what people send (NUL, which PostgreSQL cannot store, among them) are
refused with one sentence and the usage, or on the form's field, and nothing is written
(hardening item 10). Tabs and line breaks are text."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text

from tests.commands.conftest import ALPHA, ANALYST, BUYER, EM, Proc
from tests.conftest import RunningBot
from tests.helpers.modals import opened_view, submit
from tests.helpers.savings import claim_message, click

TABLES = ("requests", "request_events", "quotes", "savings_claims", "contracts", "deliveries")


def counts(bot: RunningBot) -> dict[str, int]:
    with bot.db.engine.connect() as connection:
        return {t: connection.execute(text(f"select count(*) from {t}")).scalar() for t in TABLES}


def errors_logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.fixture
def negotiating(start_bot: Callable[[str], RunningBot], database_url: str) -> Proc:
    """REQ-1 under negotiation with BUYER, on SQLite and on PostgreSQL."""
    proc = Proc(start_bot(database_url))
    proc(ANALYST, "new Acme | Figma | new")
    proc(ANALYST, "qualify 1")
    proc(ANALYST, f"assign 1 <@{BUYER}>")
    return proc


@pytest.mark.parametrize(
    ("user", "command", "usage"),
    [
        (BUYER, "update REQ-1 Vendor came back\x00 at 45k", "/proc update REQ"),
        (BUYER, "quote REQ-1 SHI\x00 International 40k", "/proc quote REQ"),
        (BUYER, "close REQ-1 won signed\x07 at 40k", "/proc close REQ"),
        (ANALYST, "new Glo\x00bex | Slack | new", "/proc new <customer>"),
        (ANALYST, "contract add Acme\x00 | Figma | 48k | 2027-03-31", "/proc contract"),
        (EM, "savings REQ-1 48000 39500\x1b", "/proc savings REQ"),
    ],
)
def test_a_command_with_a_control_character_is_refused_and_writes_nothing(
    negotiating: Proc, caplog: pytest.LogCaptureFixture, user: str, command: str, usage: str
) -> None:
    proc = negotiating
    before, calls = counts(proc.bot), len(proc.bot.api.calls)
    answer = proc(user, command)
    sentence, usage_line = answer.split("\n")
    assert sentence.startswith(":warning: There is an invisible control character (U+00")
    assert sentence.endswith("; remove it and try again.")
    assert usage_line.startswith(f"Usage: `{usage}")
    assert counts(proc.bot) == before
    assert proc.bot.api.calls[calls:] == []
    assert errors_logged(caplog) == []


def test_the_refusal_says_where_the_invisible_character_is(negotiating: Proc) -> None:
    answer = negotiating(BUYER, "update REQ-1 Vendor came back\x00 at 45k")
    assert answer.startswith(
        ":warning: There is an invisible control character (U+0000) in the text, "
        "after `Vendor came back`; remove it and try again."
    )


def test_tabs_and_line_breaks_are_text(negotiating: Proc) -> None:
    answer = negotiating(BUYER, "update REQ-1 Vendor\tcame back\r\nat 45k")
    assert answer == "Update posted in REQ-1's thread."
    assert negotiating.thread(1)[-1].text.endswith(">Vendor\tcame back\n>at 45k")


def test_the_intake_form_names_the_field_with_a_control_character(
    negotiating: Proc, caplog: pytest.LogCaptureFixture
) -> None:
    bot = negotiating.bot
    bot.slack.slash_command("new", user_id=ANALYST, channel_id=ALPHA, trigger_id="1.1")
    bot.wait_idle()
    _, view = opened_view(bot)
    before, calls = counts(bot), len(bot.api.calls)
    answer = submit(
        bot, ANALYST, view, {"customer": "Glo\x00bex", "tool": "Slack", "type": "new",
                             "notes": "fine\nnotes"}
    )  # fmt: skip
    assert answer == {
        "response_action": "errors",
        "errors": {
            "customer": "There is an invisible control character (U+0000) in this field, "
            "after `Glo`; remove it and try again."
        },
    }
    assert counts(bot) == before and bot.api.calls[calls:] == []
    assert errors_logged(caplog) == []


def test_the_update_form_names_the_field_with_a_control_character(
    negotiating: Proc, caplog: pytest.LogCaptureFixture
) -> None:
    bot = negotiating.bot
    bot.slack.slash_command("update REQ-1", user_id=BUYER, channel_id=ALPHA, trigger_id="1.2")
    bot.wait_idle()
    _, view = opened_view(bot)
    before, calls = counts(bot), len(bot.api.calls)
    answer = submit(bot, BUYER, view, {"status": "Moving", "blockers": "\x00legal"})
    assert answer["response_action"] == "errors"
    assert list(answer["errors"]) == ["blockers"]
    assert "(U+0000) in this field, at its start" in answer["errors"]["blockers"]
    assert counts(bot) == before and bot.api.calls[calls:] == []
    assert errors_logged(caplog) == []


def test_a_rejection_reason_with_a_control_character_is_refused_on_the_form(
    negotiating: Proc, caplog: pytest.LogCaptureFixture
) -> None:
    proc = negotiating
    bot = proc.bot
    proc(BUYER, "savings REQ-1 48000 39500")
    click(bot, EM, "savings_reject", claim_message(proc, 1))
    view: Any = bot.api.calls_to("views.open")[-1].params["view"]
    view = json.loads(view) if isinstance(view, str) else view
    before, calls = counts(bot), len(bot.api.calls)
    values = {"reason": {"value": {"type": "plain_text_input", "value": "list\x00 price"}}}
    response = bot.slack.view_submission(
        "savings_reject", values, EM, private_metadata=view["private_metadata"]
    )
    bot.wait_idle()
    answer = response.json()
    assert answer["response_action"] == "errors"
    assert "(U+0000) in this field, after `list`" in answer["errors"]["reason"]
    assert counts(bot) == before and bot.api.calls[calls:] == []
    assert errors_logged(caplog) == []
