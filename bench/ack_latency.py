"""Ack latency: 16 clients send signed `/proc update` to `podbot serve` and to a bare Bolt app.

podbot runs as a real `podbot serve --no-scheduler` subprocess on SQLite (default) or
PostgreSQL, talking to the Slack Web API fake (slackfake/web_api.py) in this process. The
baseline, in the same run, is the fastest honest app doing the same job: a Bolt `AsyncApp`
behind its ASGI adapter under uvicorn (no access log), in its own subprocess with the same
signing secret, acking each command with the same sentence. Rounds alternate podbot / bare;
the process not being measured is paused (SIGSTOP), so podbot's background delivery work never
loads a baseline round. Each client keeps one HTTP/1.1 connection per round and sends the next
command as soon as the last one is answered; every update is to a request under negotiation,
as its assigned buyer, so every one succeeds (and is checked to). podbot's delivery worker
runs in the server (it renders the cards and Homes each update republishes); with `--history
N` every POD first gets N times the two years of history `kpi_stats.py` loads (bench/history.py),
and with `--backlog N`, N posts wait in the outbox for Slack's pace before the first command.

    .venv/bin/python bench/ack_latency.py
    .venv/bin/python bench/ack_latency.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/ack_latency.py --during-aging   # a 50-POD aging build loops meanwhile
    .venv/bin/python bench/ack_latency.py --rss            # first 10,000 commands each, RSS after
    .venv/bin/python bench/ack_latency.py --history 1 --backlog 5000   # issue 26's case
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib.util
import itertools
import json
import os
import random
import select as io_select
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from http.client import HTTPConnection
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlencode, urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sqlalchemy import func, insert, select

from slackfake.signing import SlackClient

ROOT = Path(__file__).resolve().parents[1]

SIGNING_SECRET = "bench-3f9a1c77d2e84b0c9d6a5e4f3b2a1c0d"
TOKEN = "xoxb-bench"
BUYERS_PER_POD = 3
VISIBLE = "(visible "  # marks the update-visible samples' commands
UPDATE_TEXT = "Called the vendor's AE: they hold 12% off until Friday if we sign for 3 years"


# --- the database podbot serves --------------------------------------------------------------


def config_toml(pods: int) -> str:
    """A config of `pods` PODs, each with an em, an analyst and three buyers."""
    parts = ['[defaults]\ntimezone = "America/New_York"\n']
    for i in range(1, pods + 1):
        members = {f"U0EM{i:04d}": "em", f"U0AN{i:04d}": "analyst"}
        members |= {f"U0BY{i:04d}{n}": "buyer" for n in range(1, BUYERS_PER_POD + 1)}
        inline = ", ".join(f'{user} = "{role}"' for user, role in members.items())
        parts.append(
            f'[[pods]]\nkey = "pod{i:02d}"\nname = "POD {i:02d}"\nchannel = "C0POD{i:04d}"\n'
            f"members = {{ {inline} }}\n"
        )
    return "\n".join(parts)


@dataclass(frozen=True)
class Work:
    """One request a client updates: its number, its assigned buyer, its POD's channel and its
    card's ts there."""

    number: int
    buyer: str
    channel: str
    card_ts: str


