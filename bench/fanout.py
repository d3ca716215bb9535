"""Aging-report fan-out: 50 PODs' reports through podbot's job path, paced 1 message/s/channel.

Every POD's `aging-report` runs through `run_job` at once, a thread per POD as the scheduler
runs them (each run records itself and queues its messages), and podbot's delivery worker
sends what they queued, against the Slack Web API fake (slackfake/web_api.py) in its own
process with message ts read from the wall clock, so the gaps between posts in a channel are
the gaps Slack would see. podbot keeps its real pacing (`channel_interval` 1.0 s). Printed:
total time (until the last message is delivered) against the bound the limit implies (max
over channels of (posts in it - 1) x 1 s), a baseline run side by side (a plain WebClient
thread per channel posting the same messages, built by the same `build_report`, with a bare
sleep between them), lost and duplicated messages, and posts closer than 1 s apart in one
channel (violations).

    .venv/bin/python bench/fanout.py
    .venv/bin/python bench/fanout.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import pairwise
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from aging_scale import (
    bench_config,
    fresh_database,
    insert_requests,
    report_instant,
    steal_since,
)
from slack_sdk import WebClient
from sqlalchemy import select

from bot.blocks.aging_report import ReportMessage, aging_csv
from bot.clock import ManualClock
from bot.config import Config, Pod, Settings
from bot.db.migrate import upgrade
from bot.db.models import PodRow
from bot.db.pods import sync_pods
from bot.db.session import Database
from bot.jobs import JOBS
from bot.jobs.aging_report import build_report
from bot.jobs.runner import run_job
from bot.runtime import Runtime, build_runtime
from bot.slack.worker import METADATA_TYPE
from slackfake.web_api import Message, SlackApiServer

TOKEN = "xoxb-bench"
INTERVAL = 1.0  # Slack: about one message per second per channel
# Gaps are measured where Slack would measure them (at the server); a post paced exactly 1 s
# after the previous one may land a few ms early after scheduling jitter. Gaps below this are
# counted as violations; the smallest gap is printed whatever it is.
TOLERANCE = 0.05


@dataclass
class Expected:
    """What one POD's report should leave in its channel."""

    pod: Pod
    now: datetime
    messages: list[ReportMessage]
    lines: int

    @property
    def steps(self) -> list[str]:
        return ["report", *(f"part-{i}" for i in range(2, len(self.messages) + 1))]


@dataclass
class ChannelCheck:
    """What one channel holds after a run, against what was expected."""

    posts: list[Message]
    files: list[Message]
    lost: int = 0
    duplicated: int = 0
    wrong: int = 0
    gaps: list[float] = field(default_factory=list)


def _ts(message: Message) -> Decimal:
    return Decimal(message.ts)


def check_channel(messages: list[Message], expected: Expected, *, tagged: bool) -> ChannelCheck:
    """Compare a channel's messages with the expected report (by outbox row tag, else by text)."""
    posts = sorted((m for m in messages if not m.files), key=_ts)
    files = [m for m in messages if m.files]
    result = ChannelCheck(posts, files)
    if tagged:
        # Every post names its outbox row: a row seen twice is a duplicate, an untagged post
        # is extra.
        tags = [
            (m.metadata or {}).get("event_payload", {}).get("delivery")
            for m in posts
            if (m.metadata or {}).get("event_type") == METADATA_TYPE
        ]
        result.duplicated = sum(n - 1 for n in Counter(tags).values() if n > 1)
        result.duplicated += len(posts) - len(tags)
        unique = {}
        for m in posts:
            tag = (m.metadata or {}).get("event_payload", {}).get("delivery")
            unique.setdefault(tag, m)
        texts = [m.text for m in sorted(unique.values(), key=_ts)]
        want = [m.text for m in expected.messages]
        result.lost = max(0, len(want) - len(texts))
        result.wrong = sum(got != text for got, text in zip(texts, want, strict=False))
    else:
        seen = Counter(m.text for m in posts)
        want_texts = Counter(m.text for m in expected.messages)
        result.lost = sum(max(0, n - seen[t]) for t, n in want_texts.items())
        result.duplicated = sum(max(0, n - want_texts[t]) for t, n in seen.items())
    want_files = 1 if len(expected.messages) > 1 else 0
    result.lost += max(0, want_files - len(files))
    result.duplicated += max(0, len(files) - want_files)
    stamps = [_ts(m) for m in posts]
    result.gaps = [float(b - a) for a, b in pairwise(stamps)]
    return result


