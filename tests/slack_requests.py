"""Signed requests, sent the way Slack sends them. The client ships with podbot, whose sandbox
page drives the bot through it: the code lives in bot/sandbox/signing.py, and this module keeps
the tests' import path.
"""

from bot.sandbox.signing import *  # noqa: F403
from bot.sandbox.signing import (
    EVENTS_PATH,
    FIXTURES,
    Response,
    SlackClient,
    slack_signature,
)

__all__ = ["EVENTS_PATH", "FIXTURES", "Response", "SlackClient", "slack_signature"]
