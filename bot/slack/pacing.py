"""Slack's pace across processes: posts into one channel from several podbot processes.

`SlackApi` spaces the posts of its own process (about one message per second per channel).
Processes sharing a database (`serve --no-scheduler` beside `scheduler`, `serve --workers`)
also take turns through the `channel_turns` table: a process takes a channel's turn before it
posts and hands it back once Slack has answered, free again one interval later. A process
that dies while holding a turn holds it only until its lease runs out.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from bot import metrics
from bot.clock import Clock, SystemClock
from bot.db.channel_turns import end_turn, take_turn
from bot.db.session import Database, current_session

log = logging.getLogger(__name__)
# Longest a post may hold its channel's turn: a Slack call with the WebClient's retries.
LEASE_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Turn:
    """A channel's turn, held by one post."""

    channel: str
    holder: str


class ChannelTurns:
    """Takes and hands back channels' turns in the database (in real time, whatever the
    domain clock says)."""

    def __init__(
        self,
        db: Database,
        lease: float = LEASE_SECONDS,
        clock: Clock | None = None,
    ) -> None:
        self.db = db
        self.lease = timedelta(seconds=lease)
        self.clock = clock or SystemClock()
        # This thread's hand-backs kept for its caller's own statement (`deferred`).
        self._local = threading.local()

    def take(self, channel: str, interval: float, after: float = 0.0) -> Turn | None:
        """Take the channel's turn for a post `after` seconds from now, waiting for it if
        another process holds it; None when it could not be taken (the database is
        unreachable: the post goes ahead on this process's own pace)."""
        if interval <= 0:
            return None
        if current_session() is not None:
            # Never wait on Slack inside a transaction (on SQLite it would wait on itself).
            log.warning("a post inside a transaction skipped the channel's turn: %s", channel)
            return None
        kept: list[tuple[Turn, datetime]] | None = getattr(self._local, "kept", None)
        if kept and any(held.channel == channel for held, _ in kept):
            self._hand_back(kept)  # this thread's own turn there, kept: written first
        turn = Turn(channel, uuid.uuid4().hex[:16])
        intended = self.clock.now() + timedelta(seconds=max(after, 0.0))
        waited = False
        while True:
            now = self.clock.now()
            at = max(now, intended)
            try:
                with self.db.statements() as connection:
                    taken, free_at, held = take_turn(
                        connection, channel, turn.holder, at, at + self.lease
                    )
            except SQLAlchemyError as exc:
                log.warning("channel turns unavailable (%s); posting on this process's pace", exc)
                metrics.record_channel_turn("unavailable")
                return None
            if taken:
                metrics.record_channel_turn("waited" if waited else "taken")
                return turn
            waited = True
            wait = (free_at - now).total_seconds()
            if held:
                # Another process is posting: its turn frees one interval after Slack answers.
                wait = min(wait, interval)
            time.sleep(max(wait, 0.001))

    def give_back(self, turn: Turn, interval: float) -> None:
        """Hand the turn back (Slack has just answered), free again `interval` seconds on.
        Inside `deferred`, only noted: the caller writes it with its own statement."""
        free_at = self.clock.now() + timedelta(seconds=interval)
        kept: list[tuple[Turn, datetime]] | None = getattr(self._local, "kept", None)
        if kept is not None:
            kept.append((turn, free_at))
            return
        self._hand_back([(turn, free_at)])

    @contextmanager
    def deferred(self) -> Iterator[list[tuple[Turn, datetime]]]:
        """Keep this thread's hand-backs (each free again when Slack answered plus the
        interval, whenever it is written) for the caller to write in a statement it makes
        anyway (`write`: the delivery worker records the delivery in the same one); those it
        has not written are written on leaving. A later write only keeps a turn a little
        longer: never sooner than one interval after Slack's answer."""
        kept: list[tuple[Turn, datetime]] = []
        self._local.kept = kept
        try:
            yield kept
        finally:
            self._local.kept = None
            if kept:
                self._hand_back(kept)

    @staticmethod
    def write(connection: Connection, kept: list[tuple[Turn, datetime]]) -> None:
        """Write kept hand-backs on `connection` (the caller's statements); the caller
        clears `kept` once they are committed (else they are written again on leaving)."""
        for turn, free_at in kept:
            end_turn(connection, turn.channel, turn.holder, free_at)

    def _hand_back(self, kept: list[tuple[Turn, datetime]]) -> None:
        try:
            with self.db.statements() as connection:
                self.write(connection, kept)
            kept.clear()
        except SQLAlchemyError as exc:
            # Its lease runs out on its own; the channel waits until then.
            channels = ", ".join(turn.channel for turn, _ in kept)
            log.warning("could not hand back %s's turn: %s", channels, exc)
