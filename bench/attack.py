"""Ack latency under attack: signed `/proc help` while floods, garbage or slow clients arrive.

A real `podbot serve --no-scheduler` (SQLite by default, or PostgreSQL) answers one client
that sends signed `/proc help` one after another, each on a new connection as Slack does, for
`--seconds` per phase: first with nothing else arriving (the baseline, the same server and
client side by side), then under each attack:

- flood: attackers send unsigned 12 MiB form POSTs in a loop and a stream of malformed bodies
  (bad signatures, invalid JSON, bad UTF-8, deep nesting) to `/slack/events`. Before the seam
  refused bodies while reading them, one such POST stalled every request for ~4 s and added
  ~620 MiB.
- slow: `--slow-clients` connections (250) each send one byte every `--dribble-every` seconds
  (5), half of them dribbling their headers and half a body whose headers promised 64 KiB;
  one the server closes is opened again, so that many stay open. The server runs with
  `--nofile` file descriptors (256, as the issue measured): before podbot bounded header and
  body time and its connections, the dribblers held every descriptor and Slack's next request
  was never answered.

Printed per phase: acks, acks that failed (refused, reset, timed out, not 200), p50 / p99 / max
ack latency, acks over Slack's 3 s deadline, the server's RSS and peak RSS (VmHWM), and how the
attack was answered (for the slow clients: how many the server cut off, after how long, and how
many were still open at the end).

    .venv/bin/python bench/attack.py
    .venv/bin/python bench/attack.py --attack slow --seconds 30
    .venv/bin/python bench/attack.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import multiprocessing
import multiprocessing.synchronize
import resource
import socket
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ack_latency import SIGNING_SECRET, TOKEN, Server, config_toml, percentile, start_podbot
from aging_scale import fresh_database

from slackfake.signing import SlackClient

HUGE = 12 * 1024 * 1024
HUGE_BODY = (b"a=b&" * (HUGE // 4 + 1))[:HUGE]  # millions of fields for a parser to chew
GARBAGE = [
    (b"{not json", "application/json"),
    (b"[1, 2, 3]", "application/json"),
    (b"\xff\xfe\x00 not utf-8", "application/x-www-form-urlencoded"),
    (b"[" * 50_000 + b"]" * 50_000, "application/json"),
    (b"payload=%7Boops", "application/x-www-form-urlencoded"),
]


def huge_post(url: str) -> int:
    """One unsigned 12 MiB form POST, sent whole as fast as the socket takes it; its status."""
    parts = urlsplit(url)
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: "
        f"application/x-www-form-urlencoded\r\nContent-Length: {HUGE}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        # Answered and closed before the body was all sent: it was refused early.
        with contextlib.suppress(OSError):
            sock.sendall(head + HUGE_BODY)
        answer = b""
        try:
            while b"\r\n" not in answer:
                data = sock.recv(4096)
                if not data:
                    break
                answer += data
        except OSError:
            pass
    status = answer.split(b" ", 2)[1:2]
    return int(status[0]) if status and status[0].isdigit() else 0


def attacker(url: str, kind: str, stop: multiprocessing.synchronize.Event, seen: dict) -> None:
    """One attacking process (its own GIL, so the measuring client is not slowed by it)."""
    client = SlackClient(url, SIGNING_SECRET)
    forged = SlackClient(url, "not-the-secret")
    counts: Counter[str] = Counter()
    n = 0
    while not stop.is_set():
        if kind == "huge":
            counts[f"12 MiB unsigned -> {huge_post(url)}"] += 1
        else:
            body, content_type = GARBAGE[n % len(GARBAGE)]
            sender = client if n % 2 else forged  # signed garbage and badly signed garbage
            status = sender.post_raw(body, content_type).status
            counts[f"{'signed' if n % 2 else 'forged'} garbage -> {status}"] += 1
        n += 1
    for what, count in counts.items():
        seen[f"{kind}:{what}"] = count


def flood(url: str) -> tuple[list[multiprocessing.Process], object, dict]:
    """Two processes of 12 MiB POSTs and two of garbage, until the event is set."""
    manager = multiprocessing.Manager()
    stop, seen = manager.Event(), manager.dict()
    processes = [
        multiprocessing.Process(target=attacker, args=(url, kind, stop, seen), daemon=True)
        for kind in ("huge", "huge", "garbage", "garbage")
    ]
    for process in processes:
        process.start()
    return processes, (manager, stop), seen


SLOW_BODY_BYTES = 64 * 1024


def slow_clients(
    url: str,
    clients: int,
    every: float,
    stop: multiprocessing.synchronize.Event,
    ready: multiprocessing.synchronize.Event,
    seen: dict,
) -> None:
    """One process holding `clients` dribbling connections open until `stop` is set."""
    asyncio.run(_dribble_all(url, clients, every, stop, ready, seen))


async def _dribble_all(
    url: str,
    clients: int,
    every: float,
    stop: multiprocessing.synchronize.Event,
    ready: multiprocessing.synchronize.Event,
    seen: dict,
) -> None:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    cut: dict[str, list[float]] = {}  # how it ended -> each connection's lifetime, seconds
    still_open: dict[int, float] = {}  # connection -> when it opened
    counts: Counter[str] = Counter()
    stopping = asyncio.Event()

    async def one(n: int) -> None:
        kind = "headers" if n % 2 == 0 else "body"
        head = f"POST /slack/events HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        if kind == "headers":
            first, byte = head + "X-Slow: ", b"a"
        else:
            first = head + (
                "Content-Type: application/x-www-form-urlencoded\r\n"
                f"Content-Length: {SLOW_BODY_BYTES}\r\n\r\n"
            )
            byte = b"a"
        while not stopping.is_set():
            try:
                reader, writer = await asyncio.open_connection(host, port)
            except OSError:
                counts["could not connect"] += 1
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stopping.wait(), every)
                continue
            opened = time.monotonic()
            still_open[n] = opened
            counts["opened"] += 1
            if counts["opened"] >= clients:
                ready.set()
            answer = asyncio.ensure_future(reader.read(4096))
            ended = ""
            try:
                writer.write(first.encode())
                while not stopping.is_set():
                    done, _ = await asyncio.wait({answer}, timeout=every)
                    if done:
                        try:
                            data = answer.result()
                        except OSError as exc:
                            data, ended = b"", type(exc).__name__
                        status = data.split(b" ", 2)[1:2]
                        ended = ended or (f"{status[0].decode()} and closed" if data else "closed")
                        break
                    writer.write(byte)
                    await writer.drain()
            except OSError as exc:
                ended = type(exc).__name__
            finally:
                answer.cancel()
                writer.close()
                del still_open[n]
            if ended:
                cut.setdefault(f"{kind}: {ended}", []).append(time.monotonic() - opened)

    async def watch() -> None:
        while not stop.is_set():
            await asyncio.sleep(0.2)
        now = time.monotonic()
        ages = sorted(now - opened for opened in still_open.values())
        seen["still open"] = (len(ages), ages[-1] if ages else 0.0)
        stopping.set()

    await asyncio.gather(watch(), *(one(n) for n in range(clients)))
    for how, lifetimes in cut.items():
        seen[f"cut off, {how}"] = (len(lifetimes), max(lifetimes))
    seen["opened"] = (counts["opened"], 0.0)
    if counts["could not connect"]:
        seen["could not connect"] = (counts["could not connect"], 0.0)


def measure(url: str, seconds: float) -> tuple[list[float], Counter[str]]:
    """Signed `/proc help`, one after another for `seconds`: each answered ack's latency in
    seconds, and the acks that failed (no answer within 5 s, reset, refused, not 200)."""
    client = SlackClient(url, SIGNING_SECRET, timeout=5.0)
    latencies = []
    failed: Counter[str] = Counter()
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        try:
            response = client.slash_command("help", user_id="U0AN0001", channel_id="C0POD0001")
        except OSError as exc:
            failed[type(exc).__name__] += 1
            continue
        if response.status != 200:
            failed[f"HTTP {response.status}"] += 1
            continue
        latencies.append(time.perf_counter() - started)
    return latencies, failed


def row(name: str, acks: tuple[list[float], Counter[str]], rss: tuple[float, float]) -> str:
    latencies, failed = acks
    over = sum(latency > 3.0 for latency in latencies)

    def ms(fraction: float) -> str:
        return f"{percentile(latencies, fraction) * 1000:.1f}" if latencies else "-"

    return (
        f"{name:>9}  {len(latencies):>5}  {sum(failed.values()):>6}  {ms(0.5):>7}"
        f"  {ms(0.99):>7}  {ms(1.0):>8}  {over:>6}  {rss[0]:>7.0f}  {rss[1]:>8.0f}"
    )


@contextlib.contextmanager
def file_limit(nofile: int):  # type: ignore[no-untyped-def]
    """Processes started inside get at most `nofile` descriptors (0: as this one)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if nofile:
        resource.setrlimit(resource.RLIMIT_NOFILE, (nofile, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def run_flood(server: Server, seconds: float) -> tuple[list[float], Counter[str], list[str]]:
    processes, (manager, stop), shared = flood(server.url)
    try:
        latencies, failed = measure(server.url, seconds)
    finally:
        stop.set()  # type: ignore[attr-defined]
        for process in processes:
            process.join(timeout=60)
    seen: Counter[str] = Counter()
    for key, count in shared.items():
        seen[key.split(":", 1)[1]] += count
    manager.shutdown()  # type: ignore[attr-defined]
    answered = ", ".join(f"{n} x {what}" for what, n in sorted(seen.items()))
    return latencies, failed, [f"flood requests: {answered}"]


def run_slow(
    server: Server, seconds: float, clients: int, every: float
) -> tuple[list[float], Counter[str], list[str]]:
    manager = multiprocessing.Manager()
    stop, ready, shared = manager.Event(), manager.Event(), manager.dict()
    process = multiprocessing.Process(
        target=slow_clients, args=(server.url, clients, every, stop, ready, shared), daemon=True
    )
    process.start()
    try:
        ready.wait(30)  # every dribbler has connected once
        latencies, failed = measure(server.url, seconds)
    finally:
        stop.set()
        process.join(timeout=60)
    lines = []
    for what, (count, longest) in sorted(shared.items()):
        if what.startswith("cut off"):
            lines.append(f"slow clients {what}: {count}, the longest after {longest:.1f} s")
        elif what == "still open":
            lines.append(f"slow clients still open at the end: {count}, the oldest {longest:.1f} s")
        else:
            lines.append(f"slow clients {what}: {count}")
    manager.shutdown()
    return latencies, failed, lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: temp SQLite)")
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per phase")
    parser.add_argument("--attack", choices=("flood", "slow", "both"), default="both")
    parser.add_argument("--slow-clients", type=int, default=250, help="dribbling connections")
    parser.add_argument("--dribble-every", type=float, default=5.0, help="seconds between bytes")
    parser.add_argument(
        "--nofile", type=int, default=256, help="the server's file descriptors (0: inherit)"
    )
    args = parser.parse_args(argv)

    from bot.cli import main as podbot_main
    from slackfake.web_api import SlackApiServer

    phases: dict[str, tuple[list[float], Counter[str], tuple[float, float]]] = {}
    notes: list[str] = []
    with (
        tempfile.TemporaryDirectory(prefix="podbot-attack-") as tmp_name,
        fresh_database(args.database_url) as (url, label),
        SlackApiServer(valid_tokens={TOKEN}, strict_channels=False) as api,
    ):
        tmp = Path(tmp_name)
        config = tmp / "podbot.toml"
        config.write_text(config_toml(1), encoding="utf-8")
        if podbot_main(["db", "upgrade", "--database-url", url]) != 0:
            return 1
        print(f"database: {label}; server file descriptors: {args.nofile or 'inherited'}")
        with file_limit(args.nofile):
            server = start_podbot(tmp, url, config, api.url, workers=1)
        try:
            measure(server.url, 2.0)  # warm up: imports, connections, caches
            latencies, failed = measure(server.url, args.seconds)
            phases["no attack"] = (latencies, failed, server.memory())
            if args.attack in ("flood", "both"):
                latencies, failed, lines = run_flood(server, args.seconds)
                phases["flood"] = (latencies, failed, server.memory())
                notes += lines
            if args.attack in ("slow", "both"):
                latencies, failed, lines = run_slow(
                    server, args.seconds, args.slow_clients, args.dribble_every
                )
                phases["slow"] = (latencies, failed, server.memory())
                notes += lines
        finally:
            server.stop()
    print(f"{'':>9}  {'acks':>5}  {'failed':>6}  {'p50 ms':>7}  {'p99 ms':>7}  {'max ms':>8}"
          f"  {'> 3 s':>6}  {'RSS MiB':>7}  {'peak MiB':>8}")  # fmt: skip
    for name, (latencies, failed, rss) in phases.items():
        print(row(name, (latencies, failed), rss))
    for note in notes:
        print(note)
    quiet, _, quiet_rss = phases["no attack"]
    ok = True
    for name, (latencies, failed, rss) in phases.items():
        if name == "no attack":
            continue
        if failed:
            print(f"{name}: failed acks: " + ", ".join(f"{n} x {w}" for w, n in failed.items()))
        if latencies:
            ratio = percentile(latencies, 0.99) / percentile(quiet, 0.99)
            print(f"{name}: ratio p99 attack / no attack: {ratio:.2f}x; peak RSS grew "
                  f"{rss[1] - quiet_rss[1]:.0f} MiB")  # fmt: skip
        ok = ok and bool(latencies) and not failed and max(latencies) < 3.0
    print(
        f"verdict: {'PASS' if ok else 'FAIL'}: every ack answered, under Slack's 3 s deadline, "
        "under attack"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
