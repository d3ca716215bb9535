"""Close-out keeps the SaaS stack current: a won request's new term (button, modal, inline)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy import select

from bot.clock import ManualClock
from bot.db.kpi_reference import load_facts
from bot.db.models import Contract, Request, RequestEvent
from bot.domain.kpis import monthly_to_annual_conversion
from bot.domain.quarters import quarter_of
from tests.commands.conftest import ANALYST, BUYER, EM, Proc, blocks_text, day_token
from tests.conftest import RunningBot
from tests.helpers.close_out import click, opened_view, submit, term_message
from tests.helpers.savings import actions_of, ephemerals_to, negotiating


def contracts(bot: RunningBot) -> list[Contract]:
    with bot.db.transaction() as session:
        return list(session.scalars(select(Contract).order_by(Contract.id)))


def events(bot: RunningBot, number: int, kind: str) -> list[RequestEvent]:
    with bot.db.transaction() as session:
        return list(
            session.scalars(
                select(RequestEvent).where(
                    RequestEvent.request_id == number, RequestEvent.kind == kind
                )
            )
        )


def won_with_monthly_contract(proc: Proc) -> int:
    proc(ANALYST, "contract add Acme | Figma | 36,000 | 2026-12-31 | monthly")
    number = negotiating(proc)
    proc(BUYER, f"close {number} won signed")
    return number


def test_a_won_close_posts_the_button_in_the_thread(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    reply = proc(BUYER, f"close REQ-{number} won")
    assert reply == "REQ-1 is closed (won). Record its new term with the button in its thread."
    message = term_message(proc, number)
    assert message.thread_ts == proc.card(number).ts
    assert "Record the new term" in blocks_text(message.blocks)
    assert f"<@{ANALYST}>" in message.text
    assert proc.request(number).term_recorded_at is None
    assert "*New term*\n:memo: not recorded yet" in blocks_text(proc.card(number).blocks)


def test_a_lost_close_posts_no_button(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    proc(BUYER, f"close {number} lost")
    assert not [m for m in proc.thread(number) if "record_term" in actions_of(m)]


def test_the_analyst_records_the_term_in_the_modal_and_it_converts(
    bot: RunningBot, proc: Proc
) -> None:
    number = won_with_monthly_contract(proc)
    card_updates = len(bot.api.calls_to("chat.update"))
    click(bot, ANALYST, term_message(proc, number))
    view = opened_view(bot)
    assert view["callback_id"] == "record_term"
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["amount"]["element"]["initial_value"] == "USD 36000"
    assert blocks["renewal_date"]["element"]["initial_date"] == "2027-12-31"
    assert blocks["billing_cycle"]["element"]["initial_option"]["value"] == "monthly"
    assert "Updates its contract: $36,000 a year" in blocks_text(view["blocks"])

    # Errors are shown on the fields, and nothing is written.
    assert submit(bot, ANALYST, view["private_metadata"], amount="lots", cycle="annual") == {
        "response_action": "errors",
        "errors": {
            "amount": (
                "`lots` is not an amount; write it like 48000, 48,000, $48,000.50, 48k, 1.2m "
                "or EUR 40k."
            ),
            "renewal_date": "Pick the new renewal date.",
        },
    }
    assert contracts(bot)[0].annual_amount == Decimal("36000")
    # A new term renewing in the past (the clock says 2026-11-23) is refused on its field.
    assert submit(
        bot, ANALYST, view["private_metadata"], amount="$30,000", renewal_date="2026-11-01",
        cycle="annual",
    ) == {
        "response_action": "errors",
        "errors": {
            "renewal_date": "The renewal date 2026-11-01 is in the past (today is 2026-11-23); "
            "give the next renewal date."
        },
    }  # fmt: skip
    assert contracts(bot)[0].annual_amount == Decimal("36000")

    answer = submit(
        bot, ANALYST, view["private_metadata"], amount="$30,000", renewal_date="2027-12-31",
        cycle="annual", auto="no", notice="60",
    )  # fmt: skip
    assert answer is None
    (contract,) = contracts(bot)
    assert (contract.annual_amount, contract.renewal_date, contract.billing_cycle) == (
        Decimal("30000"), date(2027, 12, 31), "annual"
    )  # fmt: skip
    assert (contract.auto_renew, contract.notice_days) == (False, 60)
    assert contract.converted_on == date(2026, 11, 23)  # the POD's local day (IST)
    request = proc.request(number)
    assert request.term_recorded_by == ANALYST and request.term_recorded_at is not None
    (event,) = events(bot, number, "term_recorded")
    assert event.data == {"converted": True, "outcome": "updated"}
    told = proc.thread(number)[-1].text
    assert told.startswith(":memo: New term recorded by <@U0ANA0001>: Acme · Figma, $30,000 a year")
    assert f"(was $36,000 a year, renews {day_token(date(2026, 12, 31))}, monthly)" in told
    assert "Converted from monthly to annual billing." in told
    assert len(bot.api.calls_to("chat.update")) > card_updates  # the card was refreshed
    assert ":white_check_mark: recorded by <@U0ANA0001>" in blocks_text(proc.card(number).blocks)

    # The KPI rule reads the conversion from the SaaS stack.
    with bot.db.transaction() as session:
        quarter = quarter_of(date(2026, 11, 23), 1)
        config = bot.runtime.config
        facts = load_facts(
            session, config, config.pod("alpha"), quarter, bot.runtime.clock.now()
        ).contracts
    kpi = monthly_to_annual_conversion(facts, quarter)
    assert kpi.counted_apart == 1  # created and converted in this quarter

    # A second submit changes the contract again; the conversion stays counted once.
    click(bot, EM, term_message(proc, number))
    view = opened_view(bot)
    submit(bot, EM, view["private_metadata"], amount="31k", renewal_date="2028-01-31",
           cycle="annual")  # fmt: skip
    (contract,) = contracts(bot)
    assert (contract.annual_amount, contract.converted_on) == (Decimal("31000"), date(2026, 11, 23))
    assert [e.data["converted"] for e in events(bot, number, "term_recorded")] == [True, False]


def test_a_buyer_pressing_the_button_is_refused_and_nothing_is_written(
    bot: RunningBot, proc: Proc
) -> None:
    number = won_with_monthly_contract(proc)
    opened = len(bot.api.calls_to("views.open"))
    click(bot, BUYER, term_message(proc, number))
    assert ephemerals_to(bot, BUYER) == [
        ":warning: Only an analyst or em may do that; in POD Alpha you are buyer."
    ]
    assert len(bot.api.calls_to("views.open")) == opened
    # Nor can a buyer submit a form they got hold of.
    answer = submit(bot, BUYER, json.dumps({"request": number}), amount="1", cycle="annual",
                    renewal_date="2027-01-01")  # fmt: skip
    assert answer["response_action"] == "errors"
    assert contracts(bot)[0].annual_amount == Decimal("36000")
    assert proc.request(number).term_recorded_at is None


def test_close_won_inline_records_the_term_in_the_same_command(bot: RunningBot, proc: Proc) -> None:
    proc(ANALYST, "contract add Acme | Figma | 3,000 | 2026-12-31 | monthly")
    number = negotiating(proc)
    proc(BUYER, f"savings {number} 60000 52000")
    reply = proc(EM, f"close REQ-{number} won | $52,000 | 2027-03-31 | annual")
    assert reply == "REQ-1 is closed (won) and its new term is recorded in the SaaS stack."
    (contract,) = contracts(bot)
    assert (contract.annual_amount, contract.renewal_date, contract.billing_cycle) == (
        Decimal("52000"), date(2027, 3, 31), "annual"
    )  # fmt: skip
    assert contract.converted_on == date(2026, 11, 23)
    request = proc.request(number)
    assert (request.stage, request.outcome, request.term_recorded_by) == ("closed", "won", EM)
    texts = [m.text for m in proc.thread(number)]
    assert texts[-1].startswith(":memo: New term recorded by <@U0EM00001>: Acme · Figma, $52,000")
    assert not [m for m in proc.thread(number) if "record_term" in actions_of(m)]


def test_close_won_inline_creates_the_contract_of_a_new_purchase(
    bot: RunningBot, proc: Proc
) -> None:
    number = negotiating(proc, "Globex", "Miro")
    reply = proc(EM, f"close {number} won|48k|2027-06-30")
    assert "new term is recorded" in reply
    (contract,) = contracts(bot)
    assert (contract.customer, contract.tool, contract.billing_cycle) == (
        "Globex",
        "Miro",
        "annual",
    )
    assert contract.converted_on is None
    assert "added to POD Alpha's SaaS stack" in proc.thread(number)[-1].text


def test_close_won_inline_refuses_a_bad_date_and_changes_nothing(
    bot: RunningBot, proc: Proc
) -> None:
    number = negotiating(proc)
    reply = proc(EM, f"close {number} won | 52k | 31/03/2027")
    assert reply.startswith(
        ":warning: `31/03/2027` is not a date; write the renewal date as YYYY-MM-DD.\nUsage: "
    )
    assert proc.request(number).stage == "negotiating"
    assert contracts(bot) == []


def test_a_buyer_cannot_record_the_term_inline(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    reply = proc(BUYER, f"close {number} won | 52k | 2027-03-31")
    assert reply.startswith(":warning: Only an analyst or em may do that")
    assert proc.request(number).stage == "negotiating"
    assert contracts(bot) == []


def test_the_card_timeline_shows_the_term(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    proc(EM, f"close {number} won | 52k | 2027-03-31")
    timeline = blocks_text(proc.answer(EM, f"status {number}")["blocks"])
    assert (
        f"recorded the new term: $52,000 a year, renews {day_token(date(2027, 3, 31))}, annual "
        "(a new contract)"
    ) in timeline
    with bot.db.transaction() as session:
        assert session.get(Request, number).term_recorded_at is not None


def test_a_conversion_of_a_contract_from_an_earlier_quarter_counts_in_the_kpi(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    now = clock.now()
    clock.set(datetime(2026, 9, 1, 6, 0, tzinfo=UTC))
    proc(ANALYST, "contract add Acme | Figma | 3,000 | 2026-12-31 | monthly")
    clock.set(now)
    number = negotiating(proc)
    proc(EM, f"close {number} won | 36k | 2027-12-31 | annual")
    assert len(contracts(bot)) == 1
    with bot.db.transaction() as session:
        quarter = quarter_of(date(2026, 11, 23), 1)
        config = bot.runtime.config
        facts = load_facts(session, config, config.pod("alpha"), quarter, clock.now()).contracts
    kpi = monthly_to_annual_conversion(facts, quarter)
    assert (kpi.numerator, kpi.denominator) == (1, 1)


def test_the_new_term_takes_its_line_item(bot: RunningBot, proc: Proc) -> None:
    """Issue 34: the modal's seats and plan, prefilled from the last itemised quote, are the
    contract's line item; a later `contract add` (which states none) keeps them."""
    proc(ANALYST, "contract add Acme | Figma | 36,000 | 2026-12-31")
    number = negotiating(proc)
    proc(BUYER, f"quote {number} Crayon 120 seats × $280 annual Professional")
    proc(BUYER, f"close {number} won signed")
    click(bot, ANALYST, term_message(proc, number))
    view = opened_view(bot)
    blocks = {b.get("block_id"): b for b in view["blocks"]}
    assert blocks["quantity"]["element"]["initial_value"] == "120"
    assert blocks["plan"]["element"]["initial_value"] == "Professional"
    metadata = view["private_metadata"]
    wrong = submit(bot, ANALYST, metadata, amount="33.6k", renewal_date="2027-12-31",
                   cycle="annual", seats="many")  # fmt: skip
    assert wrong["errors"] == {"quantity": "Write the seats as a whole number, like 120."}
    assert submit(bot, ANALYST, metadata, amount="33.6k", renewal_date="2027-12-31",
                  cycle="annual", seats="110", plan=" Professional ") is None  # fmt: skip
    (contract,) = contracts(bot)
    assert (contract.annual_amount, contract.seats, contract.plan) == (
        Decimal("33600"), 110, "Professional"
    )  # fmt: skip
    assert "$33,600 a year" in proc.thread(number)[-1].text
    assert "annual; 110 seats Professional" in proc.thread(number)[-1].text
    proc(ANALYST, "contract add Acme | Figma | 34,000 | 2027-12-31")
    (contract,) = contracts(bot)
    assert (contract.annual_amount, contract.seats, contract.plan) == (
        Decimal("34000"), 110, "Professional"
    )  # fmt: skip
