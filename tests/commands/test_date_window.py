"""Dates outside the window podbot takes (1901-01-01 to 2199-12-31: an export's "no date"
0001-01-01, "no end" 9999-12-31) are refused wherever a command or form reads a date, with
one sentence and nothing written (issue 25 item 1)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import text

from tests.commands.conftest import ANALYST, BUYER, Proc
from tests.conftest import RunningBot
from tests.helpers.modals import INTAKE, opened_view, submit

TABLES = ("requests", "request_events", "contracts", "deliveries")
WINDOW = "is outside the dates podbot takes, 1901-01-01 to 2199-12-31."


def counts(bot: RunningBot) -> dict[str, int]:
    with bot.db.engine.connect() as connection:
        return {t: connection.execute(text(f"select count(*) from {t}")).scalar() for t in TABLES}


@pytest.fixture
def negotiating(start_bot: Callable[[str], RunningBot], sqlite_url: str) -> Proc:
    """REQ-1 under negotiation with BUYER."""
    proc = Proc(start_bot(sqlite_url))
    proc(ANALYST, "new Acme | Figma | new")
    proc(ANALYST, "qualify 1")
    proc(ANALYST, f"assign 1 <@{BUYER}>")
    return proc


@pytest.mark.parametrize(
    ("command", "day", "usage"),
    [
        ("new Globex | Slack | renewal | 48k | 9999-12-31", "9999-12-31", "/proc new <customer>"),
        ("contract add Globex | Slack | 48k | 2200-01-01", "2200-01-01", "/proc contract add"),
        ("close REQ-1 won | 48k | 9999-12-31", "9999-12-31", "/proc close REQ"),
    ],
)
def test_a_date_outside_the_window_is_refused_by_the_command_and_writes_nothing(
    negotiating: Proc, command: str, day: str, usage: str
) -> None:
    proc = negotiating
    before, calls = counts(proc.bot), len(proc.bot.api.calls)
    sentence, usage_line = proc(ANALYST, command).split("\n")
    assert sentence == f":warning: `{day}` {WINDOW}"
    assert usage_line.startswith(f"Usage: `{usage}")
    assert counts(proc.bot) == before
    assert proc.bot.api.calls[calls:] == []


def test_a_renewal_date_outside_the_window_is_refused_on_the_intake_forms_field(
    bot: RunningBot, proc: Proc
) -> None:
    # Slack's date picker has no bounds, and a client may send any date.
    proc(ANALYST, "new")
    _, view = opened_view(bot)
    before = len(bot.api.calls)
    answer = submit(bot, ANALYST, view, {**INTAKE, "renewal_date": "9999-12-31"})
    assert answer == {
        "response_action": "errors",
        "errors": {"renewal_date": f"9999-12-31 {WINDOW}"},
    }
    assert bot.api.calls[before:] == []
    assert counts(bot)["requests"] == 0
