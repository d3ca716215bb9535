"""Aging report at scale: 50 PODs × 2,000 open requests, SQL statements per POD and build time.

Prints a table at 100, 500 and 2,000 requests per POD (the statement count must not grow with
the number of requests), the median time to build all reports, and a baseline run side by side:
one plain DB-API SELECT per POD and the same lines (ages, due dates, flags, report order) made
in plain Python with no Block Kit, checked equal to podbot's. Peak RSS and a verdict close it.

    .venv/bin/python bench/aging_scale.py
    .venv/bin/python bench/aging_scale.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import bisect
import os
import random
import resource
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, create_engine, event, insert, select, text
from sqlalchemy.engine import make_url

from bot.clock import ManualClock
from bot.config import WEEKDAYS, Config, Pod, Settings, parse_config
from bot.db.migrate import upgrade
from bot.db.models import PodRow, Request
from bot.db.pods import sync_pods
from bot.db.session import Database
from bot.domain.aging import AgingLine, Flag
from bot.domain.lifecycle import negotiation_due, qualification_due
from bot.jobs.aging_report import build_report
from bot.runtime import Runtime, build_runtime

# Every POD reports at 09:00 its own time on this Tuesday; the 90 days before it hold holidays
# and the autumn DST changes of three of the four zones.
REPORT_DAY = date(2026, 11, 17)
REPORT_AT = clock_time(9, 0)
ZONES = {
    "Asia/Kolkata": ["2026-08-15", "2026-10-02", "2026-10-20", "2026-11-09"],
    "America/New_York": ["2026-09-07", "2026-10-12", "2026-11-11", "2026-11-26"],
    "Europe/London": ["2026-08-31", "2026-12-25", "2026-12-28"],
    "Australia/Sydney": ["2026-10-05", "2026-12-25", "2026-12-28"],
}
STAGES = ("intake", "qualified", "negotiating")
STAGE_WEIGHTS = (20, 25, 55)
# How far back each stage's requests were created: intake is recent, negotiations run about
# their TAT (capped at 90 days), and buyers update every few days on average.
STAGE_AGE_DAYS = {"intake": 4, "qualified": 45, "negotiating": 90}
MEAN_DAYS_SINCE_UPDATE = 3
CUSTOMERS = [
    "Acme", "Globex", "Initech", "Umbrella", "Hooli", "Stark & Wayne", "Vandelay Industries",
    "Wonka", "Cyberdyne", "Soylent", "Tyrell", "Aperture", "Black Mesa", "Massive Dynamic",
    "Pied Piper", "Dunder Mifflin", "Gringotts", "Oscorp", "Wayne Enterprises", "Monsters Inc",
]  # fmt: skip
TOOLS = [
    "Figma", "Slack", "Notion", "Jira", "Confluence", "Salesforce", "HubSpot", "Zoom", "Miro",
    "Datadog", "Snowflake", "GitHub", "Okta", "Workday", "Asana", "Tableau", "Looker", "Zendesk",
    "Intercom", "DocuSign", "Adobe Creative Cloud", "Microsoft 365", "Google Workspace",
]  # fmt: skip
FLAG_ORDER = tuple(flag.value for flag in Flag)


# --- setup ---------------------------------------------------------------------------------


def bench_config(pods: int) -> Config:
    """A validated config of `pods` PODs cycling through four zones, each with holidays."""
    parts = [
        "[clocks]\nqualification_hours = 24\nupdate_hours = 24\n"
        "tat_days = { new = 15, renewal = 60 }\n"
    ]
    zones = list(ZONES)
    for i in range(1, pods + 1):
        zone = zones[(i - 1) % len(zones)]
        members = {f"U0EM{i:04d}": "em", f"U0CS{i:04d}": "csm"}
        for n in range(1, 4):
            members[f"U0BY{i:04d}{n}"] = "buyer"
            members[f"U0AN{i:04d}{n}"] = "analyst"
        inline = ", ".join(f'{user} = "{role}"' for user, role in members.items())
        holidays = ", ".join(f'"{day}"' for day in ZONES[zone])
        parts.append(
            f'[[pods]]\nkey = "pod{i:02d}"\nname = "POD {i:02d} {zone.split("/")[1]}"\n'
            f'channel = "C0POD{i:04d}"\ntimezone = "{zone}"\nholidays = [{holidays}]\n'
            f"members = {{ {inline} }}\n"
        )
    return parse_config("\n".join(parts), "bench.toml")


def report_instant(pod: Pod) -> datetime:
    """09:00 on the report day in the POD's zone, as UTC: when the job would run."""
    return datetime.combine(REPORT_DAY, REPORT_AT, tzinfo=pod.zone).astimezone(UTC)


