"""/slack/events answers only requests signed the way Slack signs them; /proc help answers usage."""

from __future__ import annotations

import hashlib
import hmac
import time
from urllib.parse import urlencode

import pytest

from tests.conftest import SIGNING_SECRET, RunningBot

USER = "U0ANA0001"


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> str:
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def slash_body(text: str) -> str:
    return urlencode(
        {
            "token": "legacy",
            "team_id": "T0TEAM001",
            "channel_id": "C0ALPHA01",
            "user_id": USER,
            "command": "/proc",
            "text": text,
            "response_url": "https://hooks.slack.com/commands/T0TEAM001/1/abc",
            "trigger_id": "1.2.abc",
        }
    )


@pytest.mark.parametrize("text", ["help", "", "HELP"])
def test_help_answers_the_usage_ephemerally(bot: RunningBot, text: str) -> None:
    calls_before = len(bot.api.calls)
    response = bot.slack.slash_command(text, user_id=USER)
    assert response.status == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    assert "`/proc help [kpis]`" in answer["text"]
    section = next(b for b in answer["blocks"] if b["type"] == "section")
    assert "`/proc help [kpis]` — this list" in section["text"]["text"]
    bot.wait_idle()
    assert bot.api.calls[calls_before:] == []  # nothing posted anywhere


def test_an_unknown_subcommand_says_so_with_the_usage(bot: RunningBot) -> None:
    answer = bot.slack.slash_command("frobnicate REQ-1", user_id=USER).json()
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith(":warning: `frobnicate` is not a /proc command.")
    assert "Usage: `/proc help` lists them all" in answer["text"]


@pytest.mark.parametrize(
    "case",
    ["forged", "wrong-secret", "missing-signature", "missing-timestamp", "stale", "future"],
)
def test_badly_signed_requests_get_401_and_change_nothing(bot: RunningBot, case: str) -> None:
    body = slash_body("help")
    now = int(time.time())
    timestamp: int | None = now
    signature: str | None = sign(body, now)
    if case == "forged":
        signature = sign(body.replace("help", "new"), now)
    elif case == "wrong-secret":
        signature = sign(body, now, secret="not-the-secret")
    elif case == "missing-signature":
        signature = None
    elif case == "missing-timestamp":
        timestamp = None
    elif case in ("stale", "future"):
        # Future by a minute more than the skew: the request may take seconds to arrive.
        timestamp = now - 301 if case == "stale" else now + 360
        signature = sign(body, timestamp)
    calls_before = len(bot.api.calls)
    response = bot.slack.post_raw(
        body.encode(),
        "application/x-www-form-urlencoded",
        timestamp=None if timestamp is None else str(timestamp),
        signature=signature,
        omit_timestamp=timestamp is None,
        omit_signature=signature is None,
    )
    assert response.status == 401
    bot.wait_idle()
    assert bot.api.calls[calls_before:] == []


def test_a_request_signed_just_inside_five_minutes_is_accepted(bot: RunningBot) -> None:
    body = slash_body("help")
    timestamp = int(time.time()) - 290
    response = bot.slack.post_raw(
        body.encode(),
        "application/x-www-form-urlencoded",
        timestamp=str(timestamp),
        signature=sign(body, timestamp),
    )
    assert response.status == 200
    assert response.json()["response_type"] == "ephemeral"


def test_healthz_answers_without_a_signature(bot: RunningBot) -> None:
    response = bot.slack.get("/healthz")
    assert response.status == 200
    assert response.json() == {"status": "ok"}


def test_the_bot_checked_its_token_with_auth_test_on_start(bot: RunningBot) -> None:
    (call,) = bot.api.calls_to("auth.test")
    assert call.token == "xoxb-test"
