"""OAuth mode's installations (issue 36): which bot token podbot posts with, read from the
installations Bolt's OAuth flow stored in podbot's database (bot/db/installs.py).

In static-token mode none of this runs: the WebClient carries SLACK_BOT_TOKEN. In OAuth mode
the runtime's WebClient is an `InstalledWebClient`, which asks `Installations` for a token at
each call that names none of its own."""

from __future__ import annotations

import contextvars
import logging
import re
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackClientError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.oauth.installation_store.models.bot import Bot
from slack_sdk.oauth.token_rotation import TokenRotator
from slack_sdk.web import SlackResponse
from sqlalchemy import CursorResult, and_, delete, desc, select, update

from bot.clock import Clock, SystemClock
from bot.db.installs import installation_store
from bot.db.models import OutboxRow, OutboxStatus
from bot.db.session import Database

log = logging.getLogger(__name__)


class RedactTokens(logging.Filter):
    """Slack tokens out of a log record: slack_sdk's DEBUG lines print oauth.v2.access's
    request and answer whole, access and refresh tokens included (OAuth mode)."""

    TOKEN = re.compile(r"xox[a-z](?:\.xox[a-z])?-[A-Za-z0-9-]+")

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with every token replaced; keep the record."""
        message = record.getMessage()
        if "xox" in message:
            record.msg, record.args = self.TOKEN.sub("(redacted)", message), None
        return True


# slack_sdk's request and response lines, wherever its client is used (the OAuth flow, the
# token rotation, the worker).
logging.getLogger("slack_sdk.web.base_client").addFilter(RedactTokens())

# Slack's rotating bot tokens last 12 hours; one with less than this left is renewed before use.
REFRESH_BEFORE_MINUTES = 60
# Minutes "before expiry" that make the rotator renew whatever the token's expiry.
_ALWAYS = 10**9
# How often the `token-refresh` job runs (OAuth mode): well inside the hour it renews ahead.
REFRESH_EVERY_MINUTES = 10
# Why a workspace's rows are parked until it is installed again.
UNINSTALLED = "app_uninstalled"
REFRESH_FAILED = "token_refresh_failed"
WAITING_FOR_INSTALL = (UNINSTALLED, REFRESH_FAILED)
# Set while the worker sends a row in OAuth mode: a 429 comes back at once, and the row waits
# out Retry-After in the outbox, instead of the sending thread sleeping through it (with
# other workspaces' rows waiting behind it).
_AT_ONCE: contextvars.ContextVar[bool] = contextvars.ContextVar("at_once", default=False)
# The workspace (or org) whose token this thread's (or after-ack task's) calls go with.
_ACTING: contextvars.ContextVar[str | None] = contextvars.ContextVar("acting", default=None)


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

    def __init__(
        self,
        db: Database,
        client_id: str,
        client_secret: str | None = None,
        api_url: str | None = None,
        clock: Clock | None = None,
        *,
        many: bool = False,
    ) -> None:
        self.db = db
        # Whether PODs name their workspaces (rows carry one); else one workspace, rows none.
        self.many = many
        # Workspaces whose failed renewal this process has logged (until installed again).
        self._failures_said: set[str | None] = set()
        self._said_lock = threading.Lock()
        self.store = installation_store(client_id, db.engine)
        self.client_id = client_id
        self.clock = clock or SystemClock()  # when rows are parked and resumed (real time)
        # Renews rotating tokens by oauth.v2.access (grant_type=refresh_token).
        self.rotator = TokenRotator(
            client_id=client_id,
            client_secret=client_secret or "",
            client=WebClient(base_url=api_url) if api_url else None,
        )

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
        """The bot token to post with for a workspace (or org), renewed first when under an
        hour is left; None when not installed, or when renewing failed."""
        bot = self.bot_of(workspace)
        if bot is None:
            return None
        if _expiring(bot):
            return self.refresh(bot, workspace)
        return bot.bot_token

    def missing(self, workspace: str | None) -> str | None:
        """Why nothing can be sent for the workspace now (`UNINSTALLED`, `REFRESH_FAILED`),
        or None when its token is good (renewed here first if it was expiring)."""
        if self.bot_of(workspace) is None:
            return UNINSTALLED
        return REFRESH_FAILED if self.bot_token(workspace) is None else None

    def refresh_expiring(self, now: datetime | None = None) -> tuple[int, int]:
        """The `token-refresh` job (OAuth mode): renew every installation's bot token that
        expires within the hour at `now` (default: this object's clock), each through
        `refresh` (so one renewal however many processes run the job or send at once; a
        refusal parks that workspace's rows). Returns (renewed, refused)."""
        at = (now or self.clock.now()).astimezone(UTC).replace(tzinfo=None)
        due = at + timedelta(minutes=REFRESH_BEFORE_MINUTES)
        bots = self.store.bots
        query = (
            select(bots)
            .where(bots.c.client_id == self.client_id, bots.c.bot_refresh_token.is_not(None))
            .order_by(desc(bots.c.installed_at), desc(bots.c.id))
        )
        seen: set[tuple[str | None, str | None]] = set()
        expiring: list[tuple[Bot, str | None]] = []
        with self.store.engine.connect() as connection:
            for row in connection.execute(query).mappings():
                key = (row["enterprise_id"], row["team_id"])
                if key in seen:  # an older installation of the same workspace: not used
                    continue
                seen.add(key)
                expires = row["bot_token_expires_at"]
                if not row["bot_token"] or expires is None or expires > due:
                    continue
                org_wide = bool(row["is_enterprise_install"])
                workspace = row["enterprise_id"] if org_wide else row["team_id"]
                if not self.many:  # one workspace: its rows name none
                    workspace = None
                expiring.append((self.store.build_bot_entity(row), workspace))
        renewed = refused = 0
        for bot, workspace in expiring:
            if self.refresh(bot, workspace, due=True) is None:
                refused += 1
            else:
                renewed += 1
        return renewed, refused

    def refresh(self, bot: Bot, workspace: str | None, *, due: bool = False) -> str | None:
        """Renew an expiring bot token once, however many processes want it at the same time:
        the bot's row is locked (PostgreSQL: FOR UPDATE; SQLite: the write lock of the
        transaction), and whoever gets it second finds the token renewed. A refusal parks
        the workspace's rows (`REFRESH_FAILED`), says so in one line, and gives None. `due`:
        the caller (the job, on its clock) decided the token is expiring; renew it."""
        bots = self.store.bots
        with self.db.transaction() as session:
            row = (
                session.execute(
                    select(bots)
                    .where(bots.c.bot_refresh_token == bot.bot_refresh_token)
                    .with_for_update()
                )
                .mappings()
                .first()
            )
            if row is None:  # renewed meanwhile by someone else: read what they stored
                session.rollback()
                fresh = self.bot_of(workspace)
                return fresh.bot_token if fresh is not None else None
            locked = self.store.build_bot_entity(row)
            try:
                renewed = self.rotator.perform_bot_token_rotation(
                    bot=locked,
                    # The rotator compares with real time; the job decided on its own clock.
                    minutes_before_expiration=_ALWAYS if due else REFRESH_BEFORE_MINUTES,
                )
            except (SlackClientError, OSError) as exc:
                reason = getattr(getattr(exc, "api_error", None), "response", None)
                error = reason.get("error") if reason is not None else type(exc).__name__
                session.rollback()
                parked = self.park(workspace, REFRESH_FAILED)
                with self._said_lock:  # one line per workspace, not one per row sent
                    first = workspace not in self._failures_said
                    self._failures_said.add(workspace)
                log.log(
                    logging.ERROR if first else logging.DEBUG,
                    "the bot token of workspace %s could not be renewed (%s): its %d pending "
                    "deliveries are parked until podbot is installed there again",
                    workspace or bot.team_id, error, parked,
                )  # fmt: skip
                return None
            if renewed is None:  # not expiring after all
                return locked.bot_token
            values = {
                "bot_token": renewed.bot_token,
                "bot_refresh_token": renewed.bot_refresh_token,
                "bot_token_expires_at": renewed.to_dict()["bot_token_expires_at"].replace(
                    tzinfo=None
                ),
            }
            for table in (bots, self.store.installations):
                session.execute(
                    update(table)
                    .where(table.c.bot_refresh_token == bot.bot_refresh_token)
                    .values(**values)
                )
        log.info("renewed the bot token of workspace %s", workspace or bot.team_id)
        return renewed.bot_token

    def park(self, workspace: str | None, reason: str) -> int:
        """Park the workspace's pending rows (all of them when PODs name no workspace)."""
        workspace = workspace if self.many else None
        with self.db.transaction() as session:
            result = session.execute(
                update(OutboxRow)
                .where(OutboxRow.status == OutboxStatus.PENDING.value, _rows_of(workspace))
                .values(status=OutboxStatus.PARKED.value, last_error=reason)
                .execution_options(synchronize_session=False)
            )
            assert isinstance(result, CursorResult)
            return result.rowcount

    def resume(self, workspace: str | None) -> int:
        """Installed again: the rows parked for the workspace's missing install are due now."""
        workspace = workspace if self.many else None
        with self._said_lock:
            self._failures_said.discard(workspace)
        with self.db.transaction() as session:
            result = session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.status == OutboxStatus.PARKED.value,
                    OutboxRow.last_error.in_(WAITING_FOR_INSTALL),
                    _rows_of(workspace),
                )
                .values(
                    status=OutboxStatus.PENDING.value,
                    last_error=None,
                    next_attempt_at=self.clock.now(),
                )
                .execution_options(synchronize_session=False)
            )
            assert isinstance(result, CursorResult)
            return result.rowcount

    def remove(self, workspace: str) -> int:
        """Delete the workspace's (or org's) installation and bot tokens; park its rows."""
        org = workspace.startswith("E")
        with self.db.transaction() as session:
            for table in (self.store.bots, self.store.installations):
                column = table.c.enterprise_id if org else table.c.team_id
                where = and_(table.c.client_id == self.client_id, column == workspace)
                if org:
                    where = and_(where, table.c.is_enterprise_install.is_(True))
                session.execute(delete(table).where(where))
        return self.park(workspace, UNINSTALLED)

    def refresh_failures(self) -> list[str]:
        """Workspaces whose rows are parked because their token could not be renewed."""
        with self.db.transaction() as session:
            found = session.scalars(
                select(OutboxRow.team_id)
                .where(
                    OutboxRow.status == OutboxStatus.PARKED.value,
                    OutboxRow.last_error == REFRESH_FAILED,
                )
                .distinct()
            ).all()
        return sorted(team or "the workspace" for team in found)

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


