"""Ack latency under attack: signed `/proc help` while unsigned 12 MiB POSTs and garbage arrive.

A real `podbot serve --no-scheduler` (SQLite by default, or PostgreSQL) answers one client
that sends signed `/proc help` one after another for `--seconds`, twice: first with nothing
else arriving (the baseline, the same server and client side by side), then while attackers
send unsigned 12 MiB form POSTs in a loop and a stream of malformed bodies (bad signatures,
invalid JSON, bad UTF-8, deep nesting) to `/slack/events`. Printed per phase: acks, p50 / p99 /
max ack latency, acks over Slack's 3 s deadline, the attack requests sent and how they were
answered, and the server's RSS and peak RSS (VmHWM). Before the seam refused bodies while
reading them, one such POST stalled every request for ~4 s and added ~620 MiB.

    .venv/bin/python bench/attack.py
    .venv/bin/python bench/attack.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing
import multiprocessing.synchronize
import socket
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ack_latency import SIGNING_SECRET, TOKEN, config_toml, percentile, start_podbot
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


def attack(url: str) -> tuple[list[multiprocessing.Process], object, dict]:
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


def measure(url: str, seconds: float) -> list[float]:
    """Signed `/proc help`, one after another for `seconds`; each ack's latency in seconds."""
    client = SlackClient(url, SIGNING_SECRET)
    latencies = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.perf_counter()
        response = client.slash_command("help", user_id="U0AN0001", channel_id="C0POD0001")
        latencies.append(time.perf_counter() - started)
        if response.status != 200:
            raise RuntimeError(f"/proc help answered {response.status}")
    return latencies


def row(name: str, latencies: list[float], rss: tuple[float, float]) -> str:
    over = sum(latency > 3.0 for latency in latencies)
    return (
        f"{name:>9}  {len(latencies):>5}  {percentile(latencies, 0.5) * 1000:>7.1f}"
        f"  {percentile(latencies, 0.99) * 1000:>7.1f}  {max(latencies) * 1000:>8.1f}"
        f"  {over:>6}  {rss[0]:>7.0f}  {rss[1]:>8.0f}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: temp SQLite)")
    parser.add_argument("--seconds", type=float, default=15.0, help="measured seconds per phase")
    args = parser.parse_args(argv)

    from bot.cli import main as podbot_main
    from slackfake.web_api import SlackApiServer

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
        print(f"database: {label}")
        server = start_podbot(tmp, url, config, api.url, workers=1)
        try:
            measure(server.url, 2.0)  # warm up: imports, connections, caches
            quiet = measure(server.url, args.seconds)
            quiet_rss = server.memory()
            processes, (manager, stop), shared = attack(server.url)
            try:
                loud = measure(server.url, args.seconds)
            finally:
                stop.set()
                for process in processes:
                    process.join(timeout=60)
            loud_rss = server.memory()
            seen: Counter[str] = Counter()
            for key, count in shared.items():
                seen[key.split(":", 1)[1]] += count
            manager.shutdown()
        finally:
            server.stop()
    print(f"{'':>9}  {'acks':>5}  {'p50 ms':>7}  {'p99 ms':>7}  {'max ms':>8}  {'> 3 s':>6}"
          f"  {'RSS MiB':>7}  {'peak MiB':>8}")  # fmt: skip
    print(row("no attack", quiet, quiet_rss))
    print(row("attack", loud, loud_rss))
    print("attack requests: " + ", ".join(f"{n} x {what}" for what, n in sorted(seen.items())))
    ratio = percentile(loud, 0.99) / percentile(quiet, 0.99)
    grown = loud_rss[1] - quiet_rss[1]
    print(f"ratio p99 attack / no attack: {ratio:.2f}x; peak RSS grew {grown:.0f} MiB")
    ok = max(loud) < 3.0
    print(f"verdict: {'PASS' if ok else 'FAIL'}: every ack under Slack's 3 s deadline under attack")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
