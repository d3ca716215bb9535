"""Slow and surplus clients on the public listener (`bot/listener.py`, issue 25): a request's
headers and body are due within their configured times, and a process keeps at most
`max_connections` open, closing the one that has waited longest for room; Slack's requests are
answered meanwhile. Driven with raw sockets against a real uvicorn; short configured timeouts,
and each wait for a close is bounded only so that a connection never cut off fails the test."""

from __future__ import annotations

import asyncio
import contextlib
import select
import socket
import threading
import time
from collections.abc import Callable, Iterator
from urllib.parse import urlsplit

import pytest

from bot.config import Settings
from bot.listener import MAX_HEADER_BYTES
from bot.server import BackgroundServer
from tests.commands.conftest import ALPHA, ANALYST
from tests.conftest import RunningBot
from tests.helpers.operability import scrape

# Long enough that a connection still open after it was never going to be cut off.
NEVER = 30.0
HEAD = b"POST /slack/events HTTP/1.1\r\nHost: podbot\r\n"


@pytest.fixture
def connect() -> Iterator[Callable[[str], socket.socket]]:
    """Open raw connections to a listener's URL; each is closed at the end of the test."""
    opened: list[socket.socket] = []

    def open_to(url: str) -> socket.socket:
        parts = urlsplit(url)
        sock = socket.create_connection((parts.hostname, parts.port), timeout=NEVER)
        opened.append(sock)
        return sock

    yield open_to
    for sock in opened:
        sock.close()


def dribble_until_closed(sock: socket.socket, byte: bytes, every: float = 0.05) -> bytes:
    """Send `byte` every `every` seconds until the server closes the connection (failing if it
    has not within NEVER seconds); what the server sent before closing."""
    answer = b""
    deadline = time.monotonic() + NEVER
    while time.monotonic() < deadline:
        readable, _, _ = select.select([sock], [], [], every)
        if readable:
            try:
                data = sock.recv(4096)
            except ConnectionResetError:
                return answer
            if not data:
                return answer
            answer += data
            continue
        try:
            sock.sendall(byte)
        except OSError:  # closed while we sent: read what it said before
            return answer + _rest(sock)
    pytest.fail(f"the server never closed the connection (after {NEVER:g} s)")


def _rest(sock: socket.socket) -> bytes:
    answer = b""
    with contextlib.suppress(OSError):
        while data := sock.recv(4096):
            answer += data
    return answer


def closed(sock: socket.socket) -> bool:
    """Whether the server has closed this connection (waiting for that at most NEVER s)."""
    sock.settimeout(NEVER)
    try:
        while data := sock.recv(4096):
            del data
    except TimeoutError:
        return False
    except OSError:
        pass
    return True


def still_open(sock: socket.socket) -> bool:
    """Whether the server has neither answered nor closed this connection, right now."""
    readable, _, _ = select.select([sock], [], [], 0)
    return not readable


def slack_is_answered(bot: RunningBot) -> None:
    response = bot.slack.slash_command("help", user_id=ANALYST, channel_id=ALPHA)
    assert response.status == 200, response.text
    assert response.json()["response_type"] == "ephemeral"


def cut_off(bot: RunningBot, reason: str) -> float:
    """`podbot_connections_cut_total` for this reason, from /metrics (counted per process)."""
    metrics = scrape(bot)
    return metrics.get(("podbot_connections_cut_total", (("reason", reason),)), 0.0)


def test_a_client_dribbling_its_headers_is_cut_off_and_slack_is_still_answered(
    start_bot: Callable[..., RunningBot],
    sqlite_url: str,
    connect: Callable[[str], socket.socket],
) -> None:
    bot = start_bot(sqlite_url, header_timeout=0.5)
    cut_before = cut_off(bot, "header_timeout")
    silent = connect(bot.url)  # opens, says nothing
    slow = connect(bot.url)
    slow.sendall(HEAD + b"X-Slow: ")

    slack_is_answered(bot)
    answer = dribble_until_closed(slow, b"a")

    assert answer.startswith(b"HTTP/1.1 408 "), answer
    assert closed(silent)
    slack_is_answered(bot)
    assert cut_off(bot, "header_timeout") == cut_before + 2


