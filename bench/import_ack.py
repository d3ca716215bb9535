"""`/proc update` acks while `podbot import requests` writes 10,000 requests, beside no import.

A real `podbot serve --no-scheduler` (SQLite by default, or PostgreSQL) answers signed
`/proc update` from a few clients, each sending its next command 20 ms after the last was
answered, and `/healthz` probes every 100 ms. First for `--seconds` with nothing else going
on (the baseline), then for as long as a `podbot import requests` subprocess takes to write
`--rows` new requests (validation, then batches of `bot.db.imports.BATCH`; its cards are left
queued, `--wait 0`), or with `--kind contracts` a `podbot import contracts` of `--rows` new
contracts (one short bulk transaction). Prints p50/p99/max of both phases, the ratio import /
baseline, acks over 1 s and 3 s, and how long the import took. The issue measured 25–50 s acks
and half the `/healthz` probes timing out when the import was one transaction.

    .venv/bin/python bench/import_ack.py
    .venv/bin/python bench/import_ack.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
    .venv/bin/python bench/import_ack.py --kind contracts
"""

from __future__ import annotations

import argparse
import asyncio
import fcntl
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ack_latency import (
    TOKEN,
    UPDATE_TEXT,
    SlashCommands,
    Work,
    _exchange,
    _host,
    _reply_text,
    config_toml,
    percentile,
    podbot_command,
    prepare,
    start_podbot,
)
from aging_scale import fresh_database
from sqlalchemy import make_url

from slackfake.web_api import SlackApiServer

ROOT = Path(__file__).resolve().parents[1]
HEADER = (
    "external_id,pod,customer,tool,type,stage,buyer,analyst,created,assigned,current_spend,"
    "renewal_date,notes,last_update,last_update_at"
)


