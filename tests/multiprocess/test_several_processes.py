"""SPEC §7: three `serve --no-scheduler` processes and two `scheduler` processes on one
PostgreSQL database — every command's post and every scheduled post happens exactly once."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from itertools import pairwise
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.db.models import JobRun, OutboxRow
from bot.db.session import Database
from slackfake.signing import SlackClient
from slackfake.web_api import SlackApiServer
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEST_CONFIG

pytestmark = pytest.mark.postgres
ALPHA = "C0ALPHA01"
ANALYST, BUYER = "U0ANA0001", "U0BUY0001"
# Monday 15:30 in Kolkata (POD Alpha's aging report is due), 05:00 in New York (Beta's is not).
CLOCK_START = "2026-11-23T10:00:00+00:00"
PACE = 0.25


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _message(line: str) -> str:
    """A JSON log line's message (a line that is not JSON, whole)."""
    try:
        return str(json.loads(line).get("message", ""))
    except ValueError:
        return line


class Process:
    """A podbot process whose JSON log lines can be awaited."""

    def __init__(self, args: list[str], env: dict[str, str]) -> None:
        self.popen = subprocess.Popen(
            [str(Path(sys.executable).parent / "podbot"), "--log-format", "json", *args],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.popen.stderr is not None
        for line in self.popen.stderr:
            self.lines.put(line)

    def wait_for_log(self, fragment: str, timeout: float = 60.0) -> str:
        seen = []
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"no log line with {fragment!r}; saw {seen[-5:]}") from None
            seen.append(line)
            message = _message(line)
            if fragment in message:
                return message

    def wait_for_logs(self, wanted: dict[str, int], timeout: float = 60.0) -> list[str]:
        """Wait until each fragment has appeared in that many messages, in any order."""
        found: list[str] = []
        counts = dict.fromkeys(wanted, 0)
        while any(counts[f] < n for f, n in wanted.items()):
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(f"log lines missing: {counts} of {wanted}") from None
            message = _message(line)
            for fragment in wanted:
                if fragment in message:
                    counts[fragment] += 1
                    found.append(message)
        return found

    def stop(self) -> None:
        self.popen.send_signal(signal.SIGTERM)
        try:
            self.popen.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait(timeout=5)


def podbot_env(slack_api: SlackApiServer, postgres_url: str) -> dict[str, str]:
    """The environment of a podbot process on this test's database and Slack, clock set."""
    return {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PODBOT_"))},
        "PODBOT_CONFIG": str(TEST_CONFIG),
        "DATABASE_URL": postgres_url,
        "SLACK_API_URL": slack_api.url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "PODBOT_CHANNEL_INTERVAL": "0",
        "PODBOT_CLOCK_START": CLOCK_START,
        "PODBOT_OPS_PORT": "0",  # five processes on one host: no operations listener each
    }


@pytest.fixture
def processes(slack_api: SlackApiServer, postgres_url: str) -> Iterator[list[Process]]:
    started: list[Process] = []
    yield started
    for process in started:
        process.stop()