def test_a_client_dribbling_its_body_is_cut_off_and_slack_is_still_answered(
    start_bot: Callable[..., RunningBot],
    sqlite_url: str,
    connect: Callable[[str], socket.socket],
) -> None:
    bot = start_bot(sqlite_url, body_timeout=0.5)
    slow = connect(bot.url)
    slow.sendall(
        HEAD + b"Content-Type: application/x-www-form-urlencoded\r\n"
        b"Content-Length: 10000\r\n\r\ncommand=%2Fproc&text="
    )

    slack_is_answered(bot)
    answer = dribble_until_closed(slow, b"a")

    assert answer.startswith(b"HTTP/1.1 408 "), answer
    slack_is_answered(bot)


def test_over_the_connection_cap_the_longest_waiting_connection_makes_room_for_slack(
    start_bot: Callable[..., RunningBot],
    sqlite_url: str,
    connect: Callable[[str], socket.socket],
) -> None:
    bot = start_bot(sqlite_url, max_connections=3, header_timeout=NEVER * 2)
    dribblers = []
    for _ in range(2):
        sock = connect(bot.url)
        sock.sendall(HEAD + b"X-Slow: a")  # its wait begins; the answer below orders them
        dribblers.append(sock)
        slack_is_answered(bot)  # under the cap: room for everyone
    assert all(still_open(sock) for sock in dribblers)
    dribblers.append(connect(bot.url))  # the cap's third
    oldest, middle, newest = dribblers

    # Full: Slack's next connection closes the one that has waited longest.
    slack_is_answered(bot)

    assert closed(oldest)
    assert still_open(middle) and still_open(newest)
    fourth = connect(bot.url)  # full again
    slack_is_answered(bot)
    assert closed(middle)
    assert still_open(newest) and still_open(fourth)


def test_headers_over_the_size_cap_are_refused_with_431(
    bot: RunningBot, connect: Callable[[str], socket.socket]
) -> None:
    sock = connect(bot.url)
    sock.sendall(HEAD)
    with contextlib.suppress(OSError):  # refused and closed while we were still sending
        for _ in range(MAX_HEADER_BYTES // 1000 + 2):
            sock.sendall(b"X-Big: " + b"a" * 991 + b"\r\n")
    answer = _rest(sock)
    assert answer.startswith(b"HTTP/1.1 431 "), answer
    slack_is_answered(bot)


class HeldApp:
    """An ASGI app whose answers wait until `release` (each request read whole first)."""

    def __init__(self) -> None:
        self.arrived = threading.Semaphore(0)
        self._go = threading.Event()

    async def __call__(self, scope: dict, receive: Callable, send: Callable) -> None:
        if scope["type"] != "http":
            return
        while (await receive()).get("more_body"):
            pass
        self.arrived.release()
        while not self._go.is_set():
            await asyncio.sleep(0.01)
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"done"})

    def release(self) -> None:
        self._go.set()


def test_over_the_cap_with_every_connection_being_answered_a_new_one_is_refused_503(
    connect: Callable[[str], socket.socket],
) -> None:
    app = HeldApp()
    server = BackgroundServer(app, settings=Settings(max_connections=2))  # type: ignore[arg-type]
    url = server.start()
    try:
        held = [connect(url) for _ in range(2)]
        for sock in held:
            sock.sendall(b"GET / HTTP/1.1\r\nHost: podbot\r\n\r\n")
        for _ in held:
            assert app.arrived.acquire(timeout=NEVER), "the request never reached the app"

        refused = connect(url)
        assert _rest(refused).startswith(b"HTTP/1.1 503 ")

        app.release()
        for sock in held:
            sock.settimeout(NEVER)
            assert sock.recv(4096).startswith(b"HTTP/1.1 200 ")
    finally:
        app.release()
        server.stop()
