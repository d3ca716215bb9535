"""Issue 14: scheduled jobs through a Slack outage — nothing lost, nothing twice, no delay.

While every `chat.postMessage` fails (HTTP 500s, then timeouts whose posts Slack still
keeps) for 20 s or 60 s, `tat-alerts`, `reminders`, `aging-report` (long enough for
continuations and a CSV) and `renewal-calendar` run for both PODs. Each run is recorded and
fully queued at once; afterwards every alert, DM, report message and file is in Slack exactly
once, in order within its thread, within 15 s of Slack coming back: with podbot's worker
running (as in `podbot serve`), and with only the one-shot `podbot jobs run` retried.

The outages run in simulated time: deliveries are timed on a clock the test moves and the Slack
stand-in's outage ends on that clock, so a minute's outage takes seconds. One smoke test (marked
`realtime`, run by CI's second tier) waits out a 20 s outage in real time.
"""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.clock import ManualClock
from bot.db.models import OutboxRow
from bot.jobs import JOBS
from bot.jobs.aging_report import build_report
from bot.jobs.runner import run_job
from tests.commands.conftest import ALPHA, ANALYST, BETA, BETA_ANALYST, BETA_BUYER, BUYER, Proc
from tests.conftest import RunningBot
from tests.helpers.renewal_calendar import add_contract
from tests.helpers.simulated import EPOCH, SimulatedTime
from tests.jobs.conftest import add_request, podbot_env

# Friday 2026-12-04 14:00 UTC: 09:00 in New York, 19:30 in Kolkata; the post day of both PODs'
# 2027Q1 renewal calendar, a working day for both.
AT = datetime(2026, 12, 4, 14, 0, tzinfo=UTC)
CREATED = datetime(2026, 11, 30, 15, 0, tzinfo=UTC)  # Monday: intakes breach by Friday
JOB_NAMES = ("tat-alerts", "reminders", "aging-report", "renewal-calendar")
# Simulated seconds from Slack coming back to the last delivery: issue 14's "within 15 s", which
# simulated time can hold to whatever the machine's load (backoff is at most 10 s).
RECOVERY = 15.0
# Real seconds before a real-time run is called stuck: a bound on a hang, not a speed target
# (on an idle machine it takes a few seconds; a machine at load 14 failed "within 15 s").
HANG = 120.0
# podbot's Slack timeout here, in real seconds; Slack answers the "accepted" posts half a timeout
# later. Simulated time needs no real second per timeout: its runs time out sooner.
TIMEOUT = 1.0
SIMULATED_TIMEOUT = 0.25
# Issue 14's two outages, in simulated seconds; and the real-time smoke test's.
OUTAGES = (20.0, 60.0)
REAL_OUTAGE = 20.0


def seed(bot: RunningBot) -> dict[str, list[int]]:
    """Three intakes per POD that breach (cards posted while Slack is up), a stale negotiation
    per POD (a buyer reminder), 120 open requests in Alpha (a report in several messages and a
    CSV) and each POD's 2027Q1 renewals. Returns the breached requests per POD channel."""
    proc = Proc(bot)
    bot.runtime.clock.set(CREATED)  # type: ignore[attr-defined]
    breached: dict[str, list[int]] = {ALPHA: [], BETA: []}
    for channel, analyst in ((ALPHA, ANALYST), (BETA, BETA_ANALYST)):
        for n in range(3):
            assert proc(analyst, f"new Customer {channel[-3:]}{n} | Tool {n} | new", channel)
            breached[channel].append(proc.request_count())
    config = bot.runtime.config
    for pod_key, buyer in (("alpha", BUYER), ("beta", BETA_BUYER)):
        add_request(bot.db, config, pod_key, CREATED - timedelta(days=4), stage="negotiating",
                    assigned_at=CREATED + timedelta(days=1), buyer=buyer,
                    customer=f"Stale {pod_key}", tool="Notion")  # fmt: skip
    for n in range(120):
        add_request(bot.db, config, "alpha", CREATED + timedelta(minutes=n), stage="qualified",
                    customer=f"Customer {n:03d}, a rather long company name Inc.",
                    tool=f"Tool with a long product name {n:03d}")  # fmt: skip
    for pod_key in ("alpha", "beta"):
        add_contract(bot.db, pod_key, f"Renew {pod_key}", "Figma", "48000", date(2027, 1, 15))
        add_contract(bot.db, pod_key, f"Renew {pod_key}", "Miro", "9000", date(2027, 3, 2),
                     cycle="monthly")  # fmt: skip
    return breached


