"""How podbot's HTTP listeners hold up against slow and surplus clients (SPEC §6).

uvicorn times out a keep-alive connection between two requests, and nothing else. A client that
sends its request line and headers a byte at a time is never timed out (the keep-alive timer is
cancelled by the first byte and set again only after a response; a new connection has none at
all), nor is a body that dribbles on after the answer; `limit_concurrency` answers 503 only once
a request's headers are complete, so half-sent requests still hold a file descriptor each. 238
such connections held every descriptor of a 256-descriptor process, and Slack's next request was
reset (issue 25).

`GuardedHttpTools` and `GuardedH11` are uvicorn's two HTTP protocols with, per connection:

- a header deadline: a request's line and headers arrive within `header_timeout` seconds of the
  connection opening, or of the first byte of a later request on it; at most `MAX_HEADER_BYTES`
  of them (431 past that);
- a body deadline: the body arrives within `body_timeout` seconds of the headers' end;

and, per process, a cap of `max_connections` open connections: over it, the connection that has
been idle or sending its request the longest is closed to admit the new one (a dribbler, never
a request the app is answering); when every other connection is being answered, the new one is
answered 503 and closed. A connection cut off while sending a request is answered 408 when no
answer has started. `serve`, `BackgroundServer` (tests, the sandbox, the operations listener)
take their uvicorn options from `uvicorn_options`.
"""

from __future__ import annotations

import asyncio
import enum
import functools
import logging
import math
import resource
import threading
import time
from collections import Counter
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from bot import metrics

if TYPE_CHECKING:
    from bot.config import Settings

log = logging.getLogger(__name__)

# Slack's headers are about 1 KB.
MAX_HEADER_BYTES = 32 * 1024
# Descriptors a process needs besides its connections (database, logs, the Web API's pool,
# the operations listener): the cap leaves at least these free.
SPARE_DESCRIPTORS = 64
# The default cap: the descriptors left, up to this many (a podbot process answers one
# workspace; a thousand connections are far beyond Slack's and cost a few MiB).
MOST_CONNECTIONS = 1000
# At most one warning line this often (seconds) about cut-off connections, with the counts since
# the previous one: under attack, one line per connection would flood the log.
REPORT_EVERY = 10.0

REASONS = {
    "header_timeout": "sent no complete headers in time",
    "body_timeout": "sent no complete body in time",
    "headers_too_large": "sent headers over the size cap",
    "made_room": "closed to admit a new connection over the cap",
    "refused": "refused over the cap, every other connection being answered",
}


@dataclass(frozen=True)
class Limits:
    """A listener's bounds (`PODBOT_HEADER_TIMEOUT`, `PODBOT_BODY_TIMEOUT`,
    `PODBOT_MAX_CONNECTIONS`)."""

    header_timeout: float
    body_timeout: float
    max_connections: int

    @classmethod
    def of(cls, settings: Settings) -> Limits:
        """The limits the settings name; the cap, unless set, from the descriptor limit."""
        most = settings.max_connections or default_max_connections()
        return cls(settings.header_timeout, settings.body_timeout, most)


def _descriptors() -> int | None:
    """This process's open-file limit (None: unlimited)."""
    soft, _hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    return None if soft == resource.RLIM_INFINITY else soft


def default_max_connections() -> int:
    """The process's descriptors less SPARE_DESCRIPTORS, at most MOST_CONNECTIONS (at least
    16, on a process too starved to serve anyway)."""
    soft = _descriptors()
    if soft is None:
        return MOST_CONNECTIONS
    return max(16, min(MOST_CONNECTIONS, soft - SPARE_DESCRIPTORS))


def uvicorn_options(settings: Settings) -> dict[str, Any]:
    """The uvicorn options that apply `settings`' limits (for `uvicorn.run` or `Config`)."""
    limits = Limits.of(settings)
    soft = _descriptors()
    if soft is not None and limits.max_connections + SPARE_DESCRIPTORS > soft:
        log.warning(
            "PODBOT_MAX_CONNECTIONS=%d leaves fewer than %d of this process's %d file"
            " descriptors for the database and Slack: lower it, or raise the limit (ulimit -n)",
            limits.max_connections, SPARE_DESCRIPTORS, soft,
        )  # fmt: skip
    # A partial of a module-level class: `serve --workers N` pickles it into each worker.
    return {
        "http": functools.partial(protocol_class(), limits=limits),
        # h11 refuses (400) a head over its own cap: set above ours, so ours answers first.
        "h11_max_incomplete_event_size": 2 * MAX_HEADER_BYTES,
        # podbot serves no WebSocket: an Upgrade is a plain request, under the same deadlines.
        "ws": "none",
    }


def protocol_class() -> type[_Guard]:
    """The guarded protocol on uvicorn's own choice of parser: httptools when installed."""
    return GuardedHttpTools if GuardedHttpTools is not None else GuardedH11


class _Phase(enum.Enum):
    WAITING = "waiting"  # open, no request under way: just opened, or its last one answered
    HEADERS = "headers"  # a request's line and headers are arriving
    BODY = "body"  # its body is arriving (or still arriving after an early answer)
    BUSY = "busy"  # read whole; the app is answering it