def request_rows(
    config: Config, pod: Pod, pod_id: int, now: datetime, count: int, rng: random.Random
) -> list[dict[str, Any]]:
    """`count` open requests for one POD with instants spread over the 90 days before `now`."""
    calendar = pod.calendar
    buyers, analysts = pod.members_with("buyer"), pod.members_with("analyst")
    hour = timedelta(hours=1)
    rows = []
    for _ in range(count):
        stage = rng.choices(STAGES, STAGE_WEIGHTS)[0]
        kind = "renewal" if rng.random() < 0.35 else "new"
        span = STAGE_AGE_DAYS[stage]
        if stage == "negotiating":
            span = min(span, config.clocks.tat_days[kind] + 10)
        created = now - timedelta(seconds=rng.uniform(60, span * 86_400))
        analyst = rng.choice(analysts)
        row: dict[str, Any] = {
            "pod_id": pod_id,
            "customer": rng.choice(CUSTOMERS),
            "tool": rng.choice(TOOLS),
            "type": kind,
            "stage": stage,
            "amount": Decimal(rng.randrange(500, 250_000)),
            "currency": pod.currency,
            "created_by": analyst,
            "analyst_id": None if stage == "intake" else analyst,
            "buyer_id": None,
            "created_at": created,
            "qualification_due_at": qualification_due(
                calendar, created, config.clocks.qualification_hours
            ),
            "qualified_at": None,
            "assigned_at": None,
            "tat_due_at": None,
            "last_update_at": None,
            "updated_at": created,
        }
        if stage != "intake":
            row["qualified_at"] = min(created + rng.uniform(0.5, 48) * hour, now)
            row["updated_at"] = row["qualified_at"]
        if stage == "negotiating":
            assigned = min(row["qualified_at"] + rng.uniform(0.1, 72) * hour, now)
            quiet = timedelta(days=rng.expovariate(1 / MEAN_DAYS_SINCE_UPDATE))
            last_update = max(assigned, now - quiet)
            row.update(
                buyer_id=rng.choice(buyers),
                assigned_at=assigned,
                tat_due_at=negotiation_due(pod.timezone, assigned, config.clocks.tat_days[kind]),
                last_update_at=last_update,
                updated_at=last_update,
            )
        rows.append(row)
    return rows


def insert_requests(
    db: Database, config: Config, pod_ids: dict[str, int], count: int, step: int, seed: int
) -> None:
    """Add `count` open requests to every POD with one executemany per POD (Core insert)."""
    statement = insert(Request.__table__)
    with db.engine.begin() as connection:
        for pod in config.pods:
            rng = random.Random(f"{seed}-{pod.key}-{step}")
            rows = request_rows(config, pod, pod_ids[pod.key], report_instant(pod), count, rng)
            connection.execute(statement, rows)


@contextmanager
def fresh_database(url: str | None) -> Iterator[tuple[str, str]]:
    """A URL to an empty database (temp SQLite file or fresh PostgreSQL schema) and its label."""
    if url is None:
        with tempfile.TemporaryDirectory(prefix="podbot-bench-") as tmp:
            path = Path(tmp) / "bench.db"
            yield f"sqlite:///{path}", f"SQLite file {path} (WAL)"
        return
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        version = connection.execute(text("SHOW server_version")).scalar()
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        label = f"PostgreSQL {version} at {make_url(url).host}, schema {schema} (dropped after)"
        yield scoped.render_as_string(hide_password=False), label
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


# --- podbot --------------------------------------------------------------------------------