def start_outage(bot: RunningBot, seconds: float, timeout: float = TIMEOUT) -> float:
    """500s for the first 70 % of the outage, then timeouts (of podbot's `timeout`) that Slack
    keeps; healed after, on the Slack stand-in's clock. Returns when it heals, on that clock."""
    api = bot.api
    began = api.clock()
    api.fail("chat.postMessage", status=500, times=None, until=began + seconds * 0.7)
    api.fail("chat.postMessage", delay=timeout * 1.5, times=None, until=began + seconds)
    return began + seconds


def jobs_run(bot: RunningBot, name: str, wait: float) -> subprocess.CompletedProcess[str]:
    env = podbot_env(bot, PODBOT_SLACK_TIMEOUT=str(TIMEOUT))
    command = [str(Path(sys.executable).parent / "podbot"), "jobs", "run", name,
               "--at", AT.isoformat(), "--wait", str(wait)]  # fmt: skip
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)


def open_rows(bot: RunningBot) -> list[int]:
    with bot.db.transaction() as session:
        return list(
            session.scalars(
                select(OutboxRow.id).where(OutboxRow.status.in_(["pending", "in_flight"]))
            )
        )


def check_everything_arrived_once(bot: RunningBot, breached: dict[str, list[int]]) -> None:
    api = bot.api
    with bot.db.transaction() as session:
        assert set(session.scalars(select(OutboxRow.status))) == {"delivered"}
    # Nothing was posted twice: every post of a delivery carries its id, once.
    tags = Counter(
        (m.metadata or {}).get("event_payload", {}).get("delivery")
        for channel in (ALPHA, BETA, *api.dms())
        for m in api.messages(channel)
        if not m.files
    )
    assert None not in tags and max(tags.values()) == 1, tags.most_common(3)

    # One alert per breach, in its card's thread, after the card's own reply.
    proc = Proc(bot)
    for numbers in breached.values():
        for number in numbers:
            thread = [m.text for m in proc.thread(number)]
            assert len(thread) == 1 and f"*TAT breached* — REQ-{number}" in thread[0], thread
    # Breaches reach the analysts in one digest DM, in office hours: at AT (19:30 in Kolkata,
    # 09:00 in New York) POD Beta's two analysts get one each listing its three breaches, POD
    # Alpha's none yet; the same for the buyers' update reminders.
    dms: Counter[tuple[str, str]] = Counter()
    for channel, user in api.dms().items():
        for m in api.messages(channel):
            if m.text.startswith(":rotating_light: *TAT breached*"):
                dms[(user, "breach")] += 1
                assert "3 requests in POD Beta" in m.text, m.text
            dms[(user, "reminder")] += m.text.startswith(":alarm_clock: *Update due*")
    assert dms[(ANALYST, "breach")] == 0
    assert dms[(BETA_ANALYST, "breach")] == 1 and dms[(BUYER, "breach")] == 1  # Beta's analysts
    assert dms[(BUYER, "reminder")] == 0 and dms[(BETA_BUYER, "reminder")] == 1

    # Each POD's report once, its continuations in order in its thread, then its CSV.
    for pod_key, channel in (("alpha", ALPHA), ("beta", BETA)):
        _, messages = build_report(bot.runtime, bot.runtime.config.pod(pod_key), AT)
        (report,) = [m for m in api.messages(channel) if m.text.startswith("Aging report")
                     and not m.thread_ts]  # fmt: skip
        assert report.text == messages[0].text
        thread = api.thread(channel, report.ts)
        assert [m.text for m in thread if not m.files] == [m.text for m in messages[1:]]
        files = [f.get("name") for m in thread for f in (m.files or [])]
        assert files == ([f"aging-{pod_key}-{AT:%Y-%m-%d}.csv"] if len(messages) > 1 else [])
        if pod_key == "alpha":
            assert len(messages) > 1  # the report needed continuations and its CSV
        (calendar,) = [m for m in api.messages(channel) if m.text.startswith("Renewals")]
        names = [f.get("name") for m in api.thread(channel, calendar.ts) for f in m.files or []]
        assert names == [f"renewals-{pod_key}-2027Q1.csv", f"renewals-{pod_key}-2027Q1.ics"]
    assert len(api.files) == 1 + 2 * 2


