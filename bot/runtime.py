"""What every handler and job needs, built once per process and passed in (no globals)."""

from __future__ import annotations

from concurrent.futures import Executor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.clock import Clock
from bot.config import Config, Settings
from bot.db.session import Database
from bot.slack.web_api import SlackApi

if TYPE_CHECKING:
    from bot.slack.worker import OutboxWorker


@dataclass
class Runtime:
    """Configuration, database, clock and the Slack seam of one podbot process."""

    config: Config
    settings: Settings
    db: Database
    clock: Clock
    slack: SlackApi
    # Sends the outbox's rows; started by `serve` and `scheduler`, drained by one-shot commands.
    outbox_worker: OutboxWorker | None = None
    # Runs what follows an ack (modals, follow-up ephemerals) off the request's thread.
    background: Executor | None = None
