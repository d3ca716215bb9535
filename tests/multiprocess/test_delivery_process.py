"""Issue 26: `podbot serve` runs its outbox worker in a delivery process of its own, so the acks
keep a core. A real `podbot serve` on SQLite: the delivery process (not the one answering HTTP)
posts a command's thread reply; SIGTERM stops HTTP first, then the deliveries under way, and
nothing is lost; the delivery process's death is noticed and it is started again (and when it
keeps dying, `serve` stops with status 1)."""

from __future__ import annotations

import json
import os
import queue
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import select

from bot.config import Settings, load_config
from bot.db.models import OutboxRow
from bot.db.session import Database
from bot.runtime import build_runtime
from slackfake.signing import SlackClient
from slackfake.web_api import SlackApiServer
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEST_CONFIG
from tests.helpers.delivery_crash import free_port

ALPHA = "C0ALPHA01"
ANALYST = "U0ANA0001"
STARTED = re.compile(r"delivery process (\d+) started")


class Serve:
    """`podbot serve --no-scheduler` with JSON log lines that can be awaited."""

    def __init__(self, slack_api: SlackApiServer, database_url: str) -> None:
        self.port, self.ops_port = free_port(), free_port()
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PODBOT_"))},
            "PODBOT_CONFIG": str(TEST_CONFIG),
            "DATABASE_URL": database_url,
            "SLACK_API_URL": slack_api.url,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "PODBOT_CHANNEL_INTERVAL": "0",
            "PODBOT_OPS_PORT": str(self.ops_port),
        }
        command = [str(Path(sys.executable).parent / "podbot"), "--log-format", "json", "serve"]
        command += ["--no-scheduler", "--host", "127.0.0.1", "--port", str(self.port)]
        self.popen = subprocess.Popen(
            command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
        )
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.slack = SlackClient(f"http://127.0.0.1:{self.port}", SIGNING_SECRET)
        self.ops = SlackClient(f"http://127.0.0.1:{self.ops_port}", "unused")

    def _read(self) -> None:
        assert self.popen.stderr is not None
        for line in self.popen.stderr:
            self.lines.put(line)

    def wait_for_log(self, fragment: str, timeout: float = 120.0) -> str:
        seen: list[str] = []
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no log line with {fragment!r}; saw {seen[-8:]}") from None
            try:
                message = str(json.loads(line).get("message", ""))
            except ValueError:
                message = line
            seen.append(message)
            if fragment in message:
                return message

    def delivery_pid(self) -> int:
        """The pid of the next delivery process started, from its log line."""
        match = STARTED.search(self.wait_for_log("started (the outbox worker"))
        assert match is not None
        return int(match.group(1))

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)


@pytest.fixture
def serving(slack_api: SlackApiServer, sqlite_url: str) -> Iterator[Serve]:
    serve = Serve(slack_api, sqlite_url)
    yield serve
    serve.stop()


def _settled(database_url: str) -> list[Row]:
    """The rows, once none is in flight (a post Slack received is recorded just after)."""
    pause = threading.Event()
    for _ in range(400):  # bounded: the delivery process records what it sent
        rows = _rows(database_url)
        if all(row.status != "in_flight" for row in rows):
            return rows
        pause.wait(0.05)
    raise AssertionError(f"rows still in flight: {rows}")


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


class Row(NamedTuple):
    kind: str
    status: str
    claimed_by: str | None


def _rows(database_url: str) -> list[Row]:
    db = Database(database_url)
    try:
        with db.transaction() as session:
            query = select(OutboxRow.kind, OutboxRow.status, OutboxRow.claimed_by)
            return [Row(*row) for row in session.execute(query.order_by(OutboxRow.id))]
    finally:
        db.dispose()


