"""Both modal paths: `/proc new` and `/proc update REQ` open a form; submitting it acts or shows
errors on the fields (`response_action: errors`), never as a new message."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from tests.commands.conftest import ALPHA, ANALYST, BUYER, EM, STRANGER, Proc, blocks_text
from tests.conftest import RunningBot
from tests.helpers.modals import INTAKE, opened_view, submit


def test_new_without_arguments_opens_the_intake_modal(bot: RunningBot, proc: Proc) -> None:
    response = bot.slack.slash_command(
        "new", user_id=ANALYST, channel_id=ALPHA, trigger_id="13345.abc"
    )
    assert response.json()["text"] == "Opening the intake form for POD Alpha…"
    bot.wait_idle()
    trigger, view = opened_view(bot)
    assert trigger == "13345.abc"
    assert view["callback_id"] == "intake" and view["type"] == "modal"
    ids = [b.get("block_id") for b in view["blocks"] if b["type"] == "input"]
    assert ids == ["customer", "tool", "type", "amount", "renewal_date", "notes", "again"]
    assert bot.api.calls_to("chat.postMessage") == []


def test_submitting_the_intake_modal_creates_the_request(bot: RunningBot, proc: Proc) -> None:
    proc(ANALYST, "new")
    _, view = opened_view(bot)
    assert submit(bot, ANALYST, view, INTAKE) is None  # a bare ack closes the modal
    request = proc.request(1)
    assert (request.customer, request.tool, request.kind) == ("Umbrella Corp", "Notion", "renewal")
    assert (request.amount, request.currency) == (Decimal("40000"), "EUR")
    assert request.renewal_date == date(2027, 3, 31)
    assert request.notes == INTAKE["notes"]
    card = proc.card(1)
    assert card.channel == ALPHA and "Umbrella Corp" in blocks_text(card.blocks)
    assert "350 &amp; they want SSO" in blocks_text(card.blocks)  # plain text, escaped once
    (confirmation,) = bot.api.calls_to("chat.postEphemeral")
    assert confirmation.params["user"] == ANALYST and confirmation.params["channel"] == ALPHA
    assert confirmation.params["text"].startswith("Created *REQ-1* — Umbrella Corp · Notion")


def test_intake_errors_come_back_on_the_fields_and_nothing_is_written(
    bot: RunningBot, proc: Proc
) -> None:
    proc(ANALYST, "new")
    _, view = opened_view(bot)
    before = len(bot.api.calls)
    answer = submit(bot, ANALYST, view, {**INTAKE, "customer": "   ", "amount": "forty grand"})
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"customer", "amount"}
    assert "forty grand" in answer["errors"]["amount"]
    assert bot.api.calls[before:] == []
    with bot.db.engine.connect() as connection:
        assert connection.exec_driver_sql("select count(*) from requests").scalar() == 0


def test_a_renewal_date_in_the_past_is_refused_on_its_field_and_nothing_is_written(
    bot: RunningBot, proc: Proc
) -> None:
    # The clock says 2026-11-23 (in POD Alpha's Kolkata as in UTC); 22 months back is refused.
    proc(ANALYST, "new")
    _, view = opened_view(bot)
    before = len(bot.api.calls)
    answer = submit(bot, ANALYST, view, {**INTAKE, "renewal_date": "2025-01-31"})
    assert answer == {
        "response_action": "errors",
        "errors": {
            "renewal_date": "The renewal date 2025-01-31 is in the past (today is 2026-11-23); "
            "give the next renewal date."
        },
    }
    assert bot.api.calls[before:] == []
    with bot.db.engine.connect() as connection:
        assert connection.exec_driver_sql("select count(*) from requests").scalar() == 0
    # Today is not in the past.
    assert submit(bot, ANALYST, view, {**INTAKE, "renewal_date": "2026-11-23"}) is None
    assert proc.request(1).renewal_date == date(2026, 11, 23)


def test_a_submission_by_someone_not_allowed_is_refused_on_the_form(
    bot: RunningBot, proc: Proc
) -> None:
    proc(ANALYST, "new")
    _, view = opened_view(bot)
    answer = submit(bot, STRANGER, view, INTAKE)
    assert answer["response_action"] == "errors"
    assert "not a member of any procurement POD" in answer["errors"]["customer"]
    buyer_answer = submit(bot, BUYER, view, INTAKE)
    assert "Only an analyst, em or csm may do that" in buyer_answer["errors"]["customer"]
    assert bot.api.calls_to("chat.postMessage") == []


def negotiating(proc: Proc) -> None:
    proc(ANALYST, "new Acme | Figma | new")
    proc(ANALYST, "qualify 1")
    proc(ANALYST, f"assign 1 <@{BUYER}>")


def test_update_without_text_opens_the_update_modal_and_posts_it(
    bot: RunningBot, proc: Proc
) -> None:
    negotiating(proc)
    assert proc(BUYER, "update REQ-1") == "Opening the update form for REQ-1…"
    _, view = opened_view(bot)
    assert view["callback_id"] == "update"
    assert "REQ-1 · Acme · Figma" in blocks_text(view["blocks"])
    answers = {
        "status": "Vendor at 44k after the competitive quote",
        "vendor_position": "Will not go below 42k without a 2-year term",
        "next_step": "Call with their VP Sales",
        "next_step_date": "2026-11-27",
        "blockers": "Legal review of the DPA",
    }
    assert submit(bot, BUYER, view, answers) is None
    update = proc.thread(1)[-1].text
    assert update.startswith(":memo: *Update* from <@U0BUY0001>:")
    for text in (
        "*Status:* Vendor at 44k",
        "*Next step:* Call with their VP Sales",
        "Legal review",
    ):
        assert text in update
    assert proc.request(1).last_update_at is not None
    (confirmation,) = bot.api.calls_to("chat.postEphemeral")
    assert confirmation.params["text"] == "Update posted in REQ-1's thread."


def test_update_modal_field_errors(bot: RunningBot, proc: Proc) -> None:
    negotiating(proc)
    proc(BUYER, "update 1")
    _, view = opened_view(bot)
    thread_before = len(proc.thread(1))
    answer = submit(bot, BUYER, view, {"status": " ", "next_step_date": "2020-01-01"})
    assert answer["response_action"] == "errors"
    assert set(answer["errors"]) == {"status", "next_step_date"}
    assert len(proc.thread(1)) == thread_before


def test_update_modal_refuses_a_request_closed_meanwhile(bot: RunningBot, proc: Proc) -> None:
    negotiating(proc)
    proc(BUYER, "update 1")
    _, view = opened_view(bot)
    proc(EM, "close 1 cancelled")
    answer = submit(bot, BUYER, view, {"status": "still talking"})
    assert answer["response_action"] == "errors"
    assert "REQ-1 is closed" in answer["errors"]["status"]


def test_update_modal_is_not_opened_for_someone_not_allowed(bot: RunningBot, proc: Proc) -> None:
    negotiating(proc)
    reply = proc(ANALYST, "update 1")
    assert reply.startswith(":warning: Only the assigned buyer or an em may do that")
    assert bot.api.calls_to("views.open") == []
