"""Issue 20 item 4, `renewal-reminders`: one DM to the POD's analysts 90 and 60 days before a
contract's deadline (the notice deadline when earlier), once each, none once a request is open;
its Open renewal request button opens the intake modal prefilled."""

from __future__ import annotations

from datetime import date, timedelta

from bot.domain.renewals import reminder_deadline, reminders_due
from slackfake.web_api import Message
from tests.commands.conftest import Proc, blocks_text
from tests.conftest import RunningBot
from tests.helpers.modals import opened_view, submit
from tests.helpers.renewal_calendar import add_contract
from tests.helpers.renewal_reminders import ANALYSTS, dms, ny, remind

BETA = "C0BETA001"


TODAY = date(2026, 11, 23)  # a Monday


def test_reminder_days_are_pure() -> None:
    renewal = date(2027, 3, 1)
    assert reminder_deadline(renewal, None) == renewal
    assert reminder_deadline(renewal, 30) == date(2027, 1, 30)
    assert reminder_deadline(renewal, -5) == renewal  # the earlier of the two
    assert reminders_due(renewal, None, renewal - timedelta(days=91)) == []
    assert reminders_due(renewal, None, renewal - timedelta(days=90)) == [90]
    assert reminders_due(renewal, None, renewal - timedelta(days=60)) == [90, 60]
    assert reminders_due(renewal, None, renewal) == [90, 60]
    assert reminders_due(renewal, None, renewal + timedelta(days=1)) == []


def test_90_and_60_day_reminders_fire_once_each(bot: RunningBot) -> None:
    add_contract(bot.db, "beta", "Globex", "Zoom", "24000", TODAY + timedelta(days=90))
    assert "0 renewal reminders (outside office hours)" in remind(bot, ny(TODAY, 8))
    assert "0 renewal" in remind(bot, ny(TODAY - timedelta(days=3)))  # 93 days: not yet
    assert "1 renewal reminder" in remind(bot, ny(TODAY))
    for analyst in ANALYSTS:
        (dm,) = dms(bot, analyst)
        assert "Globex" in dm.text and "Zoom" in dm.text and "(90 days)" in dm.text
        assert "$24,000" in dm.text
    assert "0 renewal" in remind(bot, ny(TODAY, 11))  # once per lead time
    assert "0 renewal" in remind(bot, ny(TODAY + timedelta(days=29)))  # 61 days
    sixty = TODAY + timedelta(days=30)  # Wed 23 Dec
    assert "1 renewal reminder" in remind(bot, ny(sixty))
    assert "0 renewal" in remind(bot, ny(sixty, 12))
    assert "0 renewal" in remind(bot, ny(sixty + timedelta(days=1)))
    for analyst in ANALYSTS:
        _first, second = dms(bot, analyst)
        assert "(60 days)" in second.text


def test_the_notice_deadline_wins_when_earlier(bot: RunningBot) -> None:
    renewal = TODAY + timedelta(days=120)
    add_contract(bot.db, "beta", "Initech", "Slack", "9000", renewal, notice_days=30)
    add_contract(bot.db, "beta", "Hooli", "Asana", "5000", renewal)  # 120 days: not yet
    assert "1 renewal reminder" in remind(bot, ny(TODAY))
    (dm,) = dms(bot, ANALYSTS[0])
    assert "Initech" in dm.text and "notice deadline" in dm.text and "(90 days)" in dm.text
    assert "Hooli" not in dm.text


def test_a_contract_first_seen_inside_60_days_gets_one_reminder(bot: RunningBot) -> None:
    add_contract(bot.db, "beta", "Globex", "Zoom", "24000", TODAY + timedelta(days=45))
    assert "1 renewal reminder" in remind(bot, ny(TODAY))
    assert "0 renewal" in remind(bot, ny(TODAY + timedelta(days=1)))
    (dm,) = dms(bot, ANALYSTS[0])
    assert "(45 days)" in dm.text


def test_no_reminder_once_a_renewal_request_is_open(bot: RunningBot, proc: Proc) -> None:
    add_contract(bot.db, "beta", "Globex", "Zoom", "24000", TODAY + timedelta(days=90))
    proc(ANALYSTS[0], "new GLOBEX | zoom | renewal", BETA)
    assert "0 renewal" in remind(bot, ny(TODAY))
    assert dms(bot, ANALYSTS[0]) == [] or all(
        "Renewal coming up" not in m.text for m in dms(bot, ANALYSTS[0])
    )