class StatementLog:
    """Statements sent to the cursor (before_cursor_execute) and pool checkouts while attached.

    Checkouts are counted apart: with pool_pre_ping each one first pings the server, a round
    trip that never passes through before_cursor_execute.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.statements: list[str] = []
        self.checkouts = 0

    def _record(self, *args: Any) -> None:
        self.statements.append(args[2])

    def _checkout(self, *args: Any) -> None:
        self.checkouts += 1

    def __enter__(self) -> StatementLog:
        event.listen(self.engine, "before_cursor_execute", self._record)
        event.listen(self.engine, "checkout", self._checkout)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._record)
        event.remove(self.engine, "checkout", self._checkout)


@dataclass
class Pass:
    """One build of every POD's report."""

    seconds: float
    statements: list[int]
    messages: list[int]
    sample_sql: list[str]
    checkouts: set[int]


def podbot_pass(runtime: Runtime, nows: dict[str, datetime], log: StatementLog | None) -> Pass:
    """Build every POD's report with build_report, counting statements per POD when logging."""
    statements, messages = [], []
    sample: list[str] = []
    checkouts: set[int] = set()
    start = time.perf_counter()
    for pod in runtime.config.pods:
        if log is not None:
            log.statements.clear()
            log.checkouts = 0
        _, report = build_report(runtime, pod, nows[pod.key])
        messages.append(len(report))
        if log is not None:
            statements.append(len(log.statements))
            checkouts.add(log.checkouts)
            sample = sample or list(log.statements)
    return Pass(time.perf_counter() - start, statements, messages, sample, checkouts)


# --- baseline ------------------------------------------------------------------------------


def plain_line(
    number: int,
    customer: str,
    tool: str,
    kind: str,
    owner: str | None,
    age: int,
    stage: str,
    due_date: date | None,
    days_left: int | None,
    flags: list[str],
) -> str:
    """One request as a line of plain text: what the baseline makes, and the check compares."""
    due = "TAT -"
    if due_date is not None:
        label = "qualify by" if stage == "intake" else "TAT"
        due = f"{label} {due_date.isoformat()} ({days_left:+d} d)"
    line = f"REQ-{number} | {customer} | {tool} | {kind} | {owner or '-'} | {age} d old | {due}"
    return line + "".join(f" | {flag}" for flag in flags)


def podbot_plain_lines(lines: list[AgingLine]) -> list[str]:
    """podbot's report lines in the baseline's plain-text form, for the equality check."""
    return [
        plain_line(
            line.item.number,
            line.item.customer,
            line.item.tool,
            line.item.kind,
            line.item.owner,
            line.age_days,
            line.item.stage,
            line.due_date,
            line.days_left,
            [flag.value for flag in Flag if flag in line.flags],
        )
        for line in lines
    ]


