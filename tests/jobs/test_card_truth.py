"""Issue 19 item 3: the card tells the truth at a glance — badges on its clocks, the last update
and the next due, a pending claim, whether the TAT was met at close; a breach edits it once."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.clock import ManualClock
from bot.domain.reminders import qualification_badge, tat_badge, update_badge
from bot.jobs import JOBS
from tests.commands.conftest import BETA_ANALYST, BETA_BUYER, Proc, blocks_text
from tests.conftest import RunningBot
from tests.helpers.tat_alerts import FRIDAY_3PM, run_alerts
from tests.jobs.conftest import run_job

BETA = "C0BETA001"


def card_edits(bot: RunningBot, ts: str) -> int:
    return len([c for c in bot.api.calls_to("chat.update") if c.params["ts"] == ts])


def field(blocks: list[dict], label: str) -> str:
    for block in blocks:
        for f in block.get("fields") or []:
            if f["text"].startswith(f"*{label}*"):
                return str(f["text"])
    raise AssertionError(f"no field {label!r} in {blocks}")


def negotiating_from_friday(proc: Proc, clock: ManualClock) -> None:
    """REQ-1 in POD Beta, assigned on Friday 15:00 New York time."""
    clock.set(FRIDAY_3PM)
    proc(BETA_ANALYST, "new Globex | Slack | new", BETA)
    proc(BETA_ANALYST, "qualify 1", BETA)
    proc(BETA_ANALYST, f"assign 1 <@{BETA_BUYER}>", BETA)


def test_a_breach_edits_the_cards_tat_line_once(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    negotiating_from_friday(proc, clock)
    card = proc.card(1)
    assert "breached" not in field(card.blocks, "TAT due")
    assert "due soon" not in field(card.blocks, "TAT due")
    due = proc.request(1).tat_due_at
    before = card_edits(bot, card.ts)
    clock.set(due)
    assert "1 new" in run_alerts(bot, "beta", due)
    assert card_edits(bot, card.ts) == before + 1
    assert ":rotating_light: *breached*" in field(proc.card(1).blocks, "TAT due")
    clock.set(due + timedelta(minutes=15))
    assert "0 new" in run_alerts(bot, "beta", due + timedelta(minutes=15))
    assert card_edits(bot, card.ts) == before + 1  # once per crossing


def test_a_breach_republishes_the_homes_that_list_the_request(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    negotiating_from_friday(proc, clock)
    bot.wait_idle()

    def homes(user: str) -> list[dict]:
        return [c.params for c in bot.api.calls_to("views.publish") if c.params["user_id"] == user]

    before = {user: len(homes(user)) for user in (BETA_BUYER, BETA_ANALYST)}
    due = proc.request(1).tat_due_at
    clock.set(due)
    assert "1 new" in run_alerts(bot, "beta", due)
    # The buyer's and the analyst's Homes are published again, once, after the crossing.
    for user in (BETA_BUYER, BETA_ANALYST):
        assert len(homes(user)) == before[user] + 1, user
    view = homes(BETA_ANALYST)[-1]["view"]
    shown = json.dumps(json.loads(view) if isinstance(view, str) else view)
    assert "TAT breaches" in shown and "No TAT breached." not in shown
    clock.set(due + timedelta(minutes=15))
    assert "0 new" in run_alerts(bot, "beta", due + timedelta(minutes=15))
    for user in (BETA_BUYER, BETA_ANALYST):
        assert len(homes(user)) == before[user] + 1, user


def test_a_qualification_breach_badges_the_qualification_line(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    clock.set(FRIDAY_3PM)
    proc(BETA_ANALYST, "new Globex | Slack | new", BETA)
    card = proc.card(1)
    assert "overdue" not in field(card.blocks, "Qualification due")
    monday_3pm = FRIDAY_3PM + timedelta(days=3)
    clock.set(monday_3pm)
    before = card_edits(bot, card.ts)
    assert "1 new" in run_alerts(bot, "beta", monday_3pm)
    assert card_edits(bot, card.ts) == before + 1
    assert ":warning: *overdue*" in field(proc.card(1).blocks, "Qualification due")


def test_the_card_shows_last_update_next_due_pending_claim_and_tat_met(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    negotiating_from_friday(proc, clock)
    clock.set(FRIDAY_3PM + timedelta(days=3))  # Monday 15:00
    proc(BETA_BUYER, "update 1 vendor came back at 45k", BETA)
    shown = blocks_text(proc.card(1).blocks)
    assert "*Last update*" in shown and "next due" in shown
    # Monday 15:00 + 24 working hours is Tuesday 15:00.
    tuesday_3pm = FRIDAY_3PM + timedelta(days=4)
    assert f"<!date^{int(tuesday_3pm.timestamp())}^" in shown.split("next due", 1)[1]
    proc(BETA_BUYER, "savings 1 48000 39500", BETA)
    shown = blocks_text(proc.card(1).blocks)
    assert "*Pending claim*" in shown and "waiting since" in shown
    assert "8,500" in shown.split("*Pending claim*", 1)[1]
    proc(BETA_BUYER, "close 1 lost went elsewhere", BETA)
    card = proc.card(1)
    assert ":white_check_mark: TAT met" in field(card.blocks, "Closed")
    assert "*Last update*" not in blocks_text(card.blocks)


def test_the_badges_thresholds(bot: RunningBot) -> None:
    calendar = bot.runtime.config.pod("beta").calendar
    monday_3pm = FRIDAY_3PM + timedelta(days=3)  # a qualification due then
    assert qualification_badge(calendar, monday_3pm - timedelta(hours=5), monday_3pm) is None
    assert qualification_badge(calendar, monday_3pm - timedelta(hours=4), monday_3pm) == "due soon"
    assert qualification_badge(calendar, monday_3pm, monday_3pm) == "overdue"
    due = FRIDAY_3PM + timedelta(days=15)
    assert tat_badge(due - timedelta(days=3, minutes=1), due) is None
    assert tat_badge(due - timedelta(days=3), due) == "due soon"
    assert tat_badge(due, due) == "breached"
    assert (
        update_badge(due, due) == "overdue"
        and update_badge(due - timedelta(seconds=1), due) is None
    )


def test_the_aging_reports_keys_link_to_their_cards(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    clock.set(FRIDAY_3PM)
    proc(BETA_ANALYST, "new Globex | Slack | new", BETA)
    card = proc.card(1)
    monday_9am = FRIDAY_3PM + timedelta(days=2, hours=18)
    clock.set(monday_9am)
    run_job(bot.runtime, JOBS["aging-report"], bot.runtime.config.pod("beta"), now=monday_9am)
    (report,) = [
        m for m in bot.api.messages(BETA) if "Aging report" in m.text + blocks_text(m.blocks)
    ]
    link = f"archives/{BETA}/p{card.ts.replace('.', '')}|REQ-1>"
    assert link in blocks_text(report.blocks)