def test_the_button_opens_the_intake_modal_prefilled_and_submitting_opens_the_request(
    bot: RunningBot, proc: Proc
) -> None:
    renewal = TODAY + timedelta(days=90)
    add_contract(bot.db, "beta", "Globex", "Zoom", "24000", renewal)
    remind(bot, ny(TODAY))
    analyst = ANALYSTS[0]
    (dm,) = dms(bot, analyst)
    assert "Open renewal request" in blocks_text(dm.blocks)
    response = bot.slack.block_action(
        "home_open_renewal", None, analyst, dm.channel, dm.ts, message=dm
    )
    assert response.status == 200
    bot.wait_idle()
    _, view = opened_view(bot)
    assert view["callback_id"] == "intake"
    inputs = {b["block_id"]: b["element"] for b in view["blocks"] if b["type"] == "input"}
    assert inputs["customer"]["initial_value"] == "Globex"
    assert inputs["tool"]["initial_value"] == "Zoom"
    assert inputs["type"]["initial_option"]["value"] == "renewal"
    assert inputs["amount"]["initial_value"] == "USD 24000"
    assert inputs["renewal_date"]["initial_date"] == renewal.isoformat()
    answers = {
        "customer": "Globex", "tool": "Zoom", "type": "renewal", "amount": "USD 24000",
        "renewal_date": renewal.isoformat(),
    }  # fmt: skip
    submit(bot, analyst, view, answers)
    request = proc.request(1)
    assert (request.customer, request.tool, request.kind) == ("Globex", "Zoom", "renewal")
    assert request.renewal_date == renewal
    assert "0 renewal" in remind(bot, ny(TODAY + timedelta(days=30)))  # the request is open
    assert len(dms(bot, analyst)) == 1


def _settled(bot: RunningBot, dm: Message) -> str:
    return blocks_text(bot.api.message(dm.channel, dm.ts).blocks)


def test_opening_the_renewal_settles_every_analysts_reminder_and_a_second_click_refuses(
    bot: RunningBot, proc: Proc
) -> None:
    """Issue 28: the renewal opened from one analyst's reminder settles the reminder of every
    analyst who got one (its button gone, the request named), and a click on a reminder not
    yet settled (or a stale Home) refuses with the open request's key, opening nothing."""
    renewal = TODAY + timedelta(days=90)
    add_contract(bot.db, "beta", "Globex", "Zoom", "24000", renewal)
    remind(bot, ny(TODAY))
    first, second = ANALYSTS
    (dm,) = dms(bot, first)
    (other,) = dms(bot, second)
    bot.slack.block_action("home_open_renewal", None, first, dm.channel, dm.ts, message=dm)
    bot.wait_idle()
    _, view = opened_view(bot)
    answers = {
        "customer": "Globex", "tool": "Zoom", "type": "renewal", "amount": "USD 24000",
        "renewal_date": renewal.isoformat(),
    }  # fmt: skip
    submit(bot, first, view, answers)
    bot.wait_idle()
    assert proc.request(1).kind == "renewal"
    for reminder in (dm, other):
        shown = _settled(bot, reminder)
        assert "Open renewal request" not in shown
        assert "REQ-1 is open for this renewal" in shown
    opened = len(bot.api.calls_to("views.open"))
    bot.slack.block_action(
        "home_open_renewal", None, second, other.channel, other.ts, message=other
    )
    bot.wait_idle()
    assert len(bot.api.calls_to("views.open")) == opened  # no second intake form
    (refusal,) = bot.api.ephemerals(second)  # told where the click was: its DM
    assert (refusal.channel, refusal.text) == (
        other.channel,
        ":warning: REQ-1 is already open for this renewal (Globex · Zoom); nothing to open.",
    )


def test_a_renewal_opened_by_command_settles_the_reminders(bot: RunningBot, proc: Proc) -> None:
    add_contract(bot.db, "beta", "Globex", "Zoom", "24000", TODAY + timedelta(days=90))
    remind(bot, ny(TODAY))
    proc(ANALYSTS[0], "new GLOBEX | zoom | renewal", BETA)
    bot.wait_idle()
    for analyst in ANALYSTS:
        (dm,) = dms(bot, analyst)
        assert "REQ-1 is open for this renewal" in _settled(bot, dm)