def prepare(url: str, config_path: Path, per_pod: int) -> list[Work]:
    """Migrate with `podbot db upgrade`, sync the PODs and add requests under negotiation."""
    from bot.config import load_config
    from bot.db.models import PodRow, Request
    from bot.db.pods import sync_pods
    from bot.db.session import Database

    subprocess.run(
        [*podbot_command(), "db", "upgrade", "--database-url", url],
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    config = load_config(config_path)
    db = Database(url)
    try:
        with db.transaction() as session:
            sync_pods(session, config)
            pod_ids = dict(iter(session.execute(select(PodRow.key, PodRow.id))))
        now = datetime.now(UTC)
        rows = []
        for pod in config.pods:
            buyers = pod.members_with("buyer")
            for n in range(per_pod):
                created = now - timedelta(days=10, minutes=n)
                assigned = created + timedelta(hours=30)
                rows.append(
                    {
                        "pod_id": pod_ids[pod.key],
                        "customer": f"Customer {n % 97}",
                        "tool": f"Tool {n % 31}",
                        "type": "new",
                        "stage": "negotiating",
                        "amount": Decimal(1000 + n),
                        "currency": "USD",
                        "created_by": pod.members_with("analyst")[0],
                        "analyst_id": pod.members_with("analyst")[0],
                        "buyer_id": buyers[n % len(buyers)],
                        "created_at": created,
                        "qualification_due_at": created + timedelta(days=1),
                        "qualified_at": created + timedelta(hours=5),
                        "assigned_at": assigned,
                        "tat_due_at": assigned + timedelta(days=15),
                        "last_update_at": now - timedelta(days=1),
                        "updated_at": now - timedelta(days=1),
                        # Requests under negotiation have a card; updates reply in its thread.
                        "card_channel": pod.channel,
                        "card_ts": f"1700000000.{pod_ids[pod.key]:02d}{n:04d}",
                    }
                )
        with db.engine.begin() as connection:
            connection.execute(insert(Request.__table__), rows)
        with db.transaction() as session:
            found = session.execute(
                select(
                    Request.id, Request.buyer_id, Request.card_channel, Request.card_ts
                ).order_by(Request.id)
            ).all()
        # Interleaved across PODs: the clients' commands (and their thread replies) are spread
        # over every POD channel rather than all landing in one POD at a time.
        work = [Work(*row) for row in found]
        by_pod = [work[i : i + per_pod] for i in range(0, len(work), per_pod)]
        return [item for group in zip(*by_pod, strict=True) for item in group]
    finally:
        db.dispose()


def load_history(url: str, config_path: Path, factor: int) -> str:
    """`factor` times a POD's two years of history (bench/history.py, as `kpi_stats.py` loads
    it) in every POD, each with its own customers. No ANALYZE here: what statistics the
    planner has is podbot's doing."""
    import history

    from bot.config import load_config
    from bot.db.session import Database

    config = load_config(config_path)
    counts = [n * factor for n in history.BASE]
    rng = random.Random(17)
    db = Database(url)
    try:
        now = datetime.now(UTC)
        for pod in config.pods:
            customers = [f"{pod.name} Customer {i:02d}" for i in range(20)]
            history.seed(db, pod, now, *counts, rng, customers=customers)
    finally:
        db.dispose()
    return (
        f"{factor}x a POD's two years in each of {len(config.pods)} PODs: {counts[0]:,} requests,"
        f" {counts[1]:,} approved claims, {counts[2]:,} mentions per POD"
    )


def queue_backlog(url: str, work: list[Work], rows: int) -> str:
    """`rows` pending posts queued before podbot starts, as a Slack outage or a burst of
    reports leaves them: real outbox rows (each its own lane) spread over the POD channels,
    which Slack's pace drains at one post a second each, so they stay pending all run."""
    from bot.db.models import OutboxRow
    from bot.db.session import Database

    channels = sorted({item.channel for item in work})
    now = datetime.now(UTC)
    db = Database(url)
    try:
        with db.engine.begin() as connection:
            connection.execute(
                insert(OutboxRow.__table__),
                [
                    {
                        "lane": f"run:backlog{n}",
                        "kind": "message",
                        "payload": {"channel": channel, "text": f"Queued post {n}", "blocks": None},
                        "channel": channel,
                        "status": "pending",
                        "attempts": 0,
                        "created_at": now,
                        "next_attempt_at": now,
                    }
                    for n in range(rows)
                    for channel in [channels[n % len(channels)]]
                ],
            )
    finally:
        db.dispose()
    return f"{rows:,} pending posts over {len(channels)} channels (1 post/s each)"


def deliveries_by_status(url: str) -> dict[str, int]:
    """How many outbox rows are in each status (podbot's posts after the acks)."""
    from bot.db.models import OutboxRow
    from bot.db.session import Database

    db = Database(url)
    try:
        with db.transaction() as session:
            query = select(OutboxRow.status, func.count()).group_by(OutboxRow.status)
            return {status: count for status, count in session.execute(query)}
    finally:
        db.dispose()


# --- the servers -----------------------------------------------------------------------------


def podbot_command() -> list[str]:
    """The `podbot` console script of this interpreter's environment."""
    script = Path(sys.executable).with_name("podbot")
    return [str(script)] if script.exists() else [sys.executable, "-m", "bot.cli"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    """A server subprocess under test."""

    name: str
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    # Each server runs in a process group of its own (with --workers, the supervisor and its
    # worker processes): pausing, CPU time and memory cover the whole group.

    def pause(self) -> None:
        os.killpg(self.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.killpg(self.pid, signal.SIGCONT)

    def _group(self) -> list[str]:
        pids = []
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError):
                    fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
                    if int(fields[2]) == self.pid:  # the process group id
                        pids.append(entry.name)
        return pids

    def cpu_seconds(self, *, leader: bool = False) -> float:
        """User + system CPU time of the group's processes so far (`leader`: of the process
        started, alone: `podbot serve`'s HTTP process, not its delivery process)."""
        ticks = 0
        for pid in [str(self.pid)] if leader else self._group():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def memory(self) -> tuple[float, float]:
        """(VmRSS, VmHWM) in MiB, summed over the group's processes, from /proc/<pid>/status."""
        values = {"VmRSS": 0.0, "VmHWM": 0.0}
        for pid in self._group():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    name, _, rest = line.partition(":")
                    if name in values:
                        values[name] += int(rest.split()[0]) / 1024
        return values["VmRSS"], values["VmHWM"]

    def stop(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self.resume()
            os.killpg(self.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.pid, signal.SIGKILL)
            self.process.wait(timeout=5)

    def tail(self, lines: int = 15) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _wait_ready(server: Server, path: str, timeout: float = 60.0) -> None:
    parts = urlsplit(server.url)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"{server.name} exited at startup:\n{server.tail()}")
        try:
            connection = HTTPConnection(parts.hostname, parts.port, timeout=2)
            connection.request("GET", path)
            status = connection.getresponse().status
            connection.close()
            if status < 500:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"{server.name} did not answer within {timeout:.0f} s:\n{server.tail()}")


def start_podbot(tmp: Path, url: str, config_path: Path, api_url: str, workers: int) -> Server:
    """`podbot serve --no-scheduler` on a free port, logging JSON lines to a file."""
    port = free_port()
    log = tmp / "podbot.log"
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
        "DATABASE_URL": url,
    }
    command = [*podbot_command(), "--log-format", "json", "serve", "--no-scheduler"]
    command += ["--host", "127.0.0.1", "--port", str(port), "--config", str(config_path)]
    command += ["--workers", str(workers)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )
    server = Server("podbot", f"http://127.0.0.1:{port}", process, log)
    _wait_ready(server, "/healthz")
    return server