@dataclass
class RunResult:
    """One fan-out: its start (epoch), wall time and what each channel holds."""

    start: float
    seconds: float
    checks: list[ChannelCheck]
    outcomes: list[str]

    def total(self, name: str) -> int:
        return sum(getattr(check, name) for check in self.checks)

    @property
    def gaps(self) -> list[float]:
        return [gap for check in self.checks for gap in check.gaps]

    @property
    def first_posts(self) -> list[float]:
        """Seconds from the start to each channel's first post (report built and queued)."""
        return [float(c.posts[0].ts) - self.start for c in self.checks if c.posts]

    @property
    def paced_spans(self) -> list[float]:
        """Seconds from each channel's first post to its last."""
        return [float(_ts(c.posts[-1]) - _ts(c.posts[0])) for c in self.checks if c.posts]

    @property
    def violations(self) -> int:
        return sum(gap < INTERVAL - TOLERANCE for gap in self.gaps)


def fan_out(pods: list[Pod], work: Callable[[Pod], object]) -> tuple[float, float, list[str]]:
    """Run `work(pod)` on a thread per POD, all released at once; (start, seconds, outcomes)."""
    start = threading.Barrier(len(pods) + 1)
    outcomes: dict[str, str] = {}

    def one(pod: Pod) -> None:
        start.wait()
        try:
            outcomes[pod.key] = str(work(pod))
        except Exception as exc:  # a crashed POD is reported, not hidden
            outcomes[pod.key] = f"{pod.key}: CRASHED {exc!r}"

    threads = [threading.Thread(target=one, args=(pod,), name=f"pod-{pod.key}") for pod in pods]
    for thread in threads:
        thread.start()
    start.wait()
    began, wall = time.perf_counter(), time.time()
    for thread in threads:
        thread.join(timeout=600)
    seconds = time.perf_counter() - began
    return wall, seconds, [outcomes.get(pod.key, "no outcome") for pod in pods]


def podbot_run(runtime: Runtime, expected: dict[str, Expected]) -> tuple[float, float, list[str]]:
    """podbot's real job path: run_job for every POD at once, each queueing its report, and
    the delivery worker sending them; (start, seconds until the last is delivered, outcomes)."""
    spec = JOBS["aging-report"]
    assert runtime.outbox_worker is not None
    runtime.outbox_worker.start()
    try:
        wall, _, outcomes = fan_out(
            list(runtime.config.pods),
            lambda pod: run_job(runtime, spec, pod, now=expected[pod.key].now),
        )
        runtime.outbox_worker.wait_delivered(timeout=600)
        seconds = time.time() - wall
    finally:
        runtime.outbox_worker.stop()
    return wall, seconds, outcomes


def baseline_run(
    runtime: Runtime, url: str, expected: dict[str, Expected]
) -> tuple[float, float, list[str]]:
    """The same messages and CSV per channel from a plain WebClient, a bare sleep between posts."""
    client = WebClient(token=TOKEN, base_url=url)

    def one(pod: Pod) -> str:
        lines, messages = build_report(runtime, pod, expected[pod.key].now)
        last = time.monotonic()
        parent = client.chat_postMessage(
            channel=pod.channel,
            text=messages[0].text,
            blocks=[b.to_dict() for b in messages[0].blocks],
            unfurl_links=False,
            unfurl_media=False,
        )["ts"]
        for message in messages[1:]:
            wait = last + INTERVAL - time.monotonic()
            if wait > 0:
                time.sleep(wait)
            last = time.monotonic()
            client.chat_postMessage(
                channel=pod.channel,
                text=message.text,
                blocks=[b.to_dict() for b in message.blocks],
                thread_ts=parent,
                unfurl_links=False,
                unfurl_media=False,
            )
        if len(messages) > 1:
            client.files_upload_v2(
                channel=pod.channel,
                filename=f"aging-{pod.key}.csv",
                content=aging_csv(lines, pod.timezone),
                title=f"Aging report {pod.name}",
                thread_ts=parent,
            )
        return f"{pod.key}: {len(messages)} message(s)"

    return fan_out(list(runtime.config.pods), one)


