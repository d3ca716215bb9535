"""The composition root: `build_runtime` assembles what one podbot process shares (config,
database, clock, the Slack seam and the outbox worker), and every process is built by it —
`podbot serve`, `podbot scheduler`, `podbot jobs run`, the sandbox, the tests and the benches.
Nothing is global: handlers and jobs get the `Runtime` passed in."""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import timedelta
from enum import Enum
from typing import Any, TypedDict

from slack_sdk import WebClient
from slack_sdk.http_retry import RetryIntervalCalculator
from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    ServerErrorRetryHandler,
)
from slack_sdk.http_retry.handler import default_interval_calculator

from bot.clickup.client import ClickUpApi
from bot.clickup.deliver import ClickUpSender
from bot.clock import Clock, SystemClock
from bot.config import Config, MissingSetting, Settings
from bot.db import reply_clocks, request_clocks
from bot.db.migrate import check_schema, upgrade
from bot.db.pods import sync_pods
from bot.db.session import Database
from bot.mail.smtp import SmtpSettings
from bot.slack.installs import Installations, InstalledWebClient, RateLimitRetry
from bot.slack.pacing import ChannelTurns
from bot.slack.web_api import LOOKUP_INTERVAL, SlackApi, WebApiError
from bot.slack.worker import OutboxWorker

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    """Configuration, database, clock and the Slack seam of one podbot process; frozen: what a
    process shares is decided when it is built (`build_runtime`, by way of `bot/process.py`)."""

    config: Config
    settings: Settings
    db: Database
    clock: Clock
    slack: SlackApi
    # Sends the outbox's rows; started by `bot.process.Process`, drained by one-shot commands.
    outbox_worker: OutboxWorker
    # Runs what follows an ack (modals, follow-up ephemerals) off the request's thread: the
    # after-ack threads of a process that serves Slack (`bot.process.open_process`), None in
    # one that serves nothing (scheduler, jobs run).
    background: Executor | None = None
    # ClickUp's API with CLICKUP_TOKEN, when `[clickup]` is configured (issue 31).
    clickup: ClickUpApi | None = None
    # OAuth mode's installations (issue 36); None in static-token mode.
    installations: Installations | None = None


class WorkerOptions(TypedDict, total=False):
    """How a process's outbox worker is built, beside what the runtime gives it (a test's
    narrower worker: one sending thread, a pacing clock that stands still, a zero lease)."""

    threads: int
    pace_clock: Callable[[], float]
    lease: timedelta


class Schema(Enum):
    """What `build_runtime` does about the database schema."""

    CHECK = "check"  # refuse to start on a schema behind the code (SchemaOutOfDate)
    UPGRADE = "upgrade"  # migrate to the head first (the sandbox's fresh database)


class _PausedBackoff(RetryIntervalCalculator):
    """The SDK's backoff between its own retries, paused with `pause` instead of slept."""

    def __init__(self, pause: Callable[[float], object]) -> None:
        self._pause = pause

    def calculate_sleep_duration(self, current_attempt: int) -> float:
        self._pause(default_interval_calculator.calculate_sleep_duration(current_attempt))
        return 0.0


def make_web_client(
    settings: Settings,
    *,
    pause: Callable[[float], object] | None = None,
    token_for: Callable[[str | None], str | None] | None = None,
) -> WebClient:
    """A WebClient on SLACK_API_URL that retries 429s, connection errors and 5xx answers.
    `pause` (default: sleep) waits out its backoff between retries of connection errors and
    5xx: a test in simulated time passes it without waiting. With `token_for` (OAuth mode),
    the bot token is looked up at each call instead of SLACK_BOT_TOKEN."""
    backoff = default_interval_calculator if pause is None else _PausedBackoff(pause)
    if token_for is not None:
        return InstalledWebClient(token_for, **_client_options(settings, backoff))
    return WebClient(token=settings.bot_token, **_client_options(settings, backoff))


def _client_options(settings: Settings, backoff: RetryIntervalCalculator) -> dict[str, Any]:
    return dict(
        base_url=settings.api_url,
        # slack_sdk annotates `timeout` as int, yet hands it to urllib, which takes seconds as a
        # float: PODBOT_SLACK_TIMEOUT may be fractional.
        timeout=settings.slack_timeout,
        retry_handlers=[
            ConnectionErrorRetryHandler(max_retry_count=2, interval_calculator=backoff),
            RateLimitRetry(max_retry_count=3),
            ServerErrorRetryHandler(max_retry_count=2, interval_calculator=backoff),
        ],
    )