class _Report:
    """Counts cut-off connections for `/metrics` and the log (one line per REPORT_EVERY)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # tests and the sandbox run listeners on several threads
        self._counts: Counter[str] = Counter()
        self._last = -math.inf

    def note(self, reason: str, client: tuple[str, int] | None) -> None:
        metrics.record_connection_cut(reason)
        now = time.monotonic()
        with self._lock:
            self._counts[reason] += 1
            if now - self._last < REPORT_EVERY:
                return
            counts, self._counts, self._last = self._counts, Counter(), now
        what = "; ".join(f"{n} {REASONS[reason]}" for reason, n in sorted(counts.items()))
        where = f"{client[0]}:{client[1]}" if client else "an unknown address"
        log.warning(
            "closed slow or surplus connections: %s (the last from %s)", what, where,
            extra={"cut": dict(counts)},
        )  # fmt: skip


_REPORT = _Report()


def _answer(status: int, phrase: str) -> bytes:
    body = phrase.encode("ascii")
    return (
        f"HTTP/1.1 {status} {phrase}\r\ncontent-type: text/plain; charset=utf-8\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode("ascii") + body


class _Guard:
    """The deadlines and the cap, over a uvicorn HTTP protocol class (mixed in before it).

    It watches the protocol from outside its parser: after each chunk of data, and after each
    answer, it looks at the protocol's current request-response `cycle` (a new one: the
    headers are complete; `more_body` false: so is the body), which both parsers keep alike."""

    # Set by the uvicorn protocol this is mixed into.
    transport: asyncio.Transport
    connections: set[Any]
    cycle: Any
    client: tuple[str, int] | None
    loop: asyncio.AbstractEventLoop

    def __init__(self, *args: Any, limits: Limits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits
        self._phase = _Phase.WAITING
        self._since = 0.0  # when the current phase's wait began: who waited longest goes first
        self._deadline: asyncio.TimerHandle | None = None
        self._seen: Any = None  # the last cycle looked at
        self._head_bytes = 0

    # -- uvicorn's protocol interface ------------------------------------------------------

    # The mixin's super() calls reach the uvicorn protocol after it in the class's MRO, which
    # the type checker cannot see from `_Guard` alone (hence their `ignore[misc]`).

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self._since = time.monotonic()
        # The first request's headers are due within the header time of the connection opening.
        self._arm(self.limits.header_timeout, "header_timeout")
        open_now = sum(not c.transport.is_closing() for c in self.connections)
        if open_now > self.limits.max_connections:
            self._make_room()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)  # type: ignore[misc]

    def data_received(self, data: bytes) -> None:
        if self._phase is _Phase.WAITING:
            self._phase, self._since, self._head_bytes = _Phase.HEADERS, time.monotonic(), 0
            if self._deadline is None:  # a later request: its headers are due from now
                self._arm(self.limits.header_timeout, "header_timeout")
        if self._phase is _Phase.HEADERS:
            self._head_bytes += len(data)
        super().data_received(data)  # type: ignore[misc]
        self._follow()
        if self._phase is _Phase.HEADERS and self._head_bytes > MAX_HEADER_BYTES:
            self._cut("headers_too_large", (431, "Request Header Fields Too Large"))

    def on_response_complete(self) -> None:
        super().on_response_complete()  # type: ignore[misc]
        self._follow()
        if self._phase is _Phase.BUSY and self.cycle.response_complete:
            # Waiting for the next request: uvicorn's keep-alive timer runs until its first byte.
            self._phase, self._since = _Phase.WAITING, time.monotonic()

    # -- the guard -------------------------------------------------------------------------

    def _follow(self) -> None:
        """Move on with the request under way: its headers complete, then its body."""
        if self.transport.is_closing():
            self._disarm()
            return
        cycle = self.cycle
        if cycle is None:
            return
        if cycle is not self._seen:  # a new request's headers are complete
            self._seen = cycle
            self._disarm()
            if cycle.more_body:
                self._phase = _Phase.BODY
                self._arm(self.limits.body_timeout, "body_timeout")
            else:
                self._phase = _Phase.BUSY
        elif self._phase is _Phase.BODY and not cycle.more_body:
            # Complete. (After an early answer the parsers stop telling: the body deadline
            # then closes the connection, idle or not, as the keep-alive timer would.)
            self._disarm()
            self._phase = _Phase.BUSY

    def _make_room(self) -> None:
        """Over the cap: close the connection idle or sending its request the longest; when
        every other one is being answered, refuse this new one."""
        waiting = [
            c for c in self.connections
            if c is not self and isinstance(c, _Guard) and c._phase is not _Phase.BUSY
            and not c.transport.is_closing()
        ]  # fmt: skip
        if waiting:
            min(waiting, key=lambda c: c._since)._cut("made_room", None)
        else:
            self._cut("refused", (503, "Service Unavailable"))

    def _arm(self, seconds: float, reason: str) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(seconds, self._expired, reason)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self, reason: str) -> None:
        self._deadline = None
        started = self._phase is _Phase.BODY and self.cycle.response_started
        answer = None if self._phase is _Phase.WAITING or started else (408, "Request Timeout")
        self._cut(reason, answer)

    def _cut(self, reason: str, answer: tuple[int, str] | None) -> None:
        """Close the connection, with `answer` (status, phrase) first if given."""
        self._disarm()
        if self.transport.is_closing():
            return
        _REPORT.note(reason, self.client)
        if answer is not None:
            self.transport.write(_answer(*answer))
        cycle = self.cycle if self._phase is _Phase.BODY else None
        if cycle is not None and not cycle.response_complete:
            # The app reading the body hears the client went away; its answer goes nowhere.
            cycle.disconnected = True
            cycle.message_event.set()
        self.transport.close()


class GuardedH11(_Guard, H11Protocol):
    """uvicorn's h11 protocol, guarded."""


try:
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol
except ImportError:  # pragma: no cover - httptools comes with uvicorn[standard]
    GuardedHttpTools: type[_Guard] | None = None
else:
    # The class that the name declared above stands for when httptools is installed.
    class GuardedHttpTools(_Guard, HttpToolsProtocol):  # type: ignore[no-redef]
        """uvicorn's httptools protocol, guarded."""