class SlackProcess:
    """The Slack Web API fake in its own process (this file's --serve-slack mode).

    Out of the job threads' process, its timestamps are not held up by their GIL: a message's
    ts is the wall clock when it reached Slack, as far as this machine can tell.
    """

    def __init__(self, config: Config) -> None:
        channels = ",".join(pod.channel for pod in config.pods)
        command = [sys.executable, str(Path(__file__).resolve()), "--serve-slack", channels]
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self.process.stdout is not None
        self.url = self.process.stdout.readline().strip()
        if not self.url.startswith("http"):
            self.process.kill()
            raise RuntimeError(f"the Slack fake did not start: {self.url!r}")

    def finish(self) -> tuple[dict[str, list[Message]], Counter[str]]:
        """Stop it; every channel's messages and the count of calls per method (and failed)."""
        out, _ = self.process.communicate(input="", timeout=60)
        state = json.loads(out)
        messages = {
            channel: [_message(m) for m in items]
            for channel, items in state["snapshot"]["messages"].items()
        }
        return messages, Counter(state["calls"])


def _message(data: dict[str, Any]) -> Message:
    history = tuple(_message(h) for h in data.get("history") or ())
    return Message(**{**data, "history": history})


def serve_slack(channels: str) -> int:
    """Serve the fake until stdin closes, then print its state and call counts as JSON."""
    api = SlackApiServer(
        valid_tokens={TOKEN}, channels=channels.split(","), ts_source=time.time
    ).start()
    print(api.url, flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    calls = Counter(call.method for call in api.calls)
    calls["failed"] = sum(call.failed for call in api.calls)
    state = {"snapshot": api.snapshot(), "calls": calls}
    api.stop()
    print(json.dumps(state))
    return 0


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=50)
    parser.add_argument("--requests", type=int, default=300, help="open requests per POD")
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: temp SQLite)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--serve-slack", metavar="CHANNELS", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_slack:
        return serve_slack(args.serve_slack)

    config = bench_config(args.pods)
    with fresh_database(args.database_url) as (url, label):
        print(f"database: {label}")
        print(f"host: {os.cpu_count()} CPUs, {_load()} at start")
        db = Database(url)
        try:
            return run(args, config, db)
        finally:
            db.dispose()