def stack_csv(path: Path, rows: int, pods: int) -> Path:
    """`rows` contracts spread over the PODs, twenty tools per customer."""
    lines = ["pod,customer,tool,annual_amount,currency,renewal_date,billing_cycle,auto_renew,"
             "notice_days"]  # fmt: skip
    for n in range(rows):
        lines.append(
            f"pod{n % pods + 1:02d},Customer {n // 20},Tool {n % 20},{n % 90 + 1}k,USD,"
            "2027-03-31,annual,yes,60"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def tracker_csv(path: Path, rows: int, pods: int) -> Path:
    """`rows` open requests spread over the PODs, a third at each stage."""
    lines = [HEADER]
    for n in range(1, rows + 1):
        i = n % pods + 1
        stage = ("intake", "qualified", "negotiating")[n % 3]
        buyer = f"U0BY{i:04d}1" if stage == "negotiating" else ""
        analyst = f"U0AN{i:04d}" if stage != "intake" else ""
        assigned = "2026-11-10 10:00" if stage == "negotiating" else ""
        update = ("asked for a discount", "2026-11-20 15:00") if n % 5 == 0 else ("", "")
        lines.append(
            f"B-{n:06d},pod{i:02d},Customer {n % 997},Tool {n % 31},new,{stage},{buyer},"
            f"{analyst},2026-11-09,{assigned},{n % 90 + 1}k,2027-03-31,note {n},{update[0]},"
            f"{update[1]}"
        )
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@dataclass
class Phase:
    """What the clients and the probe saw in one phase."""

    name: str
    acks: list[float] = field(default_factory=list)
    probes: list[float] = field(default_factory=list)
    waits: list[float] = field(default_factory=list)  # for SQLite's writers' queue
    failures: list[str] = field(default_factory=list)
    seconds: float = 0.0


def measure(
    base_url: str, work: list[Work], clients: int, done: Callable[[], bool], name: str,
    queue: Path | None,
) -> Phase:  # fmt: skip
    """Closed-loop `/proc update` clients (20 ms between commands), a `/healthz` probe every
    100 ms and, on SQLite, a writer taking the writers' queue (`queue`, the lock every podbot
    writer takes first) every 50 ms, until `done()` says stop. The queue's wait is the part
    of an ack the import can cause; the rest is CPU, shared with the import and this bench."""
    phase = Phase(name)
    commands = SlashCommands(base_url)

    async def client(index: int) -> None:
        mine = work[index::clients]
        reader, writer = await asyncio.open_connection(commands.host, commands.port)
        try:
            i = 0
            while not done():
                item = mine[i % len(mine)]
                i += 1
                request = commands.render(
                    f"update REQ-{item.number} {UPDATE_TEXT} (#{i})", item.buyer, item.channel
                )
                sent = time.perf_counter()
                status, body = await _exchange(reader, writer, request)
                phase.acks.append(time.perf_counter() - sent)
                if (
                    status != 200
                    or _reply_text(body) != f"Update posted in REQ-{item.number}'s thread."
                ):
                    phase.failures.append(f"HTTP {status}: {body[:120]!r}")
                await asyncio.sleep(0.02)
        finally:
            writer.close()

    async def probe() -> None:
        while not done():
            sent = time.perf_counter()
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection(commands.host, commands.port), 5
                )
                writer.write(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                await asyncio.wait_for(reader.read(), 5)
                writer.close()
                phase.probes.append(time.perf_counter() - sent)
            except (OSError, TimeoutError):
                phase.failures.append("healthz probe over 5 s")
                phase.probes.append(5.0)
            await asyncio.sleep(0.1)

    def take_queue() -> float:
        assert queue is not None
        with queue.open("a+b") as lock:
            began = time.perf_counter()
            fcntl.flock(lock, fcntl.LOCK_EX)
            waited = time.perf_counter() - began
            fcntl.flock(lock, fcntl.LOCK_UN)
        return waited

    async def writer() -> None:
        while queue is not None and not done():
            phase.waits.append(await asyncio.to_thread(take_queue))
            await asyncio.sleep(0.05)

    async def everything() -> None:
        await asyncio.gather(probe(), writer(), *(client(i) for i in range(clients)))

    began = time.perf_counter()
    asyncio.run(everything())
    phase.seconds = time.perf_counter() - began
    return phase


def line(phase: Phase) -> str:
    ms = [x * 1000 for x in phase.acks] or [float("nan")]
    probes = [x * 1000 for x in phase.probes] or [float("nan")]
    waits = [x * 1000 for x in phase.waits] or [float("nan")]
    slow = sum(1 for x in phase.acks if x > 1.0)
    lost = sum(1 for x in phase.acks if x > 3.0)
    return (
        f"{phase.name:<9} {phase.seconds:>6.1f} {len(ms):>6} {statistics.median(ms):>7.1f}"
        f" {percentile(ms, 0.99):>8.1f} {max(ms):>8.1f} {slow:>6} {lost:>6}"
        f" {statistics.median(probes):>8.1f} {max(probes):>9.1f}"
        f" {percentile(waits, 0.99):>8.1f} {max(waits):>8.1f} {len(phase.failures):>6}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: temp SQLite)")
    parser.add_argument("--rows", type=int, default=10_000, help="rows the import writes")
    parser.add_argument(
        "--kind", choices=("requests", "contracts"), default="requests",
        help="`podbot import requests` (default) or `podbot import contracts`",
    )  # fmt: skip
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=10.0, help="baseline phase length")
    parser.add_argument("--pods", type=int, default=8)
    args = parser.parse_args(argv)

    with (
        tempfile.TemporaryDirectory(prefix="podbot-import-ack-") as tmp_name,
        fresh_database(args.database_url) as (url, label),
        SlackApiServer(valid_tokens={TOKEN}, strict_channels=False) as api,
    ):
        tmp = Path(tmp_name)
        print(f"database: {label}")
        print(f"host: {_host()} at start (other work skews the timings)")
        config_path = tmp / "podbot.toml"
        config_path.write_text(config_toml(args.pods), encoding="utf-8")
        work = prepare(url, config_path, 50)
        make = tracker_csv if args.kind == "requests" else stack_csv
        csv = make(tmp / f"{args.kind}.csv", args.rows, args.pods)
        database = make_url(url).database if url.startswith("sqlite") else None
        queue = Path(f"{database}.writer.lock") if database else None
        server = start_podbot(tmp, url, config_path, api.url, 1)
        try:
            print(
                f"podbot serve pid {server.pid}; {args.clients} clients (20 ms between commands)"
                " sending `/proc update`, one `/healthz` probe every 100 ms"
            )
            stop_at = time.monotonic() + args.seconds
            quiet = measure(server.url, work, args.clients, lambda: time.monotonic() > stop_at,
                            "no import", queue)  # fmt: skip
            env = {**os.environ, "DATABASE_URL": url, "SLACK_BOT_TOKEN": TOKEN,
                   "SLACK_API_URL": api.url, "PODBOT_CONFIG": str(config_path)}  # fmt: skip
            command = [*podbot_command(), "import", args.kind, str(csv)]
            command += ["--wait", "0"] if args.kind == "requests" else []
            began = time.monotonic()
            importing = subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                text=True,
            )  # fmt: skip
            during = measure(server.url, work, args.clients,
                             lambda: importing.poll() is not None, "import", queue)  # fmt: skip
            out, err = importing.communicate()
            took = time.monotonic() - began
        finally:
            server.stop()
        if importing.returncode != 0:
            print(f"the import failed ({importing.returncode}):\n{err}")
            return 1
        summary = next((x for x in out.splitlines() if x.startswith("Imported")), out.strip())
        print(f"import: {summary} in {took:.1f} s (validation and start included)")
        print(
            f"{'phase':<9} {'s':>6} {'acks':>6} {'p50 ms':>7} {'p99 ms':>8} {'max ms':>8}"
            f" {'>1 s':>6} {'>3 s':>6} {'hz p50':>8} {'hz max ms':>9} {'wq p99':>8}"
            f" {'wq max':>8} {'failed':>6}"
        )
        print(line(quiet))
        print(line(during))
        print("wq: waits of a writer for SQLite's writers' queue, every 50 ms (ms)")
        p50 = [statistics.median(p.acks) for p in (quiet, during)]
        p99 = [percentile(p.acks, 0.99) for p in (quiet, during)]
        print(f"ratio import / no import: p50 {p50[1] / p50[0]:.1f}x, p99 {p99[1] / p99[0]:.1f}x")
        for failure in sorted(set(quiet.failures + during.failures))[:5]:
            print(f"  failed: {failure}")
        met = max(during.acks) < 1.0 and not during.failures
        print(f"target: every ack under 1 s during the import: {'met' if met else 'NOT met'}")
        return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