def resolve_people(config: Config, slack: SlackApi) -> Config:
    """The config with each member given by email replaced by their Slack user id
    (users.lookupByEmail). One warning line for each that cannot be found, who is then left
    out (`podbot doctor` says what to do); without a token, every email is left out."""
    ids: dict[str, str] = {}
    for email in config.emails():
        if not slack.client.token:
            log.warning("%s: members given by email need SLACK_BOT_TOKEN; left out", email)
            continue
        try:
            ids[email] = slack.user_by_email(email)
        except WebApiError as exc:
            log.warning(
                "%s (%s) left out: Slack found no member with this email (%s); run `podbot "
                "doctor`", email, config.path, exc.error,
            )  # fmt: skip
    return config.with_people(ids)


def smtp_settings(config: Config, settings: Settings) -> SmtpSettings | None:
    """The SMTP relay customer updates are emailed through (`[email]`, the login from the
    environment), or None when none is configured."""
    email = config.email
    if email.host is None:
        return None
    return SmtpSettings(
        host=email.host, port=email.port, sender=email.sender, username=settings.smtp_username,
        password=settings.smtp_password, starttls=email.starttls, ca_file=email.ca_file,
    )  # fmt: skip


def build_runtime(
    config: Config,
    settings: Settings,
    *,
    db: Database | None = None,
    clock: Clock | None = None,
    schema: Schema = Schema.CHECK,
    delivery_clock: Clock | None = None,
    slack_pause: Callable[[float], object] | None = None,
    worker: WorkerOptions | None = None,
    background: Executor | None = None,
) -> Runtime:
    """Assemble one process: the database on `settings.database_url` (or `db`), its schema
    checked or upgraded, the configured PODs synced into it, the Slack seam and the worker.
    Raises SchemaOutOfDate when the schema is behind and `schema` is CHECK. The outbox's rows
    are timed on `delivery_clock` (default: real time, whatever `clock` says), and the Slack
    client's backoff between its own retries is waited with `slack_pause` (default: sleep).
    `worker` narrows the outbox worker; `background` is the after-ack threads of a process that
    serves Slack."""
    db = db or Database(settings.database_url)
    if schema is Schema.UPGRADE:
        upgrade(db.engine)
    else:
        check_schema(db.engine)
    installations = None
    if settings.oauth:
        if not settings.client_id:
            raise MissingSetting("OAuth mode needs SLACK_CLIENT_ID and SLACK_CLIENT_SECRET.")
        installations = Installations(
            db, settings.client_id, settings.client_secret, settings.api_url,
            many=config.names_workspaces(),
        )  # fmt: skip
    slack = SlackApi(
        make_web_client(
            settings,
            pause=slack_pause,
            token_for=installations.bot_token if installations is not None else None,
        ),
        channel_interval=settings.channel_interval,
        turns=ChannelTurns(db),
        # Where posts are not paced (tests, the sandbox: Slack is the stand-in), nor lookups.
        lookup_interval=LOOKUP_INTERVAL if settings.channel_interval > 0 else 0.0,
    )
    if config.emails():  # members given by email: their ids, before anything reads them
        config = resolve_people(config, slack)
    with db.transaction() as session:
        sync_pods(session, config)
        # Mentions from before migration 0032 or written around the use case: their reply
        # clocks, now that the PODs' calendars are known (none, usually: one indexed look).
        reply_clocks.record(session, config)
        # Requests and updates from before migration 0034 or written around the use cases:
        # their clocks (`bot.db.request_clocks`), likewise.
        request_clocks.record(session, config)
    clock = clock or SystemClock()
    outbox_worker = OutboxWorker(
        db,
        slack,
        config,
        slack_timeout=settings.slack_timeout,
        clock=delivery_clock,
        domain_clock=clock,
        **(worker or {}),
        smtp=smtp_settings(config, settings),
    )
    outbox_worker.installations = installations
    clickup = make_clickup(config, settings)
    if clickup is not None and config.clickup is not None:
        # Its own turns: the workspace's pace in real time, whatever the delivery clock says.
        outbox_worker.clickup = ClickUpSender(
            db, config, clickup, slack, turns=ChannelTurns(db), clock=outbox_worker.clock
        )
    return Runtime(
        config=config,
        settings=settings,
        db=db,
        clock=clock,
        slack=slack,
        outbox_worker=outbox_worker,
        background=background,
        clickup=clickup,
        installations=installations,
    )


def make_clickup(
    config: Config, settings: Settings, *, retries: int = 0,
    pause: Callable[[float], object] | None = None,
) -> ClickUpApi | None:  # fmt: skip
    """ClickUp's API with CLICKUP_TOKEN at CLICKUP_API_URL (else `[clickup] api_url`); None
    when ClickUp is not configured or has no token. `retries`: a one-shot command's."""
    if config.clickup is None or not settings.clickup_token:
        return None
    url = settings.clickup_api_url or config.clickup.api_url
    if pause is None:
        return ClickUpApi(url, settings.clickup_token, retries=retries)
    return ClickUpApi(url, settings.clickup_token, retries=retries, pause=pause)
