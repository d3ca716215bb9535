"""`/proc stage` (issue 20): procurement stages of a negotiating request move the card ("day n
of a–b"), group the aging report and flag a stage past its bound — counted in calendar days,
across a weekend and a holiday — and every command on a negotiating request keeps working."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.db.models import ProcurementStep, RequestEvent
from bot.jobs import JOBS
from tests.commands.conftest import Proc, blocks_text
from tests.conftest import RunningBot
from tests.jobs.conftest import run_job

BETA = "C0BETA001"
ANALYST, BUYER, EM = "U0ANA0002", "U0BUY0002", "U0EM00002"
OTHER_BUYER = "U0BUY0001"  # an analyst in POD Beta, a buyer in POD Alpha
EST = timedelta(hours=5)


def ny(day: int, hour: int, minute: int = 0, month: int = 11) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC) + EST


def negotiating(proc: Proc, clock: ManualClock, at: datetime) -> None:
    clock.set(at)
    proc(ANALYST, "new Globex | Zoom | renewal | 30k", BETA)
    proc(ANALYST, "qualify 1", BETA)
    proc(ANALYST, f"assign 1 <@{BUYER}>", BETA)


def report(bot: RunningBot, now: datetime) -> str:
    # The worker renders a card as of the domain clock: the report's run is at its time.
    clock = bot.runtime.clock
    assert isinstance(clock, ManualClock)
    clock.set(now)
    run_job(bot.runtime, JOBS["aging-report"], bot.runtime.config.pod("beta"), now=now)
    posts = [m for m in bot.api.messages(BETA) if m.text.startswith("Aging report")]
    return blocks_text(posts[-1].blocks)


def card(proc: Proc) -> str:
    return blocks_text(proc.card(1).blocks)


def group_line(shown: str) -> str:
    """REQ-1's line in its stage's group (issue 33's "Checklist gaps at the PO" lists it too,
    as a bullet)."""
    (line,) = [
        ln
        for ln in shown.splitlines()
        if not ln.startswith("• ") and (ln.startswith("*REQ-1*") or "|REQ-1>*" in ln)
    ]
    return line


def test_stages_move_the_card_and_the_report_flags_one_past_its_bound(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    negotiating(proc, clock, ny(16, 9))
    clock.set(ny(16, 10))  # Monday
    answer = proc(BUYER, "stage 1 vendor-qualification started sent the vendor form", BETA)
    assert "vendor qualification started (expected 7–14 days)" in answer
    assert "Vendor qualification · day 0 of 7–14" in card(proc)
    clock.set(ny(20, 15))  # Friday
    assert "done" in proc(BUYER, "stage 1 vendor-qualification done", BETA)
    assert "Procurement stage" not in card(proc)

    # A PO (1–2 weeks) started Friday 20 Nov; the weekends and Thanksgiving (Thu 26) count.
    proc(EM, "stage 1 po", BETA)
    assert "PO · day 0 of 7–14" in card(proc)
    clock.set(ny(25, 11))  # Wednesday: an update re-renders the card as of then
    proc(BUYER, "update 1 waiting on the PO number", BETA)
    assert "PO · day 5 of 7–14" in blocks_text(proc.answer(BUYER, "status 1", BETA)["blocks"])
    # The report on Friday 4 Dec (day 14) does not flag it; Monday 7 Dec (day 17) does.
    shown = report(bot, ny(4, 9, month=12))
    assert "*:handshake: Negotiating · PO* (1)" in shown
    assert "*Checklist gaps at the PO* (1)" in shown  # issue 33: its checklist is open
    line = group_line(shown)
    assert "PO day 14 of 7–14" in line and "over its bound" not in line
    assert "PO · day 14 of 7–14" in card(proc)  # the report's run refreshed the card
    shown = report(bot, ny(7, 9, month=12))
    assert "PO · day 17 of 7–14 · :warning: over its bound" in card(proc)
    line = group_line(shown)
    assert "PO day 17 of 7–14" in line
    assert ":warning: procurement stage over its bound (14 days)" in line
    assert ":warning: 1 procurement stage over its bound" in shown

    # Every command on a negotiating request keeps working with a stage under way.
    clock.set(ny(7, 10, month=12))
    assert "Update posted" in proc(BUYER, "update 1 PO is with their finance team", BETA)
    assert "recorded" in proc(BUYER, "quote 1 Other Reseller 26k", BETA)
    proc(BUYER, "savings 1 30k 26k", BETA)
    assert any("Approve" in blocks_text(m.blocks) for m in proc.thread(1))
    proc(BUYER, "stage 1 po done", BETA)
    assert "closed" in proc(BUYER, "close 1 won", BETA)
    assert proc.request(1).stage == "closed"

    with bot.db.reading() as session:
        steps = session.scalars(select(ProcurementStep).order_by(ProcurementStep.id)).all()
        kinds = [
            (e.kind, (e.data or {}).get("stage"))
            for e in session.scalars(select(RequestEvent).order_by(RequestEvent.id))
            if e.kind.startswith("procurement")
        ]
    assert [(s.stage, s.started_by, s.done_by) for s in steps] == [
        ("vendor-qualification", BUYER, BUYER),
        ("po", EM, BUYER),
    ]
    assert steps[0].note == "sent the vendor form"
    assert kinds == [
        ("procurement_started", "vendor-qualification"),
        ("procurement_done", "vendor-qualification"),
        ("procurement_started", "po"),
        ("procurement_done", "po"),
    ]
    thread = "\n".join(m.text for m in proc.thread(1))
    assert "*Vendor qualification* started by" in thread
    assert "*PO* done (after 17 days)" in thread


def test_who_may_record_a_stage_and_when(bot: RunningBot, proc: Proc, clock: ManualClock) -> None:
    clock.set(ny(16, 9))
    proc(ANALYST, "new Globex | Zoom | renewal | 30k", BETA)
    assert "under negotiation" in proc(ANALYST, "stage 1 po", BETA)  # intake
    proc(ANALYST, "qualify 1", BETA)
    proc(ANALYST, f"assign 1 <@{BUYER}>", BETA)
    assert "procurement stage" in proc(BUYER, "stage 1 procurement", BETA)
    assert "no PO under way" in proc(BUYER, "stage 1 po done", BETA)
    assert "started" in proc(ANALYST, "stage 1 security-review", BETA)  # an analyst may
    assert "already under way" in proc(BUYER, "stage 1 security-review", BETA)
    with bot.db.reading() as session:
        assert len(session.scalars(select(ProcurementStep)).all()) == 1


def test_the_reports_card_refreshes_republish_the_homes(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    """Issue 28: a card the aging report refreshes (a procurement step's day moved) is a
    change every Home listing the request shows too: they are republished with it."""
    negotiating(proc, clock, ny(16, 9))
    clock.set(ny(16, 10))
    proc(BUYER, "stage 1 po", BETA)
    bot.wait_idle()

    def publishes(user: str) -> int:
        return sum(c.params.get("user_id") == user for c in bot.api.calls_to("views.publish"))

    before = {user: publishes(user) for user in (BUYER, ANALYST, EM)}
    report(bot, ny(20, 9))
    assert "PO · day 4 of 7–14" in card(proc)  # the report's run refreshed the card
    assert {user: publishes(user) for user in before} == {
        user: count + 1 for user, count in before.items()
    }
