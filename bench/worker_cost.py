"""The delivery worker's cost per `/proc update`, and when the update shows in its thread.

Issue 26's two delivery meters, at 0×, 1× (and `--factors 0,1,4`) the two years of history of
bench/history.py in each POD (as `ack_latency.py --history N` loads it):

* **worker CPU per update**: signed `/proc update`s are handed to podbot's Bolt app
  (`App.dispatch`, in this process, as `command_cost.py` does) one at a time, and the outbox
  worker (bot/slack/worker.py, started as `podbot serve` starts it) delivers everything each
  one queued — the thread reply, the card edit, the Homes it republishes — to the Slack
  stand-in (slackfake, in this process; Slack's channel pace off, `--channel-interval`, as
  the tests run). Counted: the CPU time of the worker's own threads (its loop and its sending
  threads, `pthread_getcpuclockid`), from the dispatch until the worker is idle again, not the
  command's nor the stand-in's. `burst`: `--updates` sent back to back, then the worker drains
  (pending Homes collapse, as under load). Baseline: the same Slack calls, captured from the
  stand-in and replayed prebuilt through the same `SlackApi` client on one thread. Printed with
  the ratio 1×/0× (target: ≤ 2).
* **update visible in its thread**: from the command's dispatch to the stand-in answering the
  thread reply's `chat.postMessage`, p50/p99, beside bare Bolt (a sync `App` that acks and then
  posts `chat.postMessage` in the card's thread, dispatched the same way, to the same
  stand-in); samples alternate (target: ≤ 3× bare).

    .venv/bin/python bench/worker_cost.py
    .venv/bin/python bench/worker_cost.py --factors 0,1,4 --updates 60
    .venv/bin/python bench/worker_cost.py --factors 1 --profile   # cProfile of the deliveries
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import os
import pstats
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from ack_latency import (
    SIGNING_SECRET,
    TOKEN,
    UPDATE_TEXT,
    Work,
    config_toml,
    load_history,
    prepare,
)
from command_cost import signed
from slack_bolt import App
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient

from bot.config import Settings, load_config
from bot.db.session import Database
from bot.process import Plan, Process, Serves, open_process
from bot.slack.worker import OutboxWorker
from slackfake.signing import SlackClient
from slackfake.web_api import BOT_USER_ID, ApiCall, SlackApiServer

REPLAYED = ("chat.postMessage", "chat.update", "views.publish")


def worker_threads() -> list[threading.Thread]:
    """The worker's loop and its sending threads."""
    return [t for t in threading.enumerate() if t.name.startswith("podbot-deliver")]


def worker_cpu() -> dict[int, float]:
    """CPU seconds of each of the worker's threads so far."""
    out = {}
    for thread in worker_threads():
        if thread.ident is None:
            continue
        with contextlib.suppress(OSError):  # ended meanwhile
            out[thread.ident] = time.clock_gettime(time.pthread_getcpuclockid(thread.ident))
    return out


def cpu_since(before: dict[int, float]) -> float:
    return sum(now - before.get(ident, 0.0) for ident, now in worker_cpu().items())


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def bare_app(api_url: str, cards: dict[int, Work]) -> App:
    """Bare Bolt: ack, then post the update in the card's thread."""
    app = App(
        client=WebClient(token=TOKEN, base_url=api_url),
        signing_secret=SIGNING_SECRET,
        token_verification_enabled=False,
    )

    @app.command("/proc")
    def on_command(ack: Any, body: dict[str, Any], client: WebClient) -> None:
        key = (body.get("text") or "").split()[1]
        ack(response_type="ephemeral", text=f"Update posted in {key}'s thread.")
        item = cards[int(key.removeprefix("REQ-"))]
        client.chat_postMessage(
            channel=item.channel, thread_ts=item.card_ts, text=f":memo: *Update*\n>{UPDATE_TEXT}"
        )

    return app


