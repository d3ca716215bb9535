"""The ClickUp stand-in (`clickupfake`) beside the Slack one, and podbot configured for it:
POD alpha's list 901 with its statuses mapped, the REQ field, the buyer a member of both."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest

from bot.config import ClickUpSettings, Config, PodClickUp, load_config
from clickupfake.api import ClickUpApiServer
from slackfake.web_api import SlackApiServer
from tests.commands.conftest import ALPHA, ANALYST, BUYER, EM
from tests.conftest import TEST_CONFIG, RunningBot

WORKSPACE = "9001"
LIST = "901"
REQ_FIELD = "cf-req-key"
TOKEN = "pk_100_podbot"
PODBOT_USER = 100
BUYER_USER = 201
DANA = 301
STATUSES = [
    "to do", "qualified", "in progress", "security review", "on hold", "closed lost", "complete",
]  # fmt: skip
MAPPING = {
    "intake": "to do",
    "qualified": "qualified",
    "negotiating": "in progress",
    "security-review": "security review",
    "hold": "on hold",
    "closed-lost": "closed lost",
    "closed-cancelled": "closed lost",
    "disqualified": "closed lost",
    "closed-won": "complete",
}


def clickup_config(statuses: dict[str, str] | None = None, list_id: str = LIST) -> Config:
    config = load_config(TEST_CONFIG)
    alpha, *others = config.pods
    pod = PodClickUp(list_id=list_id, statuses=statuses or MAPPING, req_field=REQ_FIELD)
    return replace(
        config,
        clickup=ClickUpSettings(workspace_id=WORKSPACE, rate_limit_per_minute=60_000),
        pods=(replace(alpha, clickup=pod), *others),
    )


@pytest.fixture
def test_config() -> Config:
    """The end-to-end config with POD alpha's ClickUp list."""
    return clickup_config()


def make_clickup(**options: Any) -> ClickUpApiServer:
    """The stand-in with the workspace, its three people, the list and its REQ field."""
    server = ClickUpApiServer(**options)
    server.add_workspace(
        WORKSPACE,
        [
            {"id": PODBOT_USER, "email": "podbot@podbot.test", "username": "podbot"},
            {"id": BUYER_USER, "email": "bea@example.com", "username": "Bea Buyer"},
            {"id": DANA, "email": "dana@example.com", "username": "Dana <!channel>"},
        ],
    )
    server.add_token(TOKEN, PODBOT_USER)
    server.add_list(LIST, "Alpha requests", STATUSES)
    server.add_custom_field(LIST, REQ_FIELD, "REQ key")
    return server


@pytest.fixture
def clickup_api() -> Iterator[ClickUpApiServer]:
    with make_clickup() as server:
        yield server


def start_clickup_bot(
    start_bot: Callable[..., RunningBot],
    database_url: str,
    slack_api: SlackApiServer,
    clickup: ClickUpApiServer,
    **overrides: Any,
) -> RunningBot:
    """podbot pointed at the stand-in, its webhook on list 901 made (secret stored)."""
    slack_api.add_user(
        BUYER, real_name="Bea Buyer", display_name="Bea Buyer", email="bea@example.com"
    )
    slack_api.add_user(
        ANALYST, real_name="Ana Analyst", display_name="Ana Analyst", email="ana@example.com"
    )
    slack_api.add_user(
        EM, real_name="Em Manager", display_name="Em Manager", email="em@example.com"
    )
    bot = start_bot(database_url, clickup_token=TOKEN, clickup_api_url=clickup.url, **overrides)
    from bot.clickup.admin import create_webhook

    create_webhook(bot.runtime, LIST, f"{bot.url}/clickup/webhook")
    return bot


__all__ = ["ALPHA", "BUYER", "BUYER_USER", "DANA", "LIST", "PODBOT_USER", "REQ_FIELD"]