def test_three_web_and_two_scheduler_processes_post_everything_once(
    slack_api: SlackApiServer, postgres_url: str, processes: list[Process]
) -> None:
    # Slack's pace, shortened: five processes post into Alpha's channel and take turns.
    env = {**podbot_env(slack_api, postgres_url), "PODBOT_CHANNEL_INTERVAL": str(PACE)}
    ports = [free_port() for _ in range(3)]
    for port in ports:
        web = ["serve", "--no-scheduler", "--host", "127.0.0.1", "--port", str(port)]
        processes.append(Process(web, env))
    for web in processes:
        web.wait_for_log("Uvicorn running")
    clients = [SlackClient(f"http://127.0.0.1:{port}", SIGNING_SECRET) for port in ports]

    # Commands spread across the three web processes.
    commands = [(ANALYST, f"new Customer {n} | Tool {n} | new") for n in (1, 2, 3)]
    commands += [(ANALYST, f"qualify {n}") for n in (1, 2, 3)]
    commands += [(ANALYST, f"assign {n} <@{BUYER}>") for n in (1, 2, 3)]
    commands += [(BUYER, f"update {n} day one") for n in (1, 2, 3)]
    for i, (user, text) in enumerate(commands):
        answer = clients[i % 3].slash_command(text, user_id=user, channel_id=ALPHA).json()
        assert not answer["text"].startswith((":warning:", ":x:")), (text, answer["text"])

    # Two schedulers start at once; both sweep for missed runs and race for Alpha's report.
    schedulers = [Process(["scheduler"], env), Process(["scheduler"], env)]
    processes.extend(schedulers)
    for scheduler in schedulers:
        scheduler.wait_for_log("catch-up sweep done")

    # 3 cards + 3 × (qualified, assigned, update) replies + 1 aging report + 1 weekly digest
    # + the POD's weekly check-in post with 3 packs in its thread, one per customer (the clock
    # starts on a Monday afternoon in Kolkata: both schedulers race for its 09:00 digest and
    # check-ins too) + the POD's Monday catch-up (issue 35): its post and its five sections in
    # the thread, once however many schedulers race for it.
    slack_api.wait_for("chat.postMessage", count=24, timeout=60)
    db = Database(postgres_url)
    deadline = threading.Event()
    for _ in range(200):  # bounded: wait for the workers to record what they sent
        with db.transaction() as session:
            open_rows = session.scalars(
                select(OutboxRow.id).where(OutboxRow.status.in_(["pending", "in_flight"]))
            ).all()
        if not open_rows:
            break
        deadline.wait(0.05)
    assert not open_rows

    messages = slack_api.messages(ALPHA)
    top = [m for m in messages if not m.thread_ts]
    cards = sorted(m.text.split(" ")[0] for m in top if m.text.startswith("REQ-"))
    assert cards == ["REQ-1", "REQ-2", "REQ-3"]
    for card in (m for m in top if m.text.startswith("REQ-")):
        replies = [m.text.split(" ")[0] for m in slack_api.thread(ALPHA, card.ts)]
        assert replies == [":white_check_mark:", ":handshake:", ":memo:"], replies
    assert len([m for m in top if m.text.startswith("Aging report")]) == 1
    assert len([m for m in top if m.text.startswith("Weekly digest")]) == 1
    (checkins,) = [m for m in top if m.text.startswith("*Check-ins · ")]
    packs = sorted(
        m.text.split(" · ")[1].rstrip("*")
        for m in slack_api.thread(ALPHA, checkins.ts)
        if m.text.startswith("*Check-in · ")
    )
    assert packs == ["Customer 1", "Customer 2", "Customer 3"], packs
    (catchup,) = [m for m in top if m.text.startswith("POD catch-up ")]
    assert len(slack_api.thread(ALPHA, catchup.ts)) == 7  # five sections, the chart, the CSV
    assert len(slack_api.calls_to("chat.postMessage")) == 24
    arrivals = sorted(call.at for call in slack_api.calls_to("chat.postMessage"))
    gaps = [later - earlier for earlier, later in pairwise(arrivals)]
    assert min(gaps) >= PACE - 0.005, gaps  # whichever process posted
    with db.transaction() as session:
        runs = session.scalars(select(JobRun).where(JobRun.job == "aging-report")).all()
        assert [(r.scope, r.status) for r in runs] == [("alpha", "done")]
    db.dispose()


def test_serve_with_worker_processes_answers_on_each_and_posts_once(
    slack_api: SlackApiServer, postgres_url: str, processes: list[Process]
) -> None:
    env = podbot_env(slack_api, postgres_url)
    port = free_port()
    # The supervisor keeps the scheduler; two worker processes serve HTTP.
    serve = Process(["serve", "--workers", "2", "--host", "127.0.0.1", "--port", str(port)], env)
    processes.append(serve)
    started = "Started server process"  # uvicorn, with the pid, once per worker
    seen = serve.wait_for_logs(
        {"with 2 worker processes": 1, started: 2, "Application startup complete": 2,
         "catch-up sweep done": 1}
    )  # fmt: skip
    assert len({m for m in seen if m.startswith(started)}) == 2, seen

    # Each command on a new connection: the kernel spreads them over the workers.
    slack = SlackClient(f"http://127.0.0.1:{port}", SIGNING_SECRET)
    commands = [(ANALYST, f"new Customer {n} | Tool {n} | new") for n in (1, 2, 3, 4)]
    commands += [(ANALYST, f"qualify {n}") for n in (1, 2, 3, 4)]
    for user, text in commands:
        answer = slack.slash_command(text, user_id=user, channel_id=ALPHA).json()
        assert not answer["text"].startswith((":warning:", ":x:")), (text, answer["text"])

    # 4 cards + 4 "qualified" replies + Alpha's aging report and weekly digest (a Monday),
    # and its catch-up (issue 35: a post and five sections in its thread), each exactly once.
    slack_api.wait_for("chat.postMessage", count=16, timeout=60)
    top = [m for m in slack_api.messages(ALPHA) if not m.thread_ts]
    cards = sorted(m.text.split(" ")[0] for m in top if m.text.startswith("REQ-"))
    assert cards == ["REQ-1", "REQ-2", "REQ-3", "REQ-4"]
    for card in (m for m in top if m.text.startswith("REQ-")):
        replies = [m.text.split(" ")[0] for m in slack_api.thread(ALPHA, card.ts)]
        assert replies == [":white_check_mark:"], replies
    assert len([m for m in top if m.text.startswith("Aging report")]) == 1
    assert len([m for m in top if m.text.startswith("Weekly digest")]) == 1
    (catchup,) = [m for m in top if m.text.startswith("POD catch-up ")]
    assert len(slack_api.thread(ALPHA, catchup.ts)) == 7  # five sections, the chart, the CSV
    assert len(slack_api.calls_to("chat.postMessage")) == 16
