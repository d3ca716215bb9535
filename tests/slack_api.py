"""The Slack Web API test server. It ships with podbot, which serves it in `podbot sandbox`:
the code lives in bot/sandbox/slack_api.py, and this module keeps the tests' import path.
"""

from bot.sandbox.slack_api import *  # noqa: F403
from bot.sandbox.slack_api import (
    APP_ID,
    BOT_ID,
    BOT_USER_ID,
    DEFAULT_TOKEN,
    FIXTURES,
    MAX_MESSAGE_BLOCKS,
    MAX_MESSAGE_TEXT,
    MAX_VIEW_BLOCKS,
    TEAM_DOMAIN,
    TEAM_ID,
    ApiCall,
    Ephemeral,
    Message,
    SlackApiServer,
    SlackError,
    UploadedFile,
    block_errors,
    load_fixture,
    parse_params,
)

__all__ = [
    "APP_ID",
    "BOT_ID",
    "BOT_USER_ID",
    "DEFAULT_TOKEN",
    "FIXTURES",
    "MAX_MESSAGE_BLOCKS",
    "MAX_MESSAGE_TEXT",
    "MAX_VIEW_BLOCKS",
    "TEAM_DOMAIN",
    "TEAM_ID",
    "ApiCall",
    "Ephemeral",
    "Message",
    "SlackApiServer",
    "SlackError",
    "UploadedFile",
    "block_errors",
    "load_fixture",
    "parse_params",
]
