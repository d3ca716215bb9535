"""`/proc hold` and `/proc resume` (issue 30): while the customer or the vendor has the ball the
TAT clock stops — its due moves out by the time held (calendar days), no breach alert or warning
counts held time, and the TAT adherence KPI uses the moved due date. Driven over signed HTTP."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.db import request_clocks
from bot.db.kpis import load_facts
from bot.db.models import Hold, RequestEvent
from bot.domain.lifecycle import qualification_due
from bot.domain.quarters import Quarter
from bot.jobs import JOBS
from tests.commands.conftest import Proc, blocks_text, time_token
from tests.conftest import RunningBot
from tests.jobs.conftest import run_job

BETA = "C0BETA001"
ANALYST, BUYER, EM = "U0ANA0002", "U0BUY0002", "U0EM00002"
NY = "America/New_York"


def ny(month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) + timedelta(hours=5)


def tat_alerts(bot: RunningBot, at: datetime) -> None:
    clock = bot.runtime.clock
    assert isinstance(clock, ManualClock)
    clock.set(at)
    run_job(bot.runtime, JOBS["tat-alerts"], bot.runtime.config.pod("beta"), now=at)


def breach_alerts(proc: Proc) -> list[str]:
    return [m.text for m in proc.thread(1) if "TAT breached" in m.text]


def test_holds_move_the_tat_and_alerts_and_the_kpi_use_it(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    clock.set(ny(11, 16, 9))  # Monday; Thanksgiving (Thu 26) and weekends count: calendar days
    proc(ANALYST, "new Globex | Zoom | new | 30k", BETA)
    proc(ANALYST, "qualify 1", BETA)
    proc(ANALYST, f"assign 1 <@{BUYER}>", BETA)
    assert proc.request(1).tat_due_at == ny(12, 1, 9)  # 15 days

    # A resume without a hold is refused: one sentence and the usage line; nothing written.
    answer = proc(BUYER, "resume 1", BETA)
    assert "REQ-1 is not on hold, so there is nothing to resume." in answer
    assert "Usage: `/proc resume REQ`" in answer
    assert "Usage:" in proc(BUYER, "hold 1 supplier slow", BETA)  # customer|vendor first

    clock.set(ny(11, 20, 10))
    answer = proc(BUYER, "hold 1 customer waiting on their InfoSec review", BETA)
    assert "REQ-1 is on hold, waiting on the customer" in answer
    assert "already on hold" in proc(EM, "hold 1 vendor again", BETA)
    card = blocks_text(proc.card(1).blocks)
    assert "⏸ *on hold* — waiting on the customer since" in card and "(0 days)" in card
    assert "Resume" in card
    assert any("*On hold* — waiting on the customer" in m.text for m in proc.thread(1))

    # Past the original due while held: no breach alert, no warning.
    tat_alerts(bot, ny(12, 1, 9, 15))
    assert breach_alerts(proc) == []

    # Ten calendar days held (Nov 20 → Nov 30) push the due by ten days.
    clock.set(ny(11, 30, 10))
    answer = proc(ANALYST, "resume 1", BETA)
    assert proc.request(1).tat_due_at == ny(12, 11, 9)
    assert time_token(ny(12, 11, 9), NY) in answer
    assert any("*Resumed*" in m.text and "after 10 days" in m.text for m in proc.thread(1))
    assert "on hold" not in blocks_text(proc.card(1).blocks)

    # Two holds add up: two more days waiting on the vendor.
    clock.set(ny(12, 2, 10))
    proc(EM, "hold 1 vendor their legal team is out", BETA)
    clock.set(ny(12, 4, 10))
    proc(EM, "resume 1", BETA)
    assert proc.request(1).tat_due_at == ny(12, 13, 9)

    tat_alerts(bot, ny(12, 13, 8, 45))
    assert breach_alerts(proc) == []
    tat_alerts(bot, ny(12, 13, 9, 15))
    (alert,) = breach_alerts(proc)
    assert time_token(ny(12, 13, 9), NY) in alert

    with bot.db.reading() as session:
        holds = session.scalars(select(Hold).order_by(Hold.id)).all()
        kinds = [e.kind for e in session.scalars(select(RequestEvent).order_by(RequestEvent.id))]
    assert [(h.party, h.started_by, h.ended_by) for h in holds] == [
        ("customer", BUYER, ANALYST),
        ("vendor", EM, EM),
    ]
    assert kinds.count("hold") == 2 and kinds.count("resumed") == 2
    status = blocks_text(proc.answer(EM, "status 1", BETA)["blocks"])
    assert "put it on hold" in status and "resumed it" in status


def test_the_kpi_counts_a_close_inside_the_moved_due_as_within_tat(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    clock.set(ny(11, 2, 9))
    proc(ANALYST, "new Globex | Zoom | new | 30k", BETA)
    proc(ANALYST, "qualify 1", BETA)
    proc(ANALYST, f"assign 1 <@{BUYER}>", BETA)  # due Nov 17 09:00
    clock.set(ny(11, 3, 9))
    proc(BUYER, "hold 1 customer budget sign-off", BETA)
    clock.set(ny(11, 13, 9))
    proc(BUYER, "resume 1", BETA)  # ten days held: due Nov 27 09:00
    clock.set(ny(11, 20, 9))  # after the original due, inside the moved one
    proc(BUYER, "close 1 won", BETA)
    assert proc.request(1).tat_due_at == ny(11, 27, 9)
    assert ":white_check_mark: TAT met" in blocks_text(proc.card(1).blocks)
    pod = bot.runtime.config.pod("beta")
    with bot.db.reading() as session:
        facts = load_facts(session, bot.runtime.config, pod, Quarter(2026, 4), ny(12, 1, 9))
    kpi = facts.negotiation_tat()  # counted from the clocks the request recorded
    assert (kpi.numerator, kpi.denominator) == (1, 1)


def test_a_request_closed_while_held_counts_the_time_held(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    clock.set(ny(11, 2, 9))
    proc(ANALYST, "new Globex | Zoom | new | 30k", BETA)
    proc(ANALYST, "qualify 1", BETA)
    proc(ANALYST, f"assign 1 <@{BUYER}>", BETA)
    clock.set(ny(11, 3, 9))
    proc(BUYER, "hold 1 vendor waiting on the order form", BETA)
    clock.set(ny(11, 20, 9))  # closed while held: seventeen days held
    proc(BUYER, "close 1 lost", BETA)
    assert proc.request(1).tat_due_at == ny(12, 4, 9)
    with bot.db.reading() as session:
        (hold,) = session.scalars(select(Hold)).all()
    assert hold.ended_at == ny(11, 20, 9)


def test_the_check_in_pack_and_the_buyers_home_show_the_hold(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    from tests.helpers.home import open_home

    clock.set(ny(12, 1, 9))
    proc(ANALYST, "new Globex | Zoom | new | 30k", BETA)
    proc(ANALYST, "qualify 1", BETA)
    proc(ANALYST, f"assign 1 <@{BUYER}>", BETA)
    clock.set(ny(12, 3, 10))
    proc(BUYER, "hold 1 customer waiting on their security questionnaire", BETA)
    clock.set(ny(12, 7, 10))
    pack = blocks_text(proc.answer(BUYER, "checkin Globex", BETA)["blocks"])
    assert "⏸ waiting on you since" in pack and "Dec 3, 2026" in pack
    run_job(bot.runtime, JOBS["aging-report"], bot.runtime.config.pod("beta"), now=ny(12, 7, 9))
    card = blocks_text(proc.card(1).blocks)  # the report's run redraws a held card
    assert "waiting on the customer since" in card and "(4 days)" in card
    home = blocks_text(open_home(bot, BUYER)["blocks"])
    assert "⏸ on hold — waiting on the customer" in home


def test_a_pre_approval_holds_the_qualification_clock_until_qualified(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    clock.set(ny(12, 3, 9))  # Thursday; qualification due Friday 09:00
    proc(ANALYST, "new Globex | Zoom | new | 30k", BETA)
    proc(ANALYST, "preapproval 1 sent the budget form", BETA)
    with bot.db.reading() as session:
        (held,) = session.scalars(select(Hold)).all()
    assert (held.clock, held.party, held.ended_at) == ("qualification", "customer", None)
    assert "already on hold" in proc(ANALYST, "hold 1 vendor reseller quote", BETA)
    clock.set(ny(12, 7, 9))  # Monday: Thursday 09:00 → Monday 09:00 is 48 working hours held
    proc(ANALYST, "qualify 1", BETA)
    with bot.db.reading() as session:
        (held,) = session.scalars(select(Hold)).all()
    assert held.ended_at == ny(12, 7, 9) and held.ended_by == ANALYST
    assert proc.request(1).qualification_due_at == ny(12, 8, 9)  # Friday 09:00 + 48 working hours


def test_a_request_records_its_clocks_as_it_is_assigned_updated_held_and_closed(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    config = bot.runtime.config
    pod = config.pod("beta")
    clock.set(ny(11, 2, 9))
    proc(ANALYST, "new Globex | Zoom | new | 30k", BETA)
    proc(ANALYST, "qualify 1", BETA)
    proc(ANALYST, f"assign 1 <@{BUYER}>", BETA)
    assert proc.request(1).tat_due_by == ny(11, 17, 9)
    clock.set(ny(11, 3, 9))
    proc(BUYER, "update 1 the vendor sent the order form", BETA)
    proc(BUYER, "hold 1 vendor waiting on the order form", BETA)
    clock.set(ny(11, 20, 9))  # closed while held: seventeen days held
    proc(BUYER, "close 1 won", BETA)
    request = proc.request(1)
    hours = config.clocks.qualification_hours
    assert request.triage_due_by == qualification_due(pod.calendar, ny(11, 2, 9), hours)
    assert request.tat_due_by == request.tat_due_at == ny(12, 4, 9)
    assert request.cadence_from == request_clocks.cadence_from(pod.calendar, ny(11, 2, 9))
    assert request.cadence_stop == request_clocks.day_number(pod.calendar, ny(11, 20, 9))
    with bot.db.reading() as session:
        days = session.scalars(
            select(RequestEvent.work_day).where(RequestEvent.kind == "update")
        ).all()
        facts = load_facts(session, config, pod, Quarter(2026, 4), ny(12, 1, 9))
    assert days == [request_clocks.work_day(pod.calendar, ny(11, 3, 9))]
    # Counted in SQL from what it recorded: within its moved TAT; one working day of
    # thirteen (Nov 3-19) updated.
    assert facts.tat is not None and facts.cadence is not None
    kpi = facts.negotiation_tat(BUYER)
    assert (kpi.numerator, kpi.denominator) == (1, 1)
    kpi = facts.update_cadence(BUYER)
    assert (kpi.numerator, kpi.denominator) == (1, 13)
