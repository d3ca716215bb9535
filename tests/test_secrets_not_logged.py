"""Secrets stay out of the logs (issue 36, docs/SECURITY.md): a run with distinctive token,
signing-secret, SMTP and ClickUp values, driven through commands, a card click's worth of
deliveries, a badly signed request and a Slack error, logs none of them anywhere."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest

from slackfake.signing import SlackClient
from tests.commands.conftest import ALPHA, ANALYST, BUYER, Proc
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, RunningBot

SMTP_PASSWORD = "smtp-pw-Q7zV3kR9-do-not-log"
SMTP_USERNAME = "relay-user-W4nB8xT2"
CLICKUP_TOKEN = "pk_81234567_CLICKUPSECRETX9Z"
SECRETS = (BOT_TOKEN, SIGNING_SECRET, SMTP_PASSWORD, SMTP_USERNAME, CLICKUP_TOKEN)


def test_no_secret_reaches_any_log_line(
    start_bot: Callable[..., RunningBot],
    database_url: str,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    caplog.set_level(logging.DEBUG)  # everything, third-party debug output included
    bot = start_bot(
        database_url,
        smtp_username=SMTP_USERNAME,
        smtp_password=SMTP_PASSWORD,
        clickup_token=CLICKUP_TOKEN,
    )
    proc = Proc(bot)
    proc(ANALYST, "help")
    proc(ANALYST, "new Acme | Figma | new")
    proc(ANALYST, "qualify REQ-1")
    proc(ANALYST, f"assign REQ-1 <@{BUYER}>")
    # Slack refusing a post is logged with its error code (the failing path logs too).
    bot.api.fail("chat.postMessage", "channel_not_found")
    proc(BUYER, "update REQ-1 asked for a 3-year quote")
    proc(BUYER, "mine")
    proc(ANALYST, "status REQ-77")  # a refusal
    # A request signed with another secret is refused (and logged as such).
    forged = SlackClient(bot.url, "not-the-signing-secret-0000000000")
    assert forged.slash_command("help", user_id=ANALYST, channel_id=ALPHA).status == 401
    bot.wait_idle()

    captured = capfd.readouterr()
    records = caplog.records
    # The run did log, the failing paths included: the check below is not over nothing.
    assert len(records) > 10
    assert any("channel_not_found" in record.getMessage() for record in records)
    lines = [
        " ".join([record.getMessage(), record.exc_text or "", repr(record.__dict__)])
        for record in records
    ]
    everything = "\n".join([*lines, captured.out, captured.err])
    leaked = [secret for secret in SECRETS if secret in everything]
    assert leaked == [], f"secrets in the logs: {leaked}"
