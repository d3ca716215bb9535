"""Installing podbot the way a workspace admin does (issue 36): the Add to Slack page, Slack's
authorize page (the stand-in's), Allow, and the redirect back with a code."""

from __future__ import annotations

import html
import re
from typing import Any
from urllib.parse import urlsplit

import httpx

from slackfake.oauth import ALLOW_PATH
from slackfake.web_api import SlackApiServer

CLIENT_ID = "1234567890.0987654321"
CLIENT_SECRET = "test-client-secret"
# `start_bot`'s settings for OAuth mode.
OAUTH = {"oauth": True, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}


def register_app(api: SlackApiServer, bot_url: str, *, token_rotation: bool = True) -> None:
    """The app as created from `podbot manifest --oauth`: its credentials and redirect URL."""
    from slackfake.oauth import OAuthApp

    api.oauth.app = OAuthApp(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_url=f"{bot_url}/slack/oauth_redirect",
        app_id="A0APP0001",
        token_rotation=token_rotation,
        scopes="commands,chat:write",
    )


def install(
    bot_url: str, api: SlackApiServer, *, team: str | None = None, enterprise: str | None = None
) -> httpx.Response:
    """Install through the flow in one browser (its cookies): the page podbot shows last."""
    with httpx.Client(timeout=10.0) as browser:
        page = browser.get(f"{bot_url}/slack/install")
        assert page.status_code == 200, page.text
        match = re.search(r'<a href="([^"]+)"', page.text)
        assert match, page.text
        authorize = html.unescape(match.group(1))
        assert browser.get(authorize).status_code == 200  # Slack's consent page
        who = f"enterprise={enterprise}" if enterprise else f"team={team}"
        allowed = browser.get(f"{api.origin}{ALLOW_PATH}?{urlsplit(authorize).query}&{who}")
        assert allowed.status_code == 302, allowed.text
        # Bolt's state cookie is Secure (podbot is served over https); this browser talks
        # http to the test server, so it hands the cookie back itself.
        state_cookie = page.headers["set-cookie"].split(";")[0]
        return browser.get(allowed.headers["location"], headers={"Cookie": state_cookie})


def renew_in_a_process(database_url: str, api_url: str, start: Any, tokens: Any) -> None:
    """One podbot process's view of the installation (its own engine and connections): wait
    for the others, then ask for the bot token to send with, and hand back what it got."""
    from bot.db.session import Database
    from bot.slack.installs import Installations

    db = Database(database_url)
    try:
        start.wait()
        tokens.put(Installations(db, CLIENT_ID, CLIENT_SECRET, api_url).bot_token())
    finally:
        db.dispose()


def refresh_job_in_a_process(database_url: str, api_url: str, start: Any, tokens: Any) -> None:
    """One podbot process's `token-refresh` run (its own engine and connections): wait for
    the others, run the job, and hand back the token stored after it."""
    from bot.db.session import Database
    from bot.slack.installs import Installations

    db = Database(database_url)
    try:
        installations = Installations(db, CLIENT_ID, CLIENT_SECRET, api_url)
        start.wait()
        installations.refresh_expiring()
        bot = installations.bot_of(None)
        tokens.put(bot.bot_token if bot is not None else None)
    finally:
        db.dispose()