def start_bare(tmp: Path, api_url: str, workers: int) -> Server:
    """The baseline: this file's --serve-bare mode (AsyncApp under uvicorn) on a free port."""
    port = free_port()
    log = tmp / "bare.log"
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": api_url,
    }
    command = [sys.executable, str(Path(__file__).resolve()), "--serve-bare", "--port", str(port)]
    command += ["--workers", str(workers)]
    with log.open("wb") as out:
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=out, stderr=out, start_new_session=True
        )
    server = Server("bare", f"http://127.0.0.1:{port}", process, log)
    _wait_ready(server, "/")
    return server


def bare_app() -> Any:
    """A Bolt AsyncApp that only acks `/proc`, behind Bolt's ASGI adapter: the baseline."""
    from slack_bolt.adapter.asgi.async_handler import AsyncSlackRequestHandler
    from slack_bolt.async_app import AsyncAck, AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    client = AsyncWebClient(
        token=os.environ["SLACK_BOT_TOKEN"], base_url=os.environ["SLACK_API_URL"]
    )
    app = AsyncApp(client=client, signing_secret=os.environ["SLACK_SIGNING_SECRET"])

    @app.command("/proc")
    async def on_command(ack: AsyncAck, body: dict[str, Any]) -> None:
        # The same ephemeral sentence podbot answers, so both send the same bytes.
        text = body.get("text") or ""
        key = text.split()[1]
        await ack(response_type="ephemeral", text=f"Update posted in {key}'s thread.")
        if VISIBLE in text:  # the update-visible samples: post it after the ack, as podbot does
            await client.chat_postMessage(channel=body["channel_id"], text=text)

    return AsyncSlackRequestHandler(app)


def serve_bare(port: int, workers: int) -> int:
    """The baseline under uvicorn (no access log), with as many worker processes as podbot."""
    import uvicorn

    uvicorn.run(
        "ack_latency:bare_app",
        factory=True,
        app_dir=str(Path(__file__).resolve().parent),
        workers=workers,
        host="127.0.0.1",
        port=port,
        log_level="warning",
        access_log=False,
    )
    return 0


# --- the aging report load -----------------------------------------------------------------


