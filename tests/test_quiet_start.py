"""A quiet start: building the Bolt App logs no warning about the token, even with the
variables Bolt reads itself set (as they are where podbot runs), and leaves them set."""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable

import pytest

from tests.conftest import SIGNING_SECRET, RunningBot

_SET = {
    "SLACK_BOT_TOKEN": "xoxb-test",
    "SLACK_CLIENT_ID": "1234.5678",
    "SLACK_CLIENT_SECRET": "not-a-secret",
}


def test_building_the_app_warns_about_no_token(
    start_bot: Callable[[str], RunningBot],
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for name, value in _SET.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.DEBUG)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        bot = start_bot(sqlite_url)
    said = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    said += [str(w.message) for w in caught]
    out = capsys.readouterr()
    said += [out.out, out.err]
    # What Bolt says when it reads the variables (the test below shows it does, unfixed).
    bolt = ("`token` will be unused", "will be ignored", "SLACK_BOT_TOKEN", "SLACK_CLIENT_ID")
    assert not [s for s in said if any(phrase in s for phrase in bolt)], said
    # The variables are as they were for the rest of the process.
    assert {name: os.environ.get(name) for name in _SET} == _SET
    # Bolt did not switch on its OAuth flow for the client id it would have read (it would
    # look for an installation and answer nothing): a signed /proc is answered as before.
    response = bot.slack.slash_command("help", user_id="U0EM00001", channel_id="C0ALPHA01")
    assert response.status == 200, response.text
    assert "/proc" in response.json()["text"]


def test_the_warnings_are_what_bolt_says_without_the_fix(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The check above can fail: Bolt given a client with SLACK_BOT_TOKEN set does warn."""
    from slack_bolt import App
    from slack_sdk import WebClient

    for name, value in _SET.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.WARNING)
    App(
        client=WebClient(token="xoxb-test"),
        signing_secret=SIGNING_SECRET,
        token_verification_enabled=False,
    )
    said = " ".join(r.getMessage() for r in caplog.records)
    assert "`token` will be unused" in said
    assert "will be ignored" in said