class Profiled:
    """cProfile (CPU time) over each delivery, on whichever sending thread runs it; the
    stats are also written to worker_cost.prof in the temporary directory."""

    def __init__(self, worker: OutboxWorker) -> None:
        self.profiles: list[cProfile.Profile] = []
        self._local = threading.local()
        deliver = worker._deliver

        def profiled(row: Any) -> None:
            profile = getattr(self._local, "profile", None)
            if profile is None:
                profile = self._local.profile = cProfile.Profile(time.thread_time)
                self.profiles.append(profile)
            profile.enable()
            try:
                deliver(row)
            finally:
                profile.disable()

        worker._deliver = profiled  # type: ignore[method-assign]

    def reset(self) -> None:
        self.profiles, self._local = [], threading.local()

    def print(self, top: int) -> None:
        stats = pstats.Stats(*self.profiles)  # type: ignore[arg-type]
        stats.dump_stats(Path(tempfile.gettempdir()) / "worker_cost.prof")
        stats.sort_stats("cumulative").print_stats(top)
        stats.sort_stats("tottime").print_stats(top // 2)


class Bench:
    def __init__(self, process: Process, api: SlackApiServer, work: list[Work]) -> None:
        self.process, self.api, self.work = process, api, work
        app = process.app
        assert app is not None
        self.app = app
        self.worker = process.runtime.outbox_worker
        self.bare = bare_app(api.url, {w.number: w for w in work})
        self.slack = SlackClient("http://podbot.invalid", SIGNING_SECRET)
        self.sent = 0
        self.acks: list[float] = []  # dispatch to answer (podbot's and bare's, alternating)

    def request(self) -> BoltRequest:
        item = self.work[self.sent % len(self.work)]
        self.sent += 1
        return signed(self.slack, f"update REQ-{item.number} {UPDATE_TEXT}", item)

    def posts(self) -> int:
        return len(self.api.calls_to("chat.postMessage"))

    def visible(self, app: App, request: BoltRequest) -> float:
        """Seconds from the dispatch to the stand-in answering the thread reply."""
        count = self.posts()
        started = time.monotonic()
        response = app.dispatch(request)
        if response.status != 200 or "posted" not in response.body:
            raise SystemExit(f"unexpected answer: {response.status} {response.body}")
        acked = time.monotonic()
        call = self.api.wait_for("chat.postMessage", count + 1, timeout=30)[count]
        self.acks.append(acked - started)
        return call.at - started

    def idle(self) -> None:
        self.worker.wait_idle(timeout=120)
        self.api.wait_answered()

    def one_at_a_time(self, n: int) -> tuple[Any, ...]:
        """Worker CPU seconds per update, podbot's and bare's visible times, and the calls."""
        self.idle()
        self.acks.clear()
        cpu, podbot, bare, calls = 0.0, [], [], []
        for _ in range(n):
            before, first = worker_cpu(), len(self.api.calls)
            podbot.append(self.visible(self.app, self.request()))
            self.idle()
            cpu += cpu_since(before)
            calls += [c for c in self.api.calls[first:] if c.method in REPLAYED]
            bare.append(self.visible(self.bare, self.request()))
        return cpu / n, podbot, bare, calls, self.acks[0::2], self.acks[1::2]

    def burst(self, n: int) -> float:
        """Worker CPU seconds per update, `n` updates sent back to back."""
        self.idle()
        before = worker_cpu()
        for _ in range(n):
            response = self.app.dispatch(self.request())
            if response.status != 200:
                raise SystemExit(f"unexpected answer: {response.status} {response.body}")
        self.idle()
        return cpu_since(before) / n

    def replay(self, calls: list[ApiCall], n: int) -> float:
        """The same Slack calls, prebuilt, through the same SlackApi client: CPU s per update."""
        slack = self.process.runtime.slack
        prebuilt: list[Callable[[], object]] = []
        for call in calls:
            p = call.params
            if call.method == "chat.postMessage":
                prebuilt.append(
                    lambda p=p: slack.post(
                        p["channel"], p["text"], p.get("blocks"), p.get("thread_ts"),
                        p.get("metadata"),
                    )
                )  # fmt: skip
            elif call.method == "chat.update":
                prebuilt.append(
                    lambda p=p: slack.update(p["channel"], p["ts"], p["text"], p.get("blocks"))
                )
            else:
                prebuilt.append(lambda p=p: slack.publish_home(p["user_id"], p["view"]))
        started = time.thread_time()
        for send in prebuilt:
            send()
        return (time.thread_time() - started) / n


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--factors", default="0,1", help="history sizes, e.g. 0,1,4")
    parser.add_argument("--pods", type=int, default=2, help="PODs, each with the history")
    parser.add_argument("--updates", type=int, default=40, help="updates one at a time")
    parser.add_argument("--burst", type=int, default=100, help="updates back to back (0: none)")
    parser.add_argument("--channel-interval", type=float, default=0.0)
    parser.add_argument("--profile", action="store_true", help="cProfile the deliveries")
    parser.add_argument("--top", type=int, default=40)
    args = parser.parse_args(argv)
    factors = [int(f) for f in args.factors.split(",")]

    rows: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory(prefix="podbot-worker-") as tmp,
        SlackApiServer(valid_tokens={TOKEN}, strict_channels=False) as api,
    ):
        config_path = Path(tmp) / "podbot.toml"
        config_path.write_text(config_toml(args.pods), encoding="utf-8")
        url = f"sqlite:///{Path(tmp) / 'podbot.db'}"
        work = prepare(url, config_path, 60)
        for item in work:  # the cards the updates reply under and edit
            api.add_message(item.channel, f"REQ-{item.number}", BOT_USER_ID, ts=item.card_ts)
        seeded = 0
        for factor in factors:
            if factor > seeded:
                print(load_history(url, config_path, factor - seeded), flush=True)
                seeded = factor
            settings = Settings(
                bot_token=TOKEN, signing_secret=SIGNING_SECRET, api_url=api.url,
                database_url=url, channel_interval=args.channel_interval,
            )  # fmt: skip
            db = Database(url)
            process = open_process(
                load_config(config_path), settings, Plan(serves=Serves.HTTP), db=db
            )
            with process:
                bench = Bench(process, api, work)
                profiled = Profiled(bench.worker) if args.profile else None
                for _ in range(3):  # warm up: caches, statistics (the worker's first ANALYZE)
                    bench.visible(bench.app, bench.request())
                    bench.visible(bench.bare, bench.request())
                bench.idle()
                if profiled is not None:
                    profiled.reset()
                cpu, podbot, bare, calls, acks, bare_acks = bench.one_at_a_time(args.updates)
                burst = bench.burst(args.burst) if args.burst else float("nan")
                baseline = bench.replay(calls, args.updates)
                methods = {m: sum(c.method == m for c in calls) / args.updates for m in REPLAYED}
                rows.append(dict(factor=factor, cpu=cpu, burst=burst, baseline=baseline,
                                 podbot=podbot, bare=bare, methods=methods, acks=acks,
                                 bare_acks=bare_acks))  # fmt: skip
                if profiled is not None:
                    print(f"--- profile of the deliveries at {factor}x ---")
                    profiled.print(args.top)

    print(f"\n{args.pods} PODs; {args.updates} updates one at a time (the worker idle"
          f" before each), {args.burst} back to back;"
          f" channel_interval {args.channel_interval}")  # fmt: skip
    calls = rows[0]["methods"]
    print("Slack calls per update: " + ", ".join(f"{m} {v:.1f}" for m, v in calls.items()))
    print(f"{'history':>8} {'worker CPU/update':>18} {'burst':>9} {'prebuilt':>9}"
          f" {'ratio':>7} | {'visible p50':>11} {'p99':>8} {'bare p50':>9} {'p99':>8}"
          f" {'p50 ratio':>9}")  # fmt: skip
    for r in rows:
        p50, b50 = statistics.median(r["podbot"]), statistics.median(r["bare"])
        print(f"{r['factor']:>7}x {r['cpu'] * 1000:>15.1f} ms {r['burst'] * 1000:>6.1f} ms"
              f" {r['baseline'] * 1000:>6.2f} ms {r['cpu'] / r['baseline']:>6.1f}x"
              f" | {p50 * 1000:>8.1f} ms {percentile(r['podbot'], 0.99) * 1000:>5.1f} ms"
              f" {b50 * 1000:>6.1f} ms {percentile(r['bare'], 0.99) * 1000:>5.1f} ms"
              f" {p50 / b50:>8.1f}x")  # fmt: skip
    for r in rows:
        print(f"{r['factor']:>7}x dispatch answered (the ack) p50: podbot"
              f" {statistics.median(r['acks']) * 1000:.1f} ms, bare"
              f" {statistics.median(r['bare_acks']) * 1000:.1f} ms")  # fmt: skip
    by = {r["factor"]: r for r in rows}
    if 0 in by:
        for factor in (f for f in by if f):
            print(f"worker CPU per update {factor}x / 0x: {by[factor]['cpu'] / by[0]['cpu']:.2f}"
                  f" (burst {by[factor]['burst'] / by[0]['burst']:.2f}); target <= 2")  # fmt: skip
    print(f"load average {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