def aging_load(database_url: str | None, pods: int, requests: int, seconds: float) -> int:
    """Build every POD's aging report over and over in this process until told to stop."""
    from aging_scale import bench_config, fresh_database, insert_requests, report_instant

    from bot.clock import ManualClock
    from bot.config import Settings
    from bot.db.migrate import upgrade
    from bot.db.models import PodRow
    from bot.db.pods import sync_pods
    from bot.db.session import Database
    from bot.jobs.aging_report import build_report
    from bot.runtime import build_runtime

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    config = bench_config(pods)
    nows = {pod.key: report_instant(pod) for pod in config.pods}
    with fresh_database(database_url) as (url, label):
        db = Database(url)
        try:
            upgrade(db.engine)
            with db.transaction() as session:
                sync_pods(session, config)
                pod_ids = dict(iter(session.execute(select(PodRow.key, PodRow.id))))
            insert_requests(db, config, pod_ids, requests, 0, 1)
            runtime = build_runtime(
                config,
                Settings(database_url=url),
                db=db,
                clock=ManualClock(nows[config.pods[0].key]),
            )
            print(f"ready {label}", flush=True)
            deadline = time.monotonic() + seconds
            passes: list[float] = []
            while not stop.is_set() and time.monotonic() < deadline:
                started = time.perf_counter()
                for pod in config.pods:
                    if stop.is_set():
                        break
                    build_report(runtime, pod, nows[pod.key])
                else:
                    passes.append(time.perf_counter() - started)
            mean = statistics.mean(passes) if passes else float("nan")
            print(
                f"done {len(passes)} full builds of {pods} PODs x {requests:,} open requests,"
                f" {mean:.2f} s each",
                flush=True,
            )
        finally:
            db.dispose()
    return 0


def start_aging_load(args: argparse.Namespace, seconds: float) -> subprocess.Popen[str]:
    command = [sys.executable, str(Path(__file__).resolve()), "--aging-load"]
    command += ["--aging-pods", str(args.aging_pods), "--aging-requests", str(args.aging_requests)]
    command += ["--aging-seconds", str(seconds)]
    if args.database_url:
        command += ["--database-url", args.database_url]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
    line = _read_line(process.stdout, timeout=300)
    if not line.startswith("ready"):
        process.kill()
        raise RuntimeError(f"the aging load did not start: {line!r}")
    print(f"aging load: pid {process.pid}, {line.removeprefix('ready ')}")
    return process


def _read_line(stream: TextIO | None, timeout: float) -> str:
    assert stream is not None
    ready, _, _ = io_select.select([stream], [], [], timeout)
    return stream.readline().strip() if ready else ""


# --- the clients ---------------------------------------------------------------------------


class SlashCommands:
    """Signed `/proc` slash-command requests, rendered as raw HTTP/1.1 bytes: the form the
    sandbox's Slack client builds (the fields of the slash_command fixture, a fresh trigger_id
    and response_url), signed like Slack signs it."""

    def __init__(self, base_url: str) -> None:
        self._slack = SlackClient(base_url, SIGNING_SECRET)
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname or "127.0.0.1", int(parts.port or 80)

    def render(self, text: str, user_id: str, channel_id: str) -> bytes:
        body = urlencode(self._slack.slash_command_form(text, user_id, channel_id)).encode()
        timestamp = str(int(time.time()))
        head = (
            f"POST /slack/events HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\nX-Slack-Request-Timestamp: {timestamp}\r\n"
            f"X-Slack-Signature: {self._slack.sign(body, timestamp)}\r\n\r\n"
        )
        return head.encode() + body


async def _exchange(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, request: bytes
) -> tuple[int, bytes]:
    """Send one request on a keep-alive connection; (status, body) of the answer."""
    writer.write(request)
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = 0
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value)
    return status, await reader.readexactly(length)


@dataclass
class Round:
    """What one target answered in one round."""

    target: str
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0
    server_cpu: float = 0.0
    leader_cpu: float = 0.0  # the HTTP process's alone (without --workers)
    bench_cpu: float = 0.0

    @property
    def count(self) -> int:
        return len(self.latencies)

    @property
    def rate(self) -> float:
        return self.count / self.seconds if self.seconds else 0.0


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of `values`."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, int(fraction * len(ordered) + 0.999999) - 1))]


