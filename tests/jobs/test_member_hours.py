"""Issue 30 item 3, each person's hours: two analysts of POD Beta (New York), one in
America/New_York and one in Asia/Kolkata (Slack's `users.info` `tz`, cached by
`people-refresh`), each get their breach digest at 09:00 of their own zone — the Kolkata one
on Monday morning their time, which is Sunday evening in the POD's zone — while the clocks
keep counting in the POD's calendar."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.jobs import JOBS
from tests.commands.conftest import Proc
from tests.conftest import RunningBot
from tests.jobs.conftest import run_job

BETA = "C0BETA001"
NY_ANALYST, KOLKATA_ANALYST = "U0ANA0002", "U0BUY0001"  # both analysts of POD Beta


def est(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) + timedelta(hours=5)


def run(bot: RunningBot, job: str, at: datetime) -> str:
    clock = bot.runtime.clock
    assert isinstance(clock, ManualClock)
    clock.set(at)
    return run_job(bot.runtime, JOBS[job], bot.runtime.config.pod("beta"), now=at)


def digests(bot: RunningBot, user: str) -> list[str]:
    return [
        m.text
        for m in bot.api.messages(f"D{user[1:]}")
        if not m.thread_ts and "breach" in m.text.lower()
    ]


def test_each_analyst_gets_the_breach_digest_at_nine_in_their_own_zone(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    bot.api.add_user(NY_ANALYST, name="dana", real_name="Dana Cole")
    bot.api.add_user(
        KOLKATA_ANALYST, name="rohan", real_name="Rohan Mehta", tz="Asia/Kolkata",
        tz_label="India Standard Time", tz_offset=19800,
    )  # fmt: skip
    run(bot, "people-refresh", est(12, 3, 6))
    clock.set(est(12, 3, 9))  # Thursday: qualification due Friday 09:00 New York time
    proc(NY_ANALYST, "new Globex | Zoom | new | 30k", BETA)
    assert proc.request(1).qualification_due_at == est(12, 4, 9)

    # Friday 09:00 in New York: the New York analyst's digest; not the Kolkata one's (19:30
    # there, after their office hours).
    run(bot, "reminders", est(12, 4, 9))
    run(bot, "member-digests", est(12, 4, 9))
    assert len(digests(bot, NY_ANALYST)) == 1
    assert digests(bot, KOLKATA_ANALYST) == []
    # Their weekend is theirs: nothing on Saturday or Sunday in Kolkata.
    for at in (est(12, 4, 22, 30), est(12, 5, 9), est(12, 5, 22, 30), est(12, 6, 22)):
        run(bot, "member-digests", at)
    assert digests(bot, KOLKATA_ANALYST) == []
    # Monday 09:00 in Kolkata is Sunday 22:30 in New York: the digest comes then, once.
    assert "1 digest DM" in run(bot, "member-digests", est(12, 6, 22, 30))
    run(bot, "member-digests", est(12, 6, 23))
    assert len(digests(bot, KOLKATA_ANALYST)) == 1
    # The POD's own hourly job never sends it to them (their hours are their own).
    run(bot, "reminders", est(12, 7, 9))
    assert len(digests(bot, KOLKATA_ANALYST)) == 1
