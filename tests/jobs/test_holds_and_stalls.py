"""Issue 30: a long hold is raised to the analyst once, then the em; a procurement stage past
its bound warns once, then escalates once; a 14-day quiet negotiation is flagged once — each
told to the people it concerns as an item of their digest DM (in their own hours, the cover's
while they are away), the thread getting a line naming nobody; the aging report groups held
requests "on hold" with their age and flags the stall."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import ManualClock
from bot.jobs import JOBS
from tests.commands.conftest import Proc, blocks_text
from tests.conftest import RunningBot
from tests.jobs.conftest import run_job

BETA = "C0BETA001"
ANALYST, BUYER, EM = "U0ANA0002", "U0BUY0002", "U0EM00002"
OTHER_ANALYST = "U0BUY0001"  # an analyst of POD Beta (a buyer of POD Alpha)


def ny(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) + timedelta(hours=5)


def run(bot: RunningBot, job: str, at: datetime) -> None:
    clock = bot.runtime.clock
    assert isinstance(clock, ManualClock)
    clock.set(at)
    run_job(bot.runtime, JOBS[job], bot.runtime.config.pod("beta"), now=at)


def lines(proc: Proc, number: int, marker: str) -> list[str]:
    return [m.text for m in proc.thread(number) if marker in m.text]


def stall_dms(bot: RunningBot, user: str) -> list[str]:
    """The stall digests DMed to `user`, as read (blocks)."""
    return [
        blocks_text(m.blocks)
        for m in bot.api.messages(f"D{user[1:]}")
        if not m.thread_ts and "Stalled work" in m.text
    ]


def negotiating(proc: Proc, clock: ManualClock, customer: str) -> None:
    proc(ANALYST, f"new {customer} | Zoom | renewal | 30k", BETA)
    number = proc.request_count()
    proc(ANALYST, f"qualify {number}", BETA)
    proc(ANALYST, f"assign {number} <@{BUYER}>", BETA)


def test_a_long_hold_goes_to_the_analyst_once_then_the_em_and_shows_on_hold(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    clock.set(ny(11, 16, 9))
    negotiating(proc, clock, "Globex")
    proc(BUYER, "hold 1 customer InfoSec questionnaire", BETA)
    run(bot, "tat-alerts", ny(11, 26, 8))  # 9 days 23 hours: not yet
    assert lines(proc, 1, "Long hold") == []
    run(bot, "tat-alerts", ny(11, 26, 9, 15))  # ten days (Thanksgiving counts: calendar days)
    run(bot, "tat-alerts", ny(11, 26, 9, 30))
    (first,) = lines(proc, 1, "Long hold* —")
    assert "10 days" in first and "<@" not in first  # the thread's line names nobody
    # The analysts hear of it in their digest, on the next working day (Thanksgiving is POD
    # Beta's holiday): once.
    run(bot, "reminders", ny(11, 26, 10))
    assert stall_dms(bot, ANALYST) == []
    run(bot, "reminders", ny(11, 27, 9))
    run(bot, "reminders", ny(11, 27, 10))
    (told,) = stall_dms(bot, ANALYST)
    assert "REQ-1" in told and "*Long hold*: waiting on the customer for" in told
    assert "`/proc resume REQ-1`" in told
    assert len(stall_dms(bot, OTHER_ANALYST)) == 1 and stall_dms(bot, EM) == []
    # The em: 24 working hours after the analyst's (Thanksgiving, then Friday's 24 hours and
    # the weekend: Monday 00:00).
    run(bot, "tat-alerts", ny(11, 29, 23, 45))
    assert lines(proc, 1, "Long hold, still open") == []
    run(bot, "tat-alerts", ny(11, 30, 0, 15))
    run(bot, "tat-alerts", ny(11, 30, 9, 45))
    assert len(lines(proc, 1, "Long hold* —")) == 1
    assert len(lines(proc, 1, "Long hold, still open")) == 1
    run(bot, "reminders", ny(11, 30, 10))
    run(bot, "reminders", ny(12, 1, 10))
    (raised,) = stall_dms(bot, EM)
    assert "*Long hold, still open*" in raised and "raised to the em" in raised
    assert len(stall_dms(bot, ANALYST)) == 1  # the analysts were told once

    run(bot, "aging-report", ny(12, 1, 9))
    report = blocks_text(
        [m for m in bot.api.messages(BETA) if m.text.startswith("Aging report")][-1].blocks
    )
    assert "*⏸ On hold* (1)" in report
    assert "⏸ waiting on the customer since" in report and "(15 days on hold)" in report
    assert ":rotating_light: 0 TAT breached" in report


def test_a_stage_past_its_bound_warns_once_then_escalates_once_and_a_stall_is_flagged_once(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    clock.set(ny(11, 16, 9))
    negotiating(proc, clock, "Globex")
    clock.set(ny(11, 20, 10))  # Friday: a PO (1–2 weeks), over its bound from Sat Dec 5
    proc(BUYER, "stage 1 po", BETA)
    run(bot, "tat-alerts", ny(12, 4, 23))
    assert lines(proc, 1, "over its bound") == []
    run(bot, "tat-alerts", ny(12, 5, 0, 15))
    run(bot, "tat-alerts", ny(12, 5, 6))
    (warning,) = lines(proc, 1, "Procurement stage over its bound")
    assert "<@" not in warning
    # 24 working hours after Saturday 00:15: Monday 24:00 → Tuesday 00:00.
    run(bot, "reminders", ny(12, 7, 9))  # Monday: the buyer's and analysts' digests
    (to_buyer,) = stall_dms(bot, BUYER)
    assert "*Procurement stage over its bound*: PO is on day" in to_buyer
    assert "*Stalled*" not in to_buyer  # the quiet spell is the analysts'
    # The stage start (Nov 20) was the last activity: quiet from Dec 4 10:00, flagged once,
    # in the same digest as the stage.
    (to_analyst,) = stall_dms(bot, ANALYST)
    assert "*Procurement stage over its bound*" in to_analyst and "*Stalled*" in to_analyst
    run(bot, "tat-alerts", ny(12, 7, 23))
    assert lines(proc, 1, "still over its bound") == []
    run(bot, "tat-alerts", ny(12, 8, 0, 15))
    run(bot, "tat-alerts", ny(12, 8, 9))
    (raised,) = lines(proc, 1, "still over its bound")
    assert "<@" not in raised
    run(bot, "reminders", ny(12, 8, 10))
    (to_em,) = stall_dms(bot, EM)
    assert "*Procurement stage still over its bound*" in to_em
    assert len(stall_dms(bot, BUYER)) == 1 and len(stall_dms(bot, ANALYST)) == 1

    stalled = lines(proc, 1, "*Stalled*")
    assert len(stalled) == 1 and "<@" not in stalled[0]
    run(bot, "aging-report", ny(12, 9, 9))
    assert ":zzz: *stalled*" in blocks_text(proc.card(1).blocks)  # the report's redraw
    report = blocks_text(
        [m for m in bot.api.messages(BETA) if m.text.startswith("Aging report")][-1].blocks
    )
    assert ":zzz: stalled: no activity since" in report
    # An update ends the stall: the card loses its flag.
    clock.set(ny(12, 9, 10))
    proc(BUYER, "update 1 chasing their PO desk", BETA)
    assert "stalled" not in blocks_text(proc.card(1).blocks)
    assert len(lines(proc, 1, "*Stalled*")) == 1


def test_a_stall_notice_goes_to_the_cover_of_someone_away_and_in_each_persons_own_hours(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    """The analyst away, covered by the em: the em has the quiet-spell notice in their digest;
    the other analyst, in Asia/Kolkata (Slack's `tz`), has it at 09:00 of their own Tuesday,
    from `member-digests` — each once."""
    bot.api.add_user(
        OTHER_ANALYST, name="rohan", real_name="Rohan Mehta", tz="Asia/Kolkata",
        tz_label="India Standard Time", tz_offset=19800,
    )  # fmt: skip
    run(bot, "people-refresh", ny(11, 16, 6))
    clock.set(ny(11, 16, 9))
    negotiating(proc, clock, "Globex")
    proc(ANALYST, f"away until 2026-12-10 cover <@{EM}>", BETA)
    run(bot, "tat-alerts", ny(11, 30, 9, 15))  # 14 days since the handover: stalled
    assert len(lines(proc, 1, "*Stalled*")) == 1
    run(bot, "reminders", ny(11, 30, 10))
    run(bot, "member-digests", ny(11, 30, 10))  # 20:30 in Kolkata: not their hours
    (to_cover,) = stall_dms(bot, EM)
    assert "REQ-1" in to_cover and "*Stalled*: no update, quote, stage change" in to_cover
    assert stall_dms(bot, ANALYST) == [] and stall_dms(bot, OTHER_ANALYST) == []
    run(bot, "member-digests", ny(11, 30, 22))  # 08:30 in Kolkata
    assert stall_dms(bot, OTHER_ANALYST) == []
    run(bot, "member-digests", ny(11, 30, 22, 30))  # Tuesday 09:00 in Kolkata
    run(bot, "member-digests", ny(11, 30, 23))
    run(bot, "reminders", ny(12, 1, 10))
    assert len(stall_dms(bot, OTHER_ANALYST)) == 1 and len(stall_dms(bot, EM)) == 1
    assert stall_dms(bot, ANALYST) == []


def test_a_stall_notice_for_someone_away_in_another_zone_goes_to_their_cover_in_pod_hours(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    """The Kolkata analyst away, covered by the buyer who keeps the POD's hours: the buyer has
    the quiet-spell notice from `reminders` (routed before the own-hours split)."""
    bot.api.add_user(
        OTHER_ANALYST, name="rohan", real_name="Rohan Mehta", tz="Asia/Kolkata",
        tz_label="India Standard Time", tz_offset=19800,
    )  # fmt: skip
    run(bot, "people-refresh", ny(11, 16, 6))
    clock.set(ny(11, 16, 9))
    negotiating(proc, clock, "Globex")
    proc(OTHER_ANALYST, f"away until 2026-12-10 cover <@{BUYER}>", BETA)
    run(bot, "tat-alerts", ny(11, 30, 9, 15))
    run(bot, "reminders", ny(11, 30, 10))
    run(bot, "member-digests", ny(11, 30, 22, 30))
    (to_cover,) = stall_dms(bot, BUYER)
    assert "*Stalled*" in to_cover
    assert stall_dms(bot, OTHER_ANALYST) == [] and len(stall_dms(bot, ANALYST)) == 1