def run_round(
    server: Server, work: list[Work], clients: int, *, seconds: float = 0.0, count: int = 0
) -> Round:
    """`clients` closed-loop clients for `seconds` (or until `count` commands); the results.

    The clients are coroutines on one event loop in a thread of this process, each on its own
    keep-alive connection, sending the next command as soon as the last one is answered.
    """
    result = Round(server.name)
    budget = [count] if count else None
    commands = SlashCommands(server.url)

    async def client(index: int, stop_at: float) -> None:
        mine = work[index::clients]
        reader, writer = await asyncio.open_connection(commands.host, commands.port)
        try:
            for i in itertools.count():
                if time.perf_counter() >= stop_at:
                    break
                if budget is not None:
                    if budget[0] <= 0:
                        break
                    budget[0] -= 1
                item = mine[i % len(mine)]
                text = f"update REQ-{item.number} {UPDATE_TEXT} (#{i})"
                request = commands.render(text, item.buyer, item.channel)
                sent = time.perf_counter()
                try:
                    status, body = await _exchange(reader, writer, request)
                except (OSError, asyncio.IncompleteReadError) as exc:
                    result.failures.append(f"{type(exc).__name__}: {exc}")
                    writer.close()
                    reader, writer = await asyncio.open_connection(commands.host, commands.port)
                    continue
                result.latencies.append(time.perf_counter() - sent)
                want = f"Update posted in REQ-{item.number}'s thread."
                if status != 200 or _reply_text(body) != want:
                    result.failures.append(f"HTTP {status}: {body[:200]!r}")
        finally:
            writer.close()

    async def all_clients(stop_at: float) -> None:
        await asyncio.gather(*(client(i, stop_at) for i in range(clients)))

    server.resume()
    cpu, bench = server.cpu_seconds(), time.process_time()
    leader = server.cpu_seconds(leader=True)
    began = time.perf_counter()
    stop_at = began + seconds if seconds else began + 3600
    asyncio.run(all_clients(stop_at))
    result.seconds = time.perf_counter() - began
    result.server_cpu = server.cpu_seconds() - cpu
    result.leader_cpu = server.cpu_seconds(leader=True) - leader
    result.bench_cpu = time.process_time() - bench
    server.pause()
    return result


def park_open_rows(url: str) -> int:
    """Park every pending row (the backlog, the rounds' replies still paced): the
    update-visible samples then measure podbot's delivery, not a queue behind Slack's pace."""
    from sqlalchemy import update

    from bot.db.models import OutboxRow
    from bot.db.session import Database

    db = Database(url)
    try:
        with db.engine.begin() as connection:
            parked = connection.execute(
                update(OutboxRow.__table__)
                .where(OutboxRow.__table__.c.status == "pending")
                .values(status="parked")
            )
            return int(parked.rowcount or 0)
    finally:
        db.dispose()


def visible_latencies(server: Server, api: Any, work: list[Work], samples: int) -> list[float]:
    """Seconds from each command sent to its post reaching the Slack stand-in (its ack comes
    in between), one command at a time:
    podbot's thread reply (its delivery process, woken after the commit), bare's
    chat.postMessage after its ack. Channels in turn, 0.3 s apart: none inside Slack's pace."""
    commands = SlashCommands(server.url)
    channels: dict[str, Work] = {}
    for item in work:
        channels.setdefault(item.channel, item)
    items = list(channels.values())
    latencies = []
    server.resume()
    try:
        for n in range(samples):
            item = items[n % len(items)]
            marker = f"{VISIBLE}{server.name} {n})"
            text = f"update REQ-{item.number} {UPDATE_TEXT} {marker}"
            request = commands.render(text, item.buyer, item.channel)
            with socket.create_connection((commands.host, commands.port)) as sock:
                sent = time.monotonic()
                sock.sendall(request)
                answer = b""
                while b"\r\n\r\n" not in answer or not answer.rstrip().endswith(b"}"):
                    chunk = sock.recv(65536)
                    if not chunk:
                        break
                    answer += chunk
            deadline = time.monotonic() + 10
            arrived = None
            while arrived is None and time.monotonic() < deadline:
                for call in reversed(api.calls_to("chat.postMessage")):
                    if marker in json.dumps(call.params):
                        arrived = call.at
                        break
                else:
                    time.sleep(0.0005)
            if arrived is not None:
                latencies.append(arrived - sent)
            time.sleep(0.3)
    finally:
        server.pause()
    return latencies


def _reply_text(body: bytes) -> str:
    try:
        return str(json.loads(body).get("text"))
    except ValueError:
        return ""


def merged(rounds: list[Round], target: str) -> Round:
    mine = [r for r in rounds if r.target == target]
    total = Round(target)
    for r in mine:
        total.latencies += r.latencies
        total.failures += r.failures
        total.seconds += r.seconds
        total.server_cpu += r.server_cpu
        total.leader_cpu += r.leader_cpu
        total.bench_cpu += r.bench_cpu
    return total