class Baseline:
    """The fastest honest way to the same table: one DB-API SELECT per POD, plain Python lines.

    It holds one connection for the whole run (no pool checkout, no ORM, no Block Kit), reads
    the same columns, and computes the same ages, due dates, days left, flags and order.
    """

    def __init__(self, db: Database, config: Config) -> None:
        self.config = config
        self.connection = db.engine.raw_connection()
        mark = "?" if db.engine.dialect.paramstyle == "qmark" else "%s"
        open_stages = ", ".join(f"'{stage}'" for stage in STAGES)
        self.sql = (
            "SELECT r.id, r.customer, r.tool, r.type, r.stage, r.buyer_id, r.analyst_id,"
            " r.created_by, r.created_at, r.qualification_due_at, r.tat_due_at,"
            " r.last_update_at FROM requests r JOIN pods p ON p.id = r.pod_id"
            f" WHERE p.key = {mark} AND r.stage IN ({open_stages})"
        )
        # SQLite hands back naive UTC text; psycopg hands back aware datetimes.
        self.instant: Callable[[Any], datetime | None] = (
            _sqlite_instant if db.dialect == "sqlite" else _same
        )

    def close(self) -> None:
        """Give the connection back (rolling back psycopg's implicit transaction)."""
        self.connection.rollback()
        self.connection.close()

    def report(self, pod: Pod, now: datetime) -> list[str]:
        """A summary line and one line per open request, in report order."""
        cursor = self.connection.cursor()
        cursor.execute(self.sql, (pod.key,))
        rows = cursor.fetchall()
        cursor.close()
        zone, instant = pod.zone, self.instant
        today = now.astimezone(zone).date()
        no_update = timedelta(hours=self.config.clocks.update_hours)
        parsed = [
            (n, cu, to, ki, st, bu, an, cb, instant(c), instant(q), instant(t), instant(u))
            for n, cu, to, ki, st, bu, an, cb, c, q, t, u in rows
        ]
        oldest = min((r[11] for r in parsed if r[11] is not None), default=now)
        worked = _working_clock(pod, oldest.astimezone(zone).date(), today)
        worked_now = worked(now)
        rank = {stage: i for i, stage in enumerate(STAGES)}
        keyed = []
        counts = dict.fromkeys(STAGES, 0)
        for n, cu, to, ki, st, bu, an, cb, created, qual_due, tat_due, last_update in parsed:
            counts[st] += 1
            flags = []
            due = None
            if st == "intake":
                due = qual_due
                if now >= due:
                    flags.append("not_qualified")
            elif st == "negotiating":
                due = tat_due
                if due is not None:
                    if now >= due:
                        flags.append("tat_breached")
                    elif (due.astimezone(zone).date() - today).days <= 3:
                        flags.append("due_soon")
                if (
                    last_update is not None
                    and now > last_update
                    and worked_now - worked(last_update) >= no_update
                ):
                    flags.append("no_update")
            flags.sort(key=FLAG_ORDER.index)
            age = max((today - created.astimezone(zone).date()).days, 0)
            due_date = due.astimezone(zone).date() if due is not None else None
            left = (due_date - today).days if due_date is not None else None
            owner = (bu if st == "negotiating" else None) or an or cb
            line = plain_line(n, cu, to, ki, owner, age, st, due_date, left, flags)
            keyed.append(((rank[st], due is None, due or created, created, n), line))
        keyed.sort(key=lambda pair: pair[0])
        summary = ", ".join(f"{counts[s]} {s}" for s in STAGES)
        head = f"Aging report {pod.name} {today.isoformat()}: {len(rows)} open ({summary})"
        return [head, *(line for _, line in keyed)]


def _sqlite_instant(value: str | None) -> datetime | None:
    # Parsing the offset is several times cheaper than .replace(tzinfo=UTC) afterwards.
    return None if value is None else datetime.fromisoformat(value + "+00:00")


def _same(value: datetime | None) -> datetime | None:
    return value


def _working_clock(pod: Pod, first: date, last: date) -> Callable[[datetime], timedelta]:
    """Working time from local midnight of `first - 1` to an instant up to `last + 1` (bisect)."""
    zone = pod.zone
    workdays = {WEEKDAYS.index(day) for day in pod.workdays}
    holidays = set(pod.holidays)
    start = first.toordinal() - 1
    days = [date.fromordinal(o) for o in range(start, last.toordinal() + 3)]
    # UTC instants of each local midnight: a DST day is 23 or 25 working hours, as SPEC §2 says.
    starts = [datetime.combine(day, clock_time(0), tzinfo=zone).astimezone(UTC) for day in days]
    works = [day.weekday() in workdays and day not in holidays for day in days]
    total = [timedelta(0)]
    for i in range(len(days) - 1):
        total.append(total[-1] + (starts[i + 1] - starts[i] if works[i] else timedelta(0)))

    def worked(instant: datetime) -> timedelta:
        i = bisect.bisect_right(starts, instant) - 1
        return total[i] + (instant - starts[i] if works[i] else timedelta(0))

    return worked


def baseline_pass(baseline: Baseline, config: Config, nows: dict[str, datetime]) -> float:
    """Seconds to make every POD's plain report."""
    start = time.perf_counter()
    for pod in config.pods:
        baseline.report(pod, nows[pod.key])
    return time.perf_counter() - start


# --- the run -------------------------------------------------------------------------------


