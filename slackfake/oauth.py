"""Slack's OAuth v2 as the stand-in plays it: workspaces (and Enterprise Grid orgs), the
authorize page, `oauth.v2.access` (a code exchanged, or a rotating token refreshed) and the
tokens it hands out, each knowing its workspace and when it expires.

As Slack does: a code is good once and for ten minutes, for the app it was issued to and the
redirect URL it was issued with; with token rotation on, a bot token lasts `token_lifetime`
seconds (Slack: 12 hours) and `grant_type=refresh_token` gives a new one (the refresh token
given back; an earlier access token stays good until its own expiry). A workspace's tokens
end when the app is uninstalled there (`uninstall`).
"""

from __future__ import annotations

import base64
import html
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

CODE_SECONDS = 600
AUTHORIZE_PATH = "/oauth/v2/authorize"
ALLOW_PATH = "/oauth/v2/authorize/allow"


class OAuthError(Exception):
    """oauth.v2.access refused: `error` is Slack's code."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


@dataclass(frozen=True)
class Workspace:
    """A workspace the stand-in knows; `enterprise_id` when it is in a Grid org."""

    team_id: str
    name: str
    enterprise_id: str | None = None
    enterprise_name: str | None = None


@dataclass
class Grant:
    """One installation's bot: its workspace (None for an org-wide install), its org."""

    team_id: str | None
    enterprise_id: str | None
    enterprise_name: str | None
    team_name: str | None
    bot_user_id: str
    bot_id: str
    refresh_token: str | None = None
    revoked: bool = False


@dataclass
class Token:
    """A bot token handed out: whose, and until when (None: no expiry)."""

    grant: Grant
    expires_at: float | None


@dataclass
class OAuthApp:
    """The app as registered at api.slack.com: its credentials, redirect URL and rotation."""

    client_id: str
    client_secret: str
    redirect_url: str
    app_id: str
    token_rotation: bool = True
    token_lifetime: int = 43_200
    scopes: str = ""


@dataclass
class _Code:
    grant: Grant
    client_id: str
    redirect_uri: str | None
    expires_at: float
    used: bool = False


