"""SPEC §3 `/proc away` / `/proc back`, issue 30 item 2: absences with cover. An em away with a
cover: a buyer's claim is decided by the cover, and nothing is DMed to the em until the morning
they return — across a holiday and a weekend — when one digest lists what is still open."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select

from bot.clock import ManualClock
from bot.db.models import AbsenceRow, ClaimApproval
from bot.jobs import JOBS
from slackfake.web_api import Message
from tests.commands.conftest import ANALYST, BUYER, CSM, EM, Proc, blocks_text, day_token
from tests.conftest import RunningBot
from tests.helpers.home import buttons, open_home
from tests.helpers.savings import claim_message, claims, click, ephemerals_to, negotiating
from tests.jobs.conftest import run_job

IST = timedelta(hours=5, minutes=30)


def ist(day: int, hour: int, month: int = 12) -> datetime:
    """An instant given in POD Alpha's zone (Asia/Kolkata)."""
    return datetime(2026, month, day, hour, tzinfo=UTC) - IST


def dms(bot: RunningBot, user: str) -> list[Message]:
    return [m for m in bot.api.messages(f"D{user[1:]}") if not m.thread_ts]


def test_away_and_back_for_oneself_and_by_an_em(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    clock.set(ist(21, 10))
    back_on = day_token(date(2027, 1, 5))
    assert proc(BUYER, f"away until 2027-01-05 cover <@{ANALYST}>") == (
        f"You are away until {back_on} (back that morning); <@{ANALYST}> covers: pending "
        "approvals go to them, and the reminders too. Nothing is DMed until then; the first "
        "digest back lists what is still open."
    )
    home = blocks_text(open_home(bot, BUYER)["blocks"])
    assert home.startswith(f":palm_tree: Away until {back_on} — covered by <@{ANALYST}>")
    # Only the person or an em of their POD: the analyst may not set the buyer back.
    assert proc(ANALYST, f"back <@{BUYER}>").startswith(
        f":warning: Only <@{BUYER}> or an em of their POD may say when <@{BUYER}> is away."
    )
    assert proc(EM, f"back <@{BUYER}>") == (
        f"<@{BUYER}> is back: approvals and reminders go to <@{BUYER}> again."
    )
    assert proc(BUYER, "back").startswith(":warning: You are not away.")
    assert "Away until" not in blocks_text(open_home(bot, BUYER)["blocks"])
    # A day not after today, a cover of oneself or from no shared POD: refused, nothing written.
    assert "is not after today" in proc(BUYER, "away until 2026-12-21")
    assert "Nobody covers for themselves" in proc(BUYER, f"away until 2027-01-05 cover <@{BUYER}>")
    assert "is in none of" in proc(BUYER, "away until 2027-01-05 cover <@U0NOBODY1>")
    assert proc(BUYER, "away tomorrow").startswith(":warning: Say until when")
    with bot.db.transaction() as session:
        assert session.scalars(select(AbsenceRow)).all() == []


def test_an_em_away_with_a_cover_across_a_holiday_and_a_weekend(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    clock.set(ist(21, 10))  # Monday 21 December; Friday 25 is POD Alpha's holiday
    first = negotiating(proc, "Acme", "Figma")
    second = negotiating(proc, "Globex", "Zoom")
    proc(EM, f"away until 2026-12-25 cover <@{ANALYST}>")

    proc(BUYER, f"savings REQ-{first} 48000 39500")
    reply = proc(BUYER, f"savings REQ-{second} 20000 15000")
    assert reply.endswith(f"for <@{EM}> to approve.")  # the em decides once back
    message = claim_message(proc, first)
    assert f"<@{ANALYST}> (covering for <@{EM}>): approve or reject?" in blocks_text(message.blocks)
    # The cover's Home offers the claims; the csm, no cover, may not decide.
    home = open_home(bot, ANALYST)
    assert "POD Alpha — cover" in blocks_text(home["blocks"])
    one, two = claims(bot)
    assert ("savings_approve", str(one.id)) in buttons(home)
    click(bot, CSM, "savings_approve", message)
    assert ephemerals_to(bot, CSM) == [
        ":warning: Only an em of POD Alpha may approve or reject savings claims."
    ]

    click(bot, ANALYST, "savings_approve", message)
    one, two = claims(bot)
    assert (one.status, one.decided_by) == ("approved", ANALYST)
    assert two.status == "pending"
    with bot.db.transaction() as session:
        approval = session.scalars(select(ClaimApproval)).one()
        assert (approval.approver_id, approval.covering_for) == (ANALYST, EM)

    # Every hour of the scheduler's working days until the em's first morning back.
    alpha = bot.runtime.config.pod("alpha")
    to_em: list[tuple[datetime, Message]] = []
    at = ist(21, 11)
    while at <= ist(28, 9):
        if at.astimezone(alpha.zone).strftime("%a").lower() in alpha.workdays:
            clock.set(at)
            before = len(dms(bot, EM))
            run_job(bot.runtime, JOBS["reminders"], alpha, now=at)
            to_em += [(at, m) for m in dms(bot, EM)[before:]]
        at += timedelta(hours=1)

    # Nothing while away (nor on the holiday and the weekend after); one digest at 09:00 on
    # Monday 28 December, listing the claim still open.
    assert [when for when, _m in to_em] == [ist(28, 9)]
    text = blocks_text(to_em[0][1].blocks)
    assert f"REQ-{second}" in text and f"REQ-{first}" not in text
    # Meanwhile the cover had the approval queue for it.
    cover_text = "\n".join(blocks_text(m.blocks) for m in dms(bot, ANALYST))
    assert f"REQ-{second}" in cover_text
    assert "Away until" not in blocks_text(open_home(bot, EM)["blocks"])


def test_a_buyer_away_their_update_reminders_go_to_the_cover_then_back_to_them(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    alpha = bot.runtime.config.pod("alpha")
    clock.set(ist(1, 10))  # Tuesday 1 December
    number = negotiating(proc)
    proc(BUYER, f"away until 2026-12-07 cover <@{CSM}>")  # back on Monday
    for day in (2, 3, 4):  # the update is due on Wednesday; the cover is reminded
        clock.set(ist(day, 11))
        run_job(bot.runtime, JOBS["reminders"], alpha, now=ist(day, 11))
    assert dms(bot, BUYER) == []
    to_cover = [blocks_text(m.blocks) for m in dms(bot, CSM)]
    assert len(to_cover) >= 1 and all(f"REQ-{number}" in t for t in to_cover)
    clock.set(ist(7, 9))
    run_job(bot.runtime, JOBS["reminders"], alpha, now=ist(7, 9))
    (back,) = dms(bot, BUYER)  # Monday 09:00: their own digest, the item still open
    assert f"REQ-{number}" in blocks_text(back.blocks)


def test_a_claim_covering_for_someone_is_redrawn_when_their_absence_runs_out(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    """No `/proc back`: the return day starts, and the next `tat-alerts` run redraws the
    pending claim's message without "covering for …", once."""
    alpha = bot.runtime.config.pod("alpha")
    clock.set(ist(21, 10))
    number = negotiating(proc, "Acme", "Figma")
    proc(EM, f"away until 2026-12-23 cover <@{ANALYST}>")
    proc(BUYER, f"savings REQ-{number} 48000 39500")
    message = claim_message(proc, number)
    assert f"(covering for <@{EM}>)" in blocks_text(message.blocks)

    def edits() -> int:
        return len([c for c in bot.api.calls_to("chat.update") if c.params["ts"] == message.ts])

    clock.set(ist(22, 23))  # still away: nothing to redraw
    run_job(bot.runtime, JOBS["tat-alerts"], alpha, now=ist(22, 23))
    bot.wait_idle()
    before = edits()
    assert f"(covering for <@{EM}>)" in blocks_text(claim_message(proc, number).blocks)

    clock.set(ist(23, 0) + timedelta(minutes=15))  # Wednesday 23: the em's return day
    run_job(bot.runtime, JOBS["tat-alerts"], alpha, now=clock.now())
    bot.wait_idle()
    text = blocks_text(claim_message(proc, number).blocks)
    assert "covering for" not in text and f"<@{EM}>: approve or reject?" in text
    assert edits() == before + 1
    assert "Away until" not in blocks_text(open_home(bot, EM)["blocks"])
    # Once: a later run redraws nothing more.
    clock.set(ist(23, 1))
    run_job(bot.runtime, JOBS["tat-alerts"], alpha, now=clock.now())
    bot.wait_idle()
    assert edits() == before + 1