def _row(label: str, r: Round) -> str:
    ms = [x * 1000 for x in r.latencies] or [float("nan")]
    return (
        f"{label:<10} {r.target:<7} {r.count:>7,} {r.rate:>8.1f} {statistics.median(ms):>7.1f}"
        f" {percentile(ms, 0.99):>7.1f} {max(ms):>8.1f} {len(r.failures):>6}"
        f" {100 * r.server_cpu / r.seconds:>6.0f}% {100 * r.bench_cpu / r.seconds:>6.0f}%"
    )


# --- the run -------------------------------------------------------------------------------


def _host() -> str:
    model = "unknown CPU"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} CPUs ({model}), load average {one:.2f} (1 min), {five:.2f} (5 min)"


@contextlib.contextmanager
def servers(
    tmp: Path, url: str, config_path: Path, api_url: str, workers: int
) -> Iterator[list[Server]]:
    started: list[Server] = []
    try:
        started.append(start_podbot(tmp, url, config_path, api_url, workers))
        started.append(start_bare(tmp, api_url, workers))
        yield started
    finally:
        for server in started:
            server.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: temp SQLite)")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--workers",
        type=int,
        default=1,
        help="HTTP worker processes for podbot (`serve --workers`) and for the bare app alike",
    )
    parser.add_argument("--seconds", type=float, default=20.0, help="measured seconds per target")
    parser.add_argument("--rounds", type=int, default=4, help="rounds per target, alternating")
    parser.add_argument("--warmup", type=float, default=2.0, help="unmeasured seconds per target")
    parser.add_argument("--pods", type=int, default=8)
    parser.add_argument("--requests", type=int, default=250, help="requests per POD")
    parser.add_argument(
        "--history",
        type=int,
        default=0,
        help="load N times a POD's two years of history (kpi_stats.py's) into every POD first",
    )
    parser.add_argument(
        "--backlog", type=int, default=0, help="queue N pending posts (paced channels) first"
    )
    parser.add_argument(
        "--during-aging", action="store_true", help="loop the 50-POD aging build meanwhile"
    )
    parser.add_argument("--aging-pods", type=int, default=50)
    parser.add_argument("--aging-requests", type=int, default=2000)
    parser.add_argument(
        "--rss", action="store_true", help="then send 10,000 commands to each; RSS after"
    )
    parser.add_argument("--rss-commands", type=int, default=10_000)
    parser.add_argument(
        "--visible", type=int, default=20, help="then N single updates each: ack to post (0: off)"
    )
    parser.add_argument("--serve-bare", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--aging-load", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--aging-seconds", type=float, default=600, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.serve_bare:
        return serve_bare(args.port, args.workers)
    if args.aging_load:
        return aging_load(
            args.database_url, args.aging_pods, args.aging_requests, args.aging_seconds
        )

    if importlib.util.find_spec("aiohttp") is None:
        # slack_bolt's AsyncApp imports aiohttp; podbot itself does not need it.
        print("ack_latency: the bare Bolt baseline needs aiohttp: .venv/bin/pip install aiohttp")
        return 2
    from aging_scale import fresh_database

    from slackfake.web_api import SlackApiServer

    with (
        tempfile.TemporaryDirectory(prefix="podbot-ack-") as tmp_name,
        fresh_database(args.database_url) as (url, label),
        SlackApiServer(valid_tokens={TOKEN}, strict_channels=False) as api,
    ):
        tmp = Path(tmp_name)
        print(f"database: {label}")
        print(f"host: {_host()} at start (other work skews the timings)")
        config_path = tmp / "podbot.toml"
        config_path.write_text(config_toml(args.pods), encoding="utf-8")
        started = time.perf_counter()
        work = prepare(url, config_path, args.requests)
        for item in work:  # the cards, so that their edits land
            api.add_message(item.channel, f"REQ-{item.number}", "UBOT", ts=item.card_ts)
        print(
            f"setup: `podbot db upgrade`, {args.pods} PODs, {len(work):,} requests under"
            f" negotiation with a buyer and a card, in {time.perf_counter() - started:.1f} s"
        )
        if args.history:
            started = time.perf_counter()
            loaded = load_history(url, config_path, args.history)
            print(f"history: {loaded}, in {time.perf_counter() - started:.1f} s")
        if args.backlog:
            print(f"backlog: {queue_backlog(url, work, args.backlog)}")
        with servers(tmp, url, config_path, api.url, args.workers) as (podbot, bare):
            return measure(args, url, api, podbot, bare, work)


def measure(
    args: argparse.Namespace, url: str, api: Any, podbot: Server, bare: Server, work: list[Work]
) -> int:
    idle = {server.name: server.memory() for server in (podbot, bare)}
    print(
        f"podbot: `podbot serve --no-scheduler --workers {args.workers}` pid {podbot.pid} at"
        f" {podbot.url}, Slack Web API fake at {api.url}, channel_interval 1 s (default)"
    )
    print(
        "bare:   Bolt AsyncApp + AsyncSlackRequestHandler under uvicorn"
        f" ({args.workers} worker process{'es' if args.workers > 1 else ''}), pid {bare.pid}"
    )
    http = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    print(f"uvicorn (both): {http} HTTP parser, {loop} event loop")
    print(
        f"clients: {args.clients} coroutines on one event loop in this process, one keep-alive"
        " connection each, signed `/proc update REQ-n <text>` as the assigned buyer, closed loop"
    )
    for server in (podbot, bare):
        server.pause()
    aging = None
    rounds: list[Round] = []
    warmups: list[Round] = []
    rss_rounds: list[Round] = []
    after_rss: dict[str, tuple[float, float]] = {}
    visible: dict[str, list[float]] = {}
    try:
        if args.during_aging:
            budget = 2 * (args.seconds + args.warmup) + 60
            if args.rss:
                budget += 600
            aging = start_aging_load(args, budget)
        header = (
            f"{'round':<10} {'target':<7} {'acks':>7} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}"
            f" {'max ms':>8} {'failed':>6} {'server':>7} {'bench':>7}   (CPU, % of one core)"
        )
        if args.rss:
            print(f"RSS: {args.rss_commands:,} commands to each target first (16 clients):")
            print(header)
            for server in (podbot, bare):
                rss_rounds.append(run_round(server, work, args.clients, count=args.rss_commands))
                print(_row("10k", rss_rounds[-1]))
                after_rss[server.name] = server.memory()
        for server in (podbot, bare):
            warm = run_round(server, work, args.clients, seconds=args.warmup)
            warmups.append(warm)
            print(f"warm-up: {server.name} {warm.count} commands in {warm.seconds:.1f} s")
        each = args.seconds / args.rounds
        print(f"{args.rounds} rounds of {each:g} s per target, alternating:")
        print(header)
        for number in range(1, args.rounds + 1):
            for server in (podbot, bare):
                rounds.append(run_round(server, work, args.clients, seconds=each))
                print(_row(f"{number}", rounds[-1]))
        after = {server.name: server.memory() for server in (podbot, bare)}
        if args.visible:
            podbot.resume()
            parked = park_open_rows(url)
            time.sleep(1.5)  # every channel's last post outside Slack's one-second window
            podbot.pause()
            print(
                f"update visible in its thread (command sent to its post reaching the stand-in), "
                f"{args.visible} single commands each, after parking {parked:,} pending rows:"
            )
            for server in (podbot, bare):
                seen = visible_latencies(server, api, work, args.visible)
                visible[server.name] = seen
                if seen:
                    print(
                        f"  {server.name:<7} p50 {1000 * statistics.median(seen):6.1f} ms,"
                        f" max {1000 * max(seen):6.1f} ms ({len(seen)} of {args.visible} seen)"
                    )
            if visible.get("podbot") and visible.get("bare"):
                ratio = statistics.median(visible["podbot"]) / statistics.median(visible["bare"])
                print(f"  ratio podbot / bare (p50): {ratio:.1f}x (target <= 3x)")
    finally:
        if aging is not None:
            aging.send_signal(signal.SIGTERM)
            try:
                out, _ = aging.communicate(timeout=60)
            except subprocess.TimeoutExpired:
                aging.kill()
                out, _ = aging.communicate()
            print(f"aging load: {out.strip() or 'no summary'}")
    podbot.resume()  # a paused podbot may hold SQLite's write lock
    outbox = deliveries_by_status(url)
    sent = {
        name: sum(
            r.count + len(r.failures) for r in [*warmups, *rounds, *rss_rounds] if r.target == name
        )
        for name in ("podbot", "bare")
    }
    failures = [f for r in [*warmups, *rss_rounds] for f in r.failures]
    memory = (idle, after_rss, after)
    return report(args, rounds, rss_rounds, memory, outbox, podbot, sent, failures)


def report(
    args: argparse.Namespace,
    rounds: list[Round],
    rss_rounds: list[Round],
    memory: tuple[dict[str, tuple[float, float]], ...],
    outbox: dict[str, int],
    podbot_server: Server,
    sent: dict[str, int],
    other_failures: list[str],
) -> int:
    """Print the totals, ratios, memory and outbox, then the verdict; 0 when every target is met."""
    idle, after_rss, after = memory
    podbot, bare = merged(rounds, "podbot"), merged(rounds, "bare")
    print("all rounds:")
    print(_row("total", podbot))
    print(_row("total", bare))
    p50 = [statistics.median(r.latencies) * 1000 for r in (podbot, bare)]
    p99 = [percentile(r.latencies, 0.99) * 1000 for r in (podbot, bare)]
    share = podbot.rate / bare.rate
    print(
        f"ratio podbot / bare: p50 {p50[0] / p50[1]:.1f}x, p99 {p99[0] / p99[1]:.1f}x,"
        f" throughput {100 * share:.0f}% of bare"
    )
    # Throughput also depends on how busy each server could be kept; CPU per ack does not.
    cost = [1000 * r.server_cpu / max(r.count, 1) for r in (podbot, bare)]
    print(
        f"server CPU per ack: podbot {cost[0]:.2f} ms, bare {cost[1]:.2f} ms"
        f" (bare's is {100 * cost[1] / cost[0]:.0f}% of podbot's); podbot's HTTP process"
        f" alone {1000 * podbot.leader_cpu / max(podbot.count, 1):.2f} ms"
        f" ({100 * podbot.leader_cpu / podbot.seconds:.0f}% of one core)"
    )
    failures = podbot.failures + bare.failures + other_failures
    for failure in sorted(set(failures))[:5]:
        print(f"  failed: {failure}")
    print(
        "RSS (MiB, VmRSS / VmHWM): "
        + "; ".join(
            f"{name} idle after startup {idle[name][0]:.0f} / {idle[name][1]:.0f},"
            f" at the end {after[name][0]:.0f} / {after[name][1]:.0f}"
            for name in ("podbot", "bare")
        )
    )
    if rss_rounds:
        peak = {name: after_rss[name][1] for name in ("podbot", "bare")}
        print(
            f"RSS after the first {args.rss_commands:,} commands (VmHWM): podbot"
            f" {peak['podbot']:.0f} MiB (+{peak['podbot'] - idle['podbot'][1]:.0f} over idle),"
            f" bare {peak['bare']:.0f} MiB, ratio {peak['podbot'] / peak['bare']:.1f}x;"
            f" at the end podbot {after['podbot'][1]:.0f} MiB after {sent['podbot']:,} commands"
        )
    waiting = outbox.get("pending", 0) + outbox.get("in_flight", 0)
    print(
        f"outbox: {outbox.get('delivered', 0):,} thread replies delivered, {waiting:,} waiting"
        f" (Slack's 1 message/s per channel paces {args.pods} channels; podbot was paused"
        f" during bare rounds), {outbox.get('parked', 0)} parked"
    )
    from aging_scale import steal_since

    print(f"host: {_host()} at the end; {steal_since()}")

    # Issue 26's targets, with the history and the backlog loaded as well.
    limit = 500.0 if args.during_aging else 100.0
    floor = 0.25 if args.database_url else 0.50
    ok_p99 = p99[0] <= limit
    ok_share = share >= floor
    ok = ok_p99 and ok_share and not failures
    where = "during the 50-POD aging build" if args.during_aging else "idle otherwise"
    if args.history or args.backlog:
        where += f", {args.history}x history, {args.backlog:,} posts queued first"
    rss = ""
    if rss_rounds:
        rss = f"; podbot RSS peak {idle['podbot'][1]:.0f} MiB idle, {after_rss['podbot'][1]:.0f}"
        rss += f" MiB after {args.rss_commands:,} commands (bare {after_rss['bare'][1]:.0f} MiB)"
    print(
        f"verdict: {'PASS' if ok else 'FAIL'}: {podbot_server.name} p99 {p99[0]:.0f} ms"
        f" (target <= {limit:.0f} ms, {where}) {'ok' if ok_p99 else 'MISSED'};"
        f" throughput {podbot.rate:.0f} req/s = {100 * share:.0f}% of bare Bolt's"
        f" {bare.rate:.0f} (target >= {100 * floor:.0f}%) {'ok' if ok_share else 'MISSED'};"
        f" failed acks {len(failures)}{rss}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