@dataclass
class OAuth:
    """The OAuth side of the stand-in; `clock` is the server's (seconds)."""

    clock: Callable[[], float]
    app: OAuthApp | None = None
    workspaces: dict[str, Workspace] = field(default_factory=dict)
    tokens: dict[str, Token] = field(default_factory=dict)
    _codes: dict[str, _Code] = field(default_factory=dict)
    _grants: dict[tuple[str | None, str | None], Grant] = field(default_factory=dict)
    _serial: itertools.count = field(default_factory=lambda: itertools.count(1))  # type: ignore[type-arg]

    # -- set-up ----------------------------------------------------------------------------

    def add_workspace(
        self, team_id: str, name: str, enterprise_id: str | None = None,
        enterprise_name: str | None = None,
    ) -> None:  # fmt: skip
        """A workspace that can install the app (in the Grid org `enterprise_id`, if given)."""
        self.workspaces[team_id] = Workspace(team_id, name, enterprise_id, enterprise_name)

    def grant_of(self, token: str | None) -> Grant | None:
        """Whose bot token this is, or None for one this side never handed out."""
        known = self.tokens.get(token or "")
        return known.grant if known is not None else None

    def refusal(self, token: str) -> str | None:
        """Slack's error for a token handed out here that no longer works, else None."""
        known = self.tokens.get(token)
        if known is None:
            return None
        if known.grant.revoked:
            return "token_revoked"
        if known.expires_at is not None and self.clock() >= known.expires_at:
            return "token_expired"
        return None

    def expire(self, team_or_enterprise: str, in_seconds: float) -> None:
        """Bring the expiry of that installation's live tokens to `in_seconds` from now."""
        for token in self.tokens.values():
            if team_or_enterprise in (token.grant.team_id, token.grant.enterprise_id):
                token.expires_at = self.clock() + in_seconds

    def uninstall(self, team_or_enterprise: str) -> None:
        """The app removed there: every token of that installation stops working."""
        for key, grant in list(self._grants.items()):
            if team_or_enterprise in key:
                grant.revoked = True
                del self._grants[key]

    # -- the authorize page ----------------------------------------------------------------

    def authorize_page(self, query: dict[str, str]) -> str:
        """Slack's consent page: one Allow link per workspace (and per org, org-wide)."""
        links = []
        for ws in self.workspaces.values():
            if query.get("team") and query["team"] not in (ws.team_id, ws.enterprise_id):
                continue
            allow = urlencode({**query, "team": ws.team_id})
            links.append(f'<a href="{ALLOW_PATH}?{html.escape(allow)}">Allow in {ws.name}</a>')
        for enterprise, name in sorted(
            {
                (w.enterprise_id, w.enterprise_name)
                for w in self.workspaces.values()
                if w.enterprise_id
            }
        ):
            allow = urlencode({**query, "enterprise": enterprise})
            links.append(
                f'<a href="{ALLOW_PATH}?{html.escape(allow)}">Allow for the org {name}</a>'
            )
        return "<html><body>" + "<br>".join(links) + "</body></html>"

    def allow(self, query: dict[str, str]) -> str:
        """The installer allowed: a code issued; returns where Slack redirects the browser."""
        app = self.app
        if app is None or query.get("client_id") != app.client_id:
            raise OAuthError("invalid_client_id")
        redirect = query.get("redirect_uri") or app.redirect_url
        if redirect != app.redirect_url:
            raise OAuthError("bad_redirect_uri")
        grant = self._grant(query.get("team"), query.get("enterprise"))
        code = f"code-{next(self._serial)}"
        self._codes[code] = _Code(
            grant, app.client_id, query.get("redirect_uri"), self.clock() + CODE_SECONDS
        )
        back = {"code": code}
        if query.get("state"):
            back["state"] = query["state"]
        return f"{redirect}?{urlencode(back)}"

    def _grant(self, team_id: str | None, enterprise_id: str | None) -> Grant:
        if enterprise_id:
            names = [w for w in self.workspaces.values() if w.enterprise_id == enterprise_id]
            if not names:
                raise OAuthError("invalid_team")
            key: tuple[str | None, str | None] = (None, enterprise_id)
            team_name, enterprise_name = None, names[0].enterprise_name
        else:
            ws = self.workspaces.get(team_id or "")
            if ws is None:
                raise OAuthError("invalid_team")
            key = (ws.team_id, ws.enterprise_id)
            team_name, enterprise_name = ws.name, ws.enterprise_name
        if key not in self._grants:
            n = next(self._serial)
            self._grants[key] = Grant(
                team_id=key[0], enterprise_id=key[1], enterprise_name=enterprise_name,
                team_name=team_name, bot_user_id=f"U0BOT{n:04d}", bot_id=f"B0BOT{n:04d}",
            )  # fmt: skip
        return self._grants[key]

    # -- oauth.v2.access -------------------------------------------------------------------

    def access(self, params: dict[str, Any], authorization: str | None) -> dict[str, Any]:
        """oauth.v2.access: a code exchanged, or (`grant_type=refresh_token`) a token renewed."""
        client_id, client_secret = _credentials(params, authorization)
        app = self.app
        if app is None or client_id != app.client_id:
            raise OAuthError("invalid_client_id")
        if client_secret != app.client_secret:
            raise OAuthError("bad_client_secret")
        grant_type = params.get("grant_type") or "authorization_code"
        if grant_type == "refresh_token":
            grant = next(
                (g for g in self._grants.values()
                 if g.refresh_token and g.refresh_token == params.get("refresh_token")),
                None,
            )  # fmt: skip
            if grant is None:
                raise OAuthError("invalid_refresh_token")
        elif grant_type == "authorization_code":
            code = self._codes.get(str(params.get("code") or ""))
            if code is None or code.client_id != client_id:
                raise OAuthError("invalid_code")
            if code.used or self.clock() >= code.expires_at:
                raise OAuthError("invalid_code")
            if code.redirect_uri and params.get("redirect_uri") != code.redirect_uri:
                raise OAuthError("bad_redirect_uri")
            code.used = True
            grant = code.grant
            if grant.revoked:  # reinstalled after an uninstall: a fresh installation
                grant = self._grant(grant.team_id, grant.enterprise_id)
        else:
            raise OAuthError("invalid_grant_type")
        return self._answer(app, grant)

    def _answer(self, app: OAuthApp, grant: Grant) -> dict[str, Any]:
        n = next(self._serial)
        where = grant.team_id or grant.enterprise_id
        answer: dict[str, Any] = {
            "app_id": app.app_id,
            "authed_user": {"id": "U0INSTALLER"},
            "scope": app.scopes,
            "token_type": "bot",
            "bot_user_id": grant.bot_user_id,
            "team": {"id": grant.team_id, "name": grant.team_name} if grant.team_id else None,
            "enterprise": (
                {"id": grant.enterprise_id, "name": grant.enterprise_name}
                if grant.enterprise_id
                else None
            ),
            "is_enterprise_install": grant.team_id is None,
        }
        if app.token_rotation:
            token = f"xoxe.xoxb-1-{where}-{n}"
            grant.refresh_token = f"xoxe-1-{where}-{n}"
            self.tokens[token] = Token(grant, self.clock() + app.token_lifetime)
            answer.update(
                access_token=token, expires_in=app.token_lifetime,
                refresh_token=grant.refresh_token,
            )  # fmt: skip
        else:
            token = f"xoxb-{where}-{n}"
            self.tokens[token] = Token(grant, None)
            answer["access_token"] = token
        return answer


def _credentials(params: dict[str, Any], authorization: str | None) -> tuple[str, str]:
    """The client id and secret: HTTP Basic (as slack_sdk sends them) or form fields."""
    if authorization and authorization.lower().startswith("basic "):
        try:
            decoded = base64.b64decode(authorization[6:].strip()).decode("utf-8")
        except ValueError:
            raise OAuthError("invalid_client_id") from None
        client_id, _, secret = decoded.partition(":")
        return client_id, secret
    return str(params.get("client_id") or ""), str(params.get("client_secret") or "")