def run(args: argparse.Namespace, config: Config, db: Database) -> int:
    started = time.perf_counter()
    upgrade(db.engine)
    with db.transaction() as session:
        sync_pods(session, config)
        pod_ids = {key: pod_id for key, pod_id in session.execute(select(PodRow.key, PodRow.id))}
    insert_requests(db, config, pod_ids, args.requests, 0, args.seed)
    print(
        f"setup: {args.pods} PODs x {args.requests} open requests inserted"
        f" in {time.perf_counter() - started:.1f} s"
    )

    nows = {pod.key: report_instant(pod) for pod in config.pods}
    slack = SlackProcess(config)
    settings = Settings(
        bot_token=TOKEN, api_url=slack.url, database_url=db.url, channel_interval=INTERVAL
    )
    clock = ManualClock(nows[config.pods[0].key])
    runtime = build_runtime(config, settings, db=db, clock=clock)
    expected = {}
    built = time.perf_counter()
    for pod in config.pods:
        lines, messages = build_report(runtime, pod, nows[pod.key])
        expected[pod.key] = Expected(pod, nows[pod.key], messages, len(lines))
    built = time.perf_counter() - built
    per_pod = sorted(len(e.messages) for e in expected.values())
    bound = (per_pod[-1] - 1) * INTERVAL
    total_posts = sum(per_pod)
    print(
        f"reports: {total_posts} messages in all, {per_pod[0]}-{per_pod[-1]} per POD"
        f" (median {statistics.median(per_pod):g}), plus one CSV per multi-message report;"
        f" building all {args.pods} one after another takes {built:.2f} s on one thread"
    )
    print(
        f"podbot: run_job('aging-report') for {args.pods} PODs at once, a thread per POD;"
        f" channel_interval {runtime.slack.channel_interval:g} s; Slack fake in its own process"
    )
    print(
        f"bound: max over channels of (posts - 1) x {INTERVAL:g} s"
        f" = ({per_pod[-1]} - 1) x {INTERVAL:g} = {bound:.1f} s"
    )
    try:
        start, seconds, outcomes = podbot_run(runtime, expected)
    finally:
        channels, calls = slack.finish()
    checks = [
        check_channel(channels.get(pod.channel, []), expected[pod.key], tagged=True)
        for pod in config.pods
    ]
    podbot = RunResult(start, seconds, checks, outcomes)

    plain = SlackProcess(config)
    try:
        start, seconds, outcomes = baseline_run(runtime, plain.url, expected)
    finally:
        plain_channels, _ = plain.finish()
    checks = [
        check_channel(plain_channels.get(pod.channel, []), expected[pod.key], tagged=False)
        for pod in config.pods
    ]
    baseline = RunResult(start, seconds, checks, outcomes)

    crashed = [o for o in podbot.outcomes if "CRASHED" in o or "failed" in o]
    crashed += [o for o in baseline.outcomes if "CRASHED" in o]
    for line in crashed:
        print(f"  !! {line}")
    print()
    print(f"{'':>9}  {'time':>7}  {'x bound':>7}  {'posts':>5}  {'lost':>4}  {'dup':>4}"
          f"  {'wrong':>5}  {'min gap':>7}  {'gaps<1s':>7}  {'violations':>10}")  # fmt: skip
    for name, result in (("podbot", podbot), ("baseline", baseline)):
        gaps = result.gaps
        print(
            f"{name:>9}  {result.seconds:>5.2f} s  {result.seconds / bound:>6.2f}x"
            f"  {sum(len(c.posts) for c in result.checks):>5}  {result.total('lost'):>4}"
            f"  {result.total('duplicated'):>4}  {result.total('wrong'):>5}"
            f"  {min(gaps):>5.3f} s  {sum(g < INTERVAL for g in gaps):>7}"
            f"  {result.violations:>10}"
        )
    ratio = podbot.seconds / baseline.seconds
    for name, result in (("podbot", podbot), ("baseline", baseline)):
        firsts, spans = result.first_posts, result.paced_spans
        print(
            f"{name:>9}: first post per channel {min(firsts):.2f}-{max(firsts):.2f} s after the"
            f" start (median {statistics.median(firsts):.2f}); first to last post per channel"
            f" {max(spans):.2f} s at most"
        )
    print(f"ratio podbot / baseline: {ratio:.2f}x; bound {bound:.1f} s")
    history_calls = calls["conversations.history"] + calls["conversations.replies"]
    print(
        f"podbot Web API calls: {calls['chat.postMessage']} chat.postMessage, {history_calls}"
        f" history lookups (recovery only), {calls['failed']} answered with an error"
    )
    file_gaps = [
        float(_ts(f) - max((_ts(p) for p in c.posts if _ts(p) < _ts(f)), default=_ts(f)))
        for c in podbot.checks
        for f in c.files
    ]
    if file_gaps:
        print(
            f"CSV shares (files.completeUploadExternal, Tier 4, not chat.postMessage's per-channel"
            f" limit): {len(file_gaps)}, {min(file_gaps):.3f}-{max(file_gaps):.3f} s after the"
            f" channel's previous post"
        )
    print(f"host: {_load()} at the end; {steal_since()}")

    lost, dup = podbot.total("lost"), podbot.total("duplicated")
    wrong, violations = podbot.total("wrong"), podbot.violations
    within = podbot.seconds <= 1.3 * bound
    ok = within and not (lost or dup or wrong or violations or crashed)
    print(
        f"verdict: {'PASS' if ok else 'FAIL'}: {args.pods} PODs' reports ({total_posts} posts)"
        f" in {podbot.seconds:.2f} s = {podbot.seconds / bound:.2f}x the {bound:.1f} s bound"
        f" (target <= 1.30x; baseline {baseline.seconds / bound:.2f}x); lost {lost},"
        f" duplicated {dup}, wrong text {wrong}, violations {violations}"
        f" (gaps < {INTERVAL - TOLERANCE:.2f} s; smallest {min(podbot.gaps):.3f} s)"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
