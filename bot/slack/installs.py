"""OAuth mode's installations (issue 36): which bot token podbot posts with, read from the
installations Bolt's OAuth flow stored in podbot's database (bot/db/installs.py).

In static-token mode none of this runs: the WebClient carries SLACK_BOT_TOKEN. In OAuth mode
the runtime's WebClient is an `InstalledWebClient`, which asks `Installations` for a token at
each call that names none of its own."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from slack_sdk import WebClient
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.web import SlackResponse
from sqlalchemy import desc, select

from bot.db.installs import installation_store
from bot.db.session import Database

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Install:
    """One installation as an operator sees it (`podbot installs list`)."""

    team_id: str | None
    enterprise_id: str | None
    team_name: str | None
    org_wide: bool
    installed_at: datetime
    expires_at: datetime | None


class Installations:
    """The installations of the app `client_id` in podbot's database."""

    def __init__(self, db: Database, client_id: str) -> None:
        self.store = installation_store(client_id, db.engine)
        self.client_id = client_id

    def latest_bot(self) -> Bot | None:
        """The most recently installed bot, whatever its workspace (one-workspace OAuth mode)."""
        bots = self.store.bots
        query = (
            select(bots)
            .where(bots.c.client_id == self.client_id, bots.c.bot_token.is_not(None))
            .order_by(desc(bots.c.installed_at), desc(bots.c.id))
            .limit(1)
        )
        with self.store.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return self.store.build_bot_entity(row) if row is not None else None

    def bot_of(self, workspace: str | None) -> Bot | None:
        """The bot installed for a workspace (T…), or for an org by an org-wide install (E…);
        with None, the latest installed (one workspace)."""
        if workspace is None:
            return self.latest_bot()
        bots = self.store.bots
        column = bots.c.enterprise_id if workspace.startswith("E") else bots.c.team_id
        query = select(bots).where(bots.c.client_id == self.client_id, column == workspace)
        if workspace.startswith("E"):
            query = query.where(bots.c.is_enterprise_install.is_(True))
        query = query.order_by(desc(bots.c.installed_at), desc(bots.c.id)).limit(1)
        with self.store.engine.connect() as connection:
            row = connection.execute(query).mappings().first()
        return self.store.build_bot_entity(row) if row is not None and row["bot_token"] else None

    def bot_token(self, workspace: str | None = None) -> str | None:
        """The bot token to post with for a workspace (or org), or None when not installed."""
        bot = self.bot_of(workspace)
        return bot.bot_token if bot is not None else None

    def listed(self) -> list[Install]:
        """Every workspace's (or org's) latest installation, newest first."""
        bots = self.store.bots
        query = (
            select(bots)
            .where(bots.c.client_id == self.client_id)
            .order_by(desc(bots.c.installed_at), desc(bots.c.id))
        )
        seen: set[tuple[str | None, str | None]] = set()
        found: list[Install] = []
        with self.store.engine.connect() as connection:
            for row in connection.execute(query).mappings():
                key = (row["enterprise_id"], row["team_id"])
                if key in seen:
                    continue
                seen.add(key)
                found.append(
                    Install(
                        team_id=row["team_id"],
                        enterprise_id=row["enterprise_id"],
                        team_name=row["team_name"],
                        org_wide=bool(row["is_enterprise_install"]),
                        installed_at=row["installed_at"],
                        expires_at=row["bot_token_expires_at"],
                    )
                )
        return found


def _names_a_token(kwargs: dict[str, Any]) -> bool:
    if kwargs.get("auth"):  # oauth.v2.access: the app's id and secret instead
        return True
    return any(
        isinstance(part, dict) and part.get("token")
        for part in (kwargs.get("params"), kwargs.get("json"), kwargs.get("data"))
    )


class InstalledWebClient(WebClient):
    """A WebClient whose bot token is looked up at each call (`token_for`): OAuth mode's, for
    the workspace the calling thread acts for (`acting_for`)."""

    def __init__(self, token_for: Callable[[str | None], str | None], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.token_for = token_for
        self._acting = threading.local()

    @contextmanager
    def acting_for(self, workspace: str | None) -> Iterator[None]:
        """Calls on this thread go with that workspace's (or org's) bot token meanwhile."""
        before = getattr(self._acting, "workspace", None)
        self._acting.workspace = workspace
        try:
            yield
        finally:
            self._acting.workspace = before

    def api_call(
        self, api_method: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> SlackResponse:
        """The call with the installed bot's token, unless it names a token of its own."""
        if self.token is None and not _names_a_token(kwargs):
            token = self.token_for(getattr(self._acting, "workspace", None))
            if token:
                headers = {**(headers or {}), "Authorization": f"Bearer {token}"}
        return super().api_call(api_method, headers=headers, **kwargs)


@contextmanager
def acting_for(client: WebClient, workspace: str | None) -> Iterator[None]:
    """`client`'s calls on this thread go with that workspace's token (OAuth mode); with a
    static token, or no workspace named, nothing changes."""
    if isinstance(client, InstalledWebClient) and workspace is not None:
        with client.acting_for(workspace):
            yield
    else:
        yield