def _expiring(bot: Bot) -> bool:
    expires = bot.bot_token_expires_at
    return (
        bool(bot.bot_refresh_token)
        and expires is not None
        and (expires <= time.time() + REFRESH_BEFORE_MINUTES * 60)
    )


def _rows_of(workspace: str | None) -> Any:
    """The outbox rows sent for the workspace; with None (one workspace), all of them."""
    if workspace is None:
        return OutboxRow.id.is_not(None)
    return OutboxRow.team_id == workspace


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

    def api_call(
        self, api_method: str, *, headers: dict[str, str] | None = None, **kwargs: Any
    ) -> SlackResponse:
        """The call with the installed bot's token, unless it names a token of its own."""
        if self.token is None and not _names_a_token(kwargs):
            token = self.token_for(_ACTING.get())
            if token:
                headers = {**(headers or {}), "Authorization": f"Bearer {token}"}
        return super().api_call(api_method, headers=headers, **kwargs)


@contextmanager
def acting_for(client: WebClient, workspace: str | None) -> Iterator[None]:
    """`client`'s calls on this thread go with that workspace's token (OAuth mode); with a
    static token, or no workspace named, nothing changes."""
    if isinstance(client, InstalledWebClient) and workspace is not None:
        before = _ACTING.set(workspace)
        try:
            yield
        finally:
            _ACTING.reset(before)
    else:
        yield


@contextmanager
def ratelimits_at_once(on: bool = True) -> Iterator[None]:
    """With `on`, a 429 answered to this thread's calls is raised at once (`RateLimitRetry`
    does not wait it out): the outbox worker in OAuth mode, which keeps the row for later."""
    before = _AT_ONCE.set(on)
    try:
        yield
    finally:
        _AT_ONCE.reset(before)


class RateLimitRetry(RateLimitErrorRetryHandler):
    """slack_sdk's 429 retry (sleep Retry-After, try again), except inside
    `ratelimits_at_once`."""

    def _can_retry(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if _AT_ONCE.get():
            return False
        return super()._can_retry(state=state, request=request, response=response, error=error)


class CarryingWorkspace(Executor):
    """An executor whose tasks run in the context they were submitted from, so what follows
    an ack (a modal, an ephemeral) goes with the token of the workspace the request came from."""

    def __init__(self, inner: Executor) -> None:
        self.inner = inner

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run `fn` on the inner executor, in a copy of the submitter's context."""
        return self.inner.submit(contextvars.copy_context().run, fn, *args, **kwargs)

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Shut the inner executor down."""
        self.inner.shutdown(wait=wait, cancel_futures=cancel_futures)