def peak_rss_mib() -> float:
    """This process's peak resident set so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.2f} (1 min), {five:.2f} (5 min)"


def cpu_ticks() -> tuple[int, int]:
    """(all, stolen) CPU ticks of the machine so far, from /proc/stat; (0, 0) elsewhere."""
    try:
        with open("/proc/stat", encoding="ascii") as stat:
            fields = [int(v) for v in stat.readline().split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    steal = fields[7] if len(fields) > 7 else 0
    return sum(fields[:8]), steal


_TICKS_AT_START = cpu_ticks()


def steal_since(start: tuple[int, int] = _TICKS_AT_START) -> str:
    """The share of CPU time the hypervisor gave to other guests since `start` (by default,
    since the benchmark started): a virtual machine's speed moves with it, so figures from
    runs with much steal are not comparable with quiet ones."""
    total, steal = (now - then for now, then in zip(cpu_ticks(), start, strict=True))
    if total <= 0:
        return "steal time unknown"
    return f"steal {100 * steal / total:.0f}% of CPU time during the run"


def _short(statement: str) -> str:
    flat = " ".join(statement.split())
    return flat if len(flat) <= 90 else flat[:87] + "..."


def main(argv: list[str] | None = None) -> int:
    """Run the bench on a fresh database; exit status 1 if statements grow or the check fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=50)
    parser.add_argument("--requests", type=int, default=2000, help="open requests per POD")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs at the full size")
    parser.add_argument("--database-url", help="PostgreSQL server URL (default: temp SQLite)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)

    config = bench_config(args.pods)
    sizes = [size for size in (100, 500) if size < args.requests] + [args.requests]
    zones = sorted({pod.timezone for pod in config.pods})
    nows = {pod.key: report_instant(pod) for pod in config.pods}

    with fresh_database(args.database_url) as (url, label):
        print(f"database: {label}")
        print(f"host: {os.cpu_count()} CPUs, {_load()} at start (other work skews the timings)")
        print(
            f"PODs: {args.pods} in {', '.join(zones)}; each reports at 09:00 local on"
            f" {REPORT_DAY:%a %Y-%m-%d}; sizes {', '.join(map(str, sizes))} open requests/POD"
        )
        db = Database(url)
        try:
            return run(args, config, db, sizes, nows)
        finally:
            db.dispose()


def run(
    args: argparse.Namespace,
    config: Config,
    db: Database,
    sizes: list[int],
    nows: dict[str, datetime],
) -> int:
    """Set up, print the size table, time podbot against the baseline and print the verdict."""
    started = time.perf_counter()
    upgrade(db.engine)
    with db.transaction() as session:
        sync_pods(session, config)
        pod_ids = {key: pod_id for key, pod_id in session.execute(select(PodRow.key, PodRow.id))}
    print(f"setup: migrated, synced {len(pod_ids)} PODs in {time.perf_counter() - started:.2f} s")

    runtime = build_runtime(
        config, Settings(database_url=db.url), db=db, clock=ManualClock(nows[config.pods[0].key])
    )
    log = StatementLog(db.engine)
    # "rows added in": inserting the requests this size adds to the previous one (not timed).
    header = (
        f"{'requests/POD':>12}  {'statements/POD':>14}  {f'time, {args.pods} PODs':>13}"
        f"  {'ms/POD':>7}  {'messages/POD':>12}  {'rows added in':>13}"
    )
    rows_out: list[str] = []
    per_size: dict[int, set[int]] = {}
    sample_sql: list[str] = []
    checkouts: set[int] = set()
    have = 0
    for step, size in enumerate(sizes):
        started = time.perf_counter()
        insert_requests(db, config, pod_ids, size - have, step, args.seed)
        inserted = time.perf_counter() - started
        have = size
        if step == 0:
            # Warm the statement cache and zone caches once, outside every timing.
            build_report(runtime, config.pods[0], nows[config.pods[0].key])
        with log:
            result = podbot_pass(runtime, nows, log)
        per_size[size] = set(result.statements)
        sample_sql = sample_sql or result.sample_sql
        checkouts |= result.checkouts
        counts = "/".join(map(str, sorted(per_size[size])))
        msgs = sorted(set(result.messages))
        msg_text = f"{msgs[0]}" if len(msgs) == 1 else f"{msgs[0]}-{msgs[-1]}"
        rows_out.append(
            f"{size:>12,}  {counts:>14}  {result.seconds:>11.2f} s"
            f"  {result.seconds / args.pods * 1000:>7.1f}  {msg_text:>12}  {inserted:>11.1f} s"
        )
    rss_setup = peak_rss_mib()
    print(f"SQL statements one POD's report sends on {db.dialect}:")
    for statement in sample_sql:
        print(f"  {_short(statement)}")
    ping = (
        " (pool_pre_ping: one ping each, not a cursor statement)" if db.dialect != "sqlite" else ""
    )
    print(f"pool checkouts per POD: {'/'.join(map(str, sorted(checkouts)))}{ping}")
    print()
    print(header)
    print("\n".join(rows_out))
    print()

    baseline = Baseline(db, config)
    try:
        # The baseline must make the same table, or its speed means nothing.
        mismatched = []
        for pod in config.pods:
            lines, _ = build_report(runtime, pod, nows[pod.key])
            if baseline.report(pod, nows[pod.key])[1:] != podbot_plain_lines(lines):
                mismatched.append(pod.key)
        total = args.pods * args.requests
        if mismatched:
            print(f"check: baseline lines DIFFER from podbot's for {', '.join(mismatched)}")
        else:
            print(
                f"check: baseline lines equal podbot's (order, ages, due dates, flags)"
                f" for all {args.pods} PODs, {total:,} requests"
            )
        podbot_times, baseline_times = [], []
        # This process's CPU time too: steadier than wall time on a shared machine.
        podbot_cpu, baseline_cpu = [], []
        for _ in range(args.repeat):
            cpu = time.process_time()
            podbot_times.append(podbot_pass(runtime, nows, None).seconds)
            podbot_cpu.append(time.process_time() - cpu)
            cpu = time.process_time()
            baseline_times.append(baseline_pass(baseline, config, nows))
            baseline_cpu.append(time.process_time() - cpu)
    finally:
        baseline.close()

    podbot_median = statistics.median(podbot_times)
    baseline_median = statistics.median(baseline_times)
    ratio = podbot_median / baseline_median
    size_text = f"{args.pods}×{args.requests}"
    print(f"full size {size_text}, {args.repeat} runs each, alternating:")
    for name, times, median, cpu_times in (
        ("podbot  ", podbot_times, podbot_median, podbot_cpu),
        ("baseline", baseline_times, baseline_median, baseline_cpu),
    ):
        runs = " ".join(f"{t:.2f}" for t in times)
        print(
            f"  {name}  runs {runs} s -> median {median:.2f} s"
            f" ({median / args.pods * 1000:.1f} ms/POD,"
            f" {median / (args.pods * args.requests) * 1e6:.1f} µs/request);"
            f" CPU median {statistics.median(cpu_times):.2f} s"
        )
    cpu_ratio = statistics.median(podbot_cpu) / statistics.median(baseline_cpu)
    print(
        f"  ratio podbot / baseline: {ratio:.1f}× wall, {cpu_ratio:.1f}× CPU of this process"
        " (which leaves out a database server's work)"
    )
    print(
        f"peak RSS: {rss_setup:.0f} MiB after the size table, {peak_rss_mib():.0f} MiB at the end"
    )
    print(f"host: {_load()} at the end; {steal_since()}")

    counts = set().union(*per_size.values())
    constant = len(counts) == 1
    sizes_text = f"{'/'.join(map(str, sizes))} requests/POD"
    if constant:
        statements = f"statements per POD constant ({counts.pop()}) across {sizes_text}"
    else:
        found = ", ".join(f"{s}: {sorted(c)}" for s, c in per_size.items())
        statements = f"statements per POD NOT constant ({found})"
    check = "" if not mismatched else f"; baseline check FAILED for {len(mismatched)} POD(s)"
    print(
        f"verdict: {statements} on {db.dialect}; {size_text} built in {podbot_median:.1f} s"
        f" (ratio {ratio:.1f}× baseline){check}"
    )
    return 0 if constant and not mismatched else 1


if __name__ == "__main__":
    sys.exit(main())