def run_jobs(bot: RunningBot) -> None:
    for name in JOB_NAMES:
        for pod in bot.runtime.config.pods:
            outcome = run_job(bot.runtime, JOBS[name], pod, now=AT)
            # Recorded and queued whole at once, whatever Slack is doing.
            assert outcome.outcome == "ok", outcome


@pytest.mark.parametrize("outage", OUTAGES)
def test_jobs_queued_during_an_outage_arrive_once_after_it_with_the_worker_running(
    start_bot: Callable[..., RunningBot], sqlite_url: str, outage: float
) -> None:
    time = SimulatedTime()
    bot = start_bot(sqlite_url, slack_timeout=SIMULATED_TIMEOUT, simulated=time)
    breached = seed(bot)
    heals = start_outage(bot, outage, SIMULATED_TIMEOUT)
    run_jobs(bot)
    # The worker keeps trying through the outage (500s, then posts that time out but that
    # Slack keeps), with its backoff, in one-second steps of simulated time.
    time.run_to(heals)
    worker = bot.runtime.outbox_worker
    time.run_until(lambda: worker.pending() == 0, limit=RECOVERY)
    check_everything_arrived_once(bot, breached)


@pytest.mark.realtime
def test_jobs_queued_during_a_real_time_outage_arrive_once_after_it(
    start_bot: Callable[..., RunningBot], sqlite_url: str
) -> None:
    """The smoke test of the simulated ones: real clocks, real waits, a 20 s outage."""
    bot = start_bot(sqlite_url, slack_timeout=TIMEOUT)
    breached = seed(bot)
    start_outage(bot, REAL_OUTAGE)
    run_jobs(bot)
    bot.runtime.outbox_worker.wait_delivered(timeout=REAL_OUTAGE + HANG)
    check_everything_arrived_once(bot, breached)


def test_jobs_queued_during_an_outage_arrive_once_when_only_jobs_run_is_retried(
    bot: RunningBot,
) -> None:
    breached = seed(bot)
    bot.runtime.outbox_worker.stop()  # no podbot serve: only the one-shot commands deliver
    # The outage is on a clock of the test's: it lasts until the runs are done, however slow
    # the machine (each `jobs run` process delivers in real time, retrying for a second); its
    # length does not matter here, as no process delivers until it is over.
    outage_clock = ManualClock(EPOCH)
    bot.api.clock = lambda: outage_clock.now().timestamp()
    outage = OUTAGES[-1]
    start_outage(bot, outage)
    for name in JOB_NAMES:
        result = jobs_run(bot, name, wait=1.0)
        # The run is recorded and queued: exit 0, and it says what is still waiting.
        assert result.returncode == 0, result.stderr
        assert "still queued" in result.stdout, result.stdout
        assert "queued rows are delivered by any running podbot serve" in result.stdout
    outage_clock.advance(timedelta(seconds=outage))  # Slack is back
    again = jobs_run(bot, "tat-alerts", wait=HANG)
    assert again.returncode == 0, again.stderr
    assert "tat-alerts alpha" in again.stdout and "0 new breach alerts" in again.stdout
    assert ", 0 still queued" in again.stdout, again.stdout
    assert open_rows(bot) == []
    check_everything_arrived_once(bot, breached)