def test_the_delivery_process_posts_the_commands_thread_reply(
    serving: Serve, slack_api: SlackApiServer, sqlite_url: str
) -> None:
    worker = serving.delivery_pid()
    assert worker != serving.popen.pid
    serving.wait_for_log("Uvicorn running")
    ready = serving.ops.get("/readyz").json()
    assert ready["status"] == "ready" and ready["delivery_process"] == "ok", ready

    created = serving.slack.slash_command("new Acme | Figma | new", ANALYST, ALPHA).json()
    assert created["text"].startswith("Created *REQ-1*")
    qualified = serving.slack.slash_command("qualify 1", ANALYST, ALPHA).json()
    assert not qualified["text"].startswith((":warning:", ":x:")), qualified
    slack_api.wait_for("chat.postMessage", count=2, timeout=30)

    (card,) = [m for m in slack_api.messages(ALPHA) if m.text.startswith("REQ-1")]
    replies = [m.text.split(" ")[0] for m in slack_api.thread(ALPHA, card.ts)]
    assert replies == [":white_check_mark:"]
    posts = [row for row in _settled(sqlite_url) if row.status == "delivered"]
    assert {"card", "thread"} <= {row.kind for row in posts}, posts
    # Taken and sent by the delivery process, not by the one that answered the command.
    assert {row.claimed_by.rsplit(":", 1)[1] for row in posts if row.claimed_by} == {str(worker)}


def test_sigterm_stops_http_then_the_deliveries_under_way_and_loses_nothing(
    serving: Serve, slack_api: SlackApiServer, sqlite_url: str
) -> None:
    worker = serving.delivery_pid()
    serving.wait_for_log("Uvicorn running")
    slack_api.fail("chat.postMessage", delay=1.0)  # the card's post is under way at SIGTERM
    created = serving.slack.slash_command("new Acme | Figma | new", ANALYST, ALPHA).json()
    assert created["text"].startswith("Created *REQ-1*")
    qualified = serving.slack.slash_command("qualify 1", ANALYST, ALPHA).json()
    assert not qualified["text"].startswith((":warning:", ":x:")), qualified
    slack_api.wait_for_arrival("chat.postMessage")

    serving.popen.send_signal(signal.SIGTERM)
    assert serving.popen.wait(timeout=60) == 0
    serving.wait_for_log(f"delivery process {worker} stopped")
    assert _gone(worker)
    # The post under way finished and was recorded; what was not taken yet waits, pending.
    rows = _rows(sqlite_url)
    assert "in_flight" not in {row.status for row in rows}
    posted = next(row for row in rows if row.kind == "card")  # the post (later: its edits)
    assert posted.status == "delivered"
    assert len([m for m in slack_api.messages(ALPHA) if m.text.startswith("REQ-1")]) == 1

    # The next start delivers the rest, each once.
    settings = Settings(
        bot_token=BOT_TOKEN, api_url=slack_api.url, database_url=sqlite_url, channel_interval=0
    )
    runtime = build_runtime(load_config(TEST_CONFIG), settings, worker={"lease": timedelta(0)})
    try:
        runtime.outbox_worker.drain()
    finally:
        runtime.outbox_worker.stop()
        runtime.db.dispose()
    (card,) = [m for m in slack_api.messages(ALPHA) if m.text.startswith("REQ-1")]
    replies = [m.text.split(" ")[0] for m in slack_api.thread(ALPHA, card.ts)]
    assert replies == [":white_check_mark:"]
    assert {row.status for row in _rows(sqlite_url)} == {"delivered"}


def test_a_dead_delivery_process_is_noticed_and_started_again(
    serving: Serve, slack_api: SlackApiServer, sqlite_url: str
) -> None:
    first = serving.delivery_pid()
    serving.wait_for_log("Uvicorn running")
    os.kill(first, signal.SIGKILL)
    serving.wait_for_log(f"the delivery process {first} exited unexpectedly")
    second = serving.delivery_pid()
    assert second != first

    # Commands go on being delivered, by the new one, and /readyz says so once it runs.
    created = serving.slack.slash_command("new Acme | Figma | new", ANALYST, ALPHA).json()
    assert created["text"].startswith("Created *REQ-1*")
    slack_api.wait_for("chat.postMessage", timeout=60)
    row = next(row for row in _settled(sqlite_url) if row.kind == "card")
    assert row.claimed_by is not None and row.claimed_by.endswith(f":{second}")
    assert serving.ops.get("/readyz").json()["delivery_process"] == "ok"


def test_serve_stops_with_status_1_when_the_delivery_process_keeps_dying(
    serving: Serve,
) -> None:
    first = serving.delivery_pid()
    serving.wait_for_log("Uvicorn running")
    os.kill(first, signal.SIGKILL)
    for _ in range(3):  # RESTARTS (3) restarts within a minute, then the fourth death
        os.kill(serving.delivery_pid(), signal.SIGKILL)
    serving.wait_for_log("not starting another; podbot stops")
    assert serving.popen.wait(timeout=60) == 1
