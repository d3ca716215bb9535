"""Issue 34: itemised quotes (`/proc quote REQ Crayon 120 seats × $14 annual`) placed among the
POD's earlier deals by annual price per seat, and `/proc benchmark` — driven like Slack does,
asserting on what the Slack stand-in received."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from bot.clock import ManualClock
from bot.config import ConfigError, parse_config
from bot.db.contracts import pod_ids, upsert_contracts
from bot.db.models import Contract, Quote, QuoteLine
from bot.db.rates import import_rates
from bot.domain.contracts import parse_contracts_csv
from bot.domain.pricing import Rate
from tests.commands.conftest import ALPHA, ANALYST, BETA, BETA_EM, BUYER, Proc
from tests.conftest import RunningBot


def negotiating(proc: Proc, customer: str, spend: str = "1500") -> int:
    proc(ANALYST, f"new {customer} | Figma | renewal | {spend}")
    number = proc.request_count()
    proc(ANALYST, f"qualify {number}")
    proc(ANALYST, f"assign {number} <@{BUYER}>")
    return number


def counts(bot: RunningBot) -> tuple[int, int]:
    with bot.db.reading() as session:
        quotes = session.scalar(select(func.count()).select_from(Quote)) or 0
        lines = session.scalar(select(func.count()).select_from(QuoteLine)) or 0
        return quotes, lines


def history(proc: Proc) -> tuple[int, int]:
    """Five earlier Figma Professional deals at 100 seats for Acme: $10, $12, $13, $15, $16 a
    seat a year; then a request for Globex, negotiating."""
    acme = negotiating(proc, "Acme Corp")
    for vendor, price in (("V1", 10), ("V2", 12), ("V3", 13), ("V4", 15), ("V5", 16)):
        proc(BUYER, f"quote {acme} {vendor} 100 seats × ${price} annual Professional")
    return acme, negotiating(proc, "Globex")


def test_an_itemised_quote_gets_its_percentile(bot: RunningBot, proc: Proc) -> None:
    _acme, globex = history(proc)
    answer = proc(BUYER, f"quote REQ-{globex} Crayon 120 seats × $14 annual Professional")
    # $14 is dearer than 3 of the 5 earlier deals ($10, $12, $13), cheaper than 2: 3/5 = 60th.
    expected = (
        "$14.00/seat/yr · 60th percentile of 5 Figma Professional deals at 50–249 seats; "
        "best $10.00"
    )
    assert answer.endswith("\n" + expected)
    thread = [m.text for m in proc.thread(globex)]
    assert thread[-2].startswith(f":receipt: *Quote* recorded by <@{BUYER}>: *Crayon* — $1,680")
    assert thread[-1] == f":bar_chart: {expected}"
    # $1.25 a month is $15 a year: dearer than 4 of the 6 ($10 … $14), cheaper than 1: 80th.
    answer = proc(BUYER, f"quote {globex} SoftwareOne 120 seats x $1.25/mo Professional")
    assert answer.endswith(
        "$15.00/seat/yr · 80th percentile of 6 Figma Professional deals at 50–249 seats; "
        "best $10.00"
    )


def test_too_few_deals_says_so(bot: RunningBot, proc: Proc) -> None:
    acme = negotiating(proc, "Acme Corp")
    proc(BUYER, f"quote {acme} V1 100 seats × $10 annual")
    answer = proc(BUYER, f"quote {acme} Crayon 100 seats × $1 per month")
    assert answer.endswith(
        "$12.00/seat/yr · only 1 earlier Figma deal at 50–249 seats in the last 24 months "
        "(a benchmark needs 5), so no percentile yet"
    )
    # Another quantity band has no deals at all.
    answer = proc(BUYER, f"quote {acme} Crayon 300 seats × $5 annual")
    assert "only 0 earlier Figma deals at 250+ seats" in answer


def test_another_currency_needs_a_rate_on_or_before_the_day(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    acme = negotiating(proc, "Acme Corp")
    posted = len(proc.thread(acme))
    today = clock.now().astimezone(bot.runtime.config.pod("alpha").zone).date()
    # A rate of the day after is no rate for today: refused, nothing written.
    with bot.db.transaction() as session:
        import_rates(session, [Rate(today + timedelta(days=1), "EUR", "USD", Decimal("2"))],
                     clock.now())  # fmt: skip
    answer = proc(BUYER, f"quote {acme} Crayon 100 seats × EUR 13 annual")
    assert answer.startswith(
        f":warning: podbot has no EUR to USD rate on or before {today.isoformat()}, so this "
        "line item cannot be compared with the POD's USD prices; import one with `podbot "
        "import rates`, or give the unit price in USD."
    )
    assert counts(bot) == (0, 0)
    assert len(proc.thread(acme)) == posted
    # The one-line form is unchanged, and writes no line item.
    proc(BUYER, f"quote {acme} Crayon 1.4k")
    assert counts(bot) == (1, 0)
    # With the rate of a week before (and an older one), the line is converted at the latest:
    # €13 × 1.0825 = $14.0725 → $14.07 a seat a year; the quote logged as 100 × 14.07.
    earlier = [
        Rate(today - timedelta(days=30), "EUR", "USD", Decimal("1.2")),
        Rate(today - timedelta(days=7), "EUR", "USD", Decimal("1.0825")),
    ]
    with bot.db.transaction() as session:
        import_rates(session, earlier, clock.now())
    answer = proc(BUYER, f"quote {acme} Insight 100 seats × EUR 13 annual")
    expected = (
        ":bar_chart: $14.07/seat/yr · only 0 earlier Figma deals at 50–249 seats in the last 24 "
        "months (a benchmark needs 5), so no percentile yet (from €13/annual at 1.0825 EUR→USD "
        f"of {(today - timedelta(days=7)).isoformat()})"
    )
    assert proc.thread(acme)[-1].text == expected
    assert ":receipt: *Quote* recorded by" in proc.thread(acme)[-2].text
    assert "$1,407" in proc.thread(acme)[-2].text
    with bot.db.reading() as session:
        line = session.scalars(select(QuoteLine)).one()
        assert (line.currency, line.unit_price, line.annual_unit_price) == (
            "EUR",
            Decimal("13.00"),
            Decimal("14.07"),
        )


def test_benchmark_command(bot: RunningBot, proc: Proc) -> None:
    history(proc)
    assert proc(BUYER, "benchmark figma Professional 120") == (
        ":bar_chart: *Figma Professional* per-seat prices in POD Alpha, last 24 months "
        "(annual, USD):\n"
        "• 50–249 seats: 5 deals · median $13.00 · best $10.00 (Acme Corp, 100 seats via V1)"
    )
    every_band = proc(BUYER, "benchmark Figma")
    assert "• 1–49 seats: only 0 deals (a benchmark needs 5)" in every_band
    assert "• 250+ seats: only 0 deals (a benchmark needs 5)" in every_band
    # Another POD has no itemised Figma quotes: it sees none of Alpha's customers.
    answer = proc(BETA_EM, "benchmark Figma", channel=BETA)
    assert "Acme" not in answer and "no itemised quotes for Figma" in answer


def test_deals_older_than_24_months_are_left_out(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    _acme, globex = history(proc)
    clock.advance(timedelta(days=700))  # the five are 23 months old: still in
    assert "60th percentile of 5 " in proc(BUYER, f"quote {globex} Crayon 120 x 14 Professional")
    clock.advance(timedelta(days=40))  # now past 24 months; Globex's own quote is not
    answer = proc(BUYER, f"quote {globex} Insight 120 seats × 13 Professional")
    assert "only 1 earlier Figma Professional deal at 50–249 seats" in answer


def test_min_deals_is_configurable() -> None:
    text = '[[pods]]\nkey = "a"\nchannel = "C0A0000001"\n'
    assert parse_config(text).benchmark_min_deals == 5
    assert parse_config(text + "[benchmarks]\nmin_deals = 2\n").benchmark_min_deals == 2
    with pytest.raises(ConfigError, match=r"benchmarks\.min_deals"):
        parse_config(text + "[benchmarks]\nmin_deals = 0\n")


def test_an_itemised_quote_far_from_the_spend_is_confirmed_first(
    bot: RunningBot, proc: Proc
) -> None:
    acme = negotiating(proc, "Acme Corp")
    answer = proc.answer(BUYER, f"quote REQ-{acme} Crayon 1000 seats × $100 annual")
    assert answer["text"].startswith(":warning: A quote of $100,000 from Crayon is 67× REQ-1's")
    assert counts(bot) == (0, 0)
    # "Yes, log it" runs the itemised form again, confirmed: the quote and its line item.
    message = {"type": "message", "text": answer["text"], "blocks": answer["blocks"]}
    response = bot.slack.block_action("confirm_amount", None, BUYER, ALPHA, None, message=message)
    assert response.status == 200
    bot.wait_idle()
    assert counts(bot) == (1, 1)
    assert proc.thread(acme)[-1].text.startswith(":bar_chart: $100.00/seat/yr · only 0 earlier")


def test_the_log_quote_form_takes_a_line_item(bot: RunningBot, proc: Proc) -> None:
    """The card's Log quote modal: seats, unit price, billing, term and plan instead of the
    amount, logged as the itemised command (its line, its benchmark); wrong fields named."""
    from tests.helpers.card_actions import opened_view, submit
    from tests.helpers.modals import fill
    from tests.helpers.savings import click

    _acme, globex = history(proc)
    click(bot, BUYER, "card_quote", proc.card(globex))
    view = opened_view(bot)
    inputs = [b["block_id"] for b in view["blocks"] if b["type"] == "input"]
    assert inputs == ["vendor", "amount", "quantity", "unit_price", "line_cycle", "term_months",
                      "plan"]  # fmt: skip
    errors = submit(bot, BUYER, view, fill(view, {"vendor": "Crayon"}))
    assert errors == {"response_action": "errors", "errors": {
        "amount": "Enter the quoted amount, or a line item below."}}  # fmt: skip
    both = fill(view, {"vendor": "Crayon", "amount": "1.6k", "quantity": "120"})
    assert submit(bot, BUYER, view, both)["errors"] == {  # type: ignore[index]
        "amount": "Give the quoted amount or a line item, not both."
    }
    wrong = fill(view, {"vendor": "Crayon", "quantity": "many", "term_months": "500"})
    assert submit(bot, BUYER, view, wrong)["errors"] == {  # type: ignore[index]
        "quantity": "Enter the seats as a whole number, like 120.",
        "unit_price": "Enter the price of one seat, like $14.",
        "term_months": "Enter the term in months, from 1 to 120.",
    }
    assert counts(bot) == (5, 5)
    # $1.25 a seat a month for 120 seats: $15 a seat a year. Of $10, $12, $13, $15, $16 it is
    # dearer than 3 and cheaper than 1 (the tie left out): 3/4 = 75th.
    answers = {"vendor": "Crayon & Co", "quantity": "120", "unit_price": "$1.25",
               "line_cycle": "monthly", "term_months": "12", "plan": "Professional"}  # fmt: skip
    assert submit(bot, BUYER, view, fill(view, answers)) is None
    assert counts(bot) == (6, 6)
    thread = [m.text for m in proc.thread(globex)]
    assert thread[-2].startswith(
        f":receipt: *Quote* recorded by <@{BUYER}>: *Crayon &amp; Co* — $1,800"
    )
    assert thread[-1] == (
        ":bar_chart: $15.00/seat/yr · 75th percentile of 5 Figma Professional deals at "
        "50–249 seats; best $10.00"
    )
    with bot.db.reading() as session:
        vendor = session.scalars(select(Quote.vendor).order_by(Quote.id.desc())).first()
    assert vendor == "Crayon & Co"


def test_the_claim_shows_where_the_final_price_landed(bot: RunningBot, proc: Proc) -> None:
    """A claim on a request with an itemised quote: its final amount ÷ the line's seats, placed
    among the POD's other deals (not the request's own quotes) in the seats' band."""
    from tests.helpers.savings import claim_message

    from .conftest import blocks_text

    acme, globex = history(proc)
    proc(BUYER, f"quote {globex} Crayon 120 seats × $14 annual Professional")
    proc(BUYER, f"savings {globex} 1680 1500")
    # $1,500 ÷ 120 seats = $12.50 a seat a year. Of Acme's $10, $12, $13, $15, $16 (Globex's
    # own $14 quote left out) it is dearer than 2 and cheaper than 3: 2/5 = 40th.
    shown = blocks_text(claim_message(proc, globex).blocks)
    assert (
        ":dart: Final $12.50/seat/yr · 40th percentile of 5 Figma Professional deals at "
        "50–249 seats; best $10.00." in shown
    )
    # Acme's own five lines are its quotes, not other deals: Globex's one is left, too few.
    proc(BUYER, f"savings {acme} 1600 1400")
    shown = blocks_text(claim_message(proc, acme).blocks)
    assert (
        ":dart: Final $14.00/seat/yr · only 1 earlier Figma Professional deal at 50–249 "
        "seats in the last 24 months (a benchmark needs 5), so no percentile yet." in shown
    )


def test_a_claim_without_seats_shows_no_final_price(bot: RunningBot, proc: Proc) -> None:
    """No itemised quote: the contract's seats divide the final amount; neither: no line."""
    from bot.db.models import Contract
    from tests.helpers.savings import claim_message

    from .conftest import blocks_text

    history(proc)
    initech = negotiating(proc, "Initech")
    proc(BUYER, f"savings {initech} 2000 1800")
    assert ":dart:" not in blocks_text(claim_message(proc, initech).blocks)
    proc(ANALYST, "contract add Initech | Figma | 2,000 | 2027-06-30")
    with bot.db.transaction() as session:
        contract = session.scalars(select(Contract)).one()
        contract.seats, contract.plan = 150, "Professional"
    hooli = negotiating(proc, "Hooli")
    proc(ANALYST, "contract add Hooli | Figma | 2,000 | 2027-06-30")
    with bot.db.transaction() as session:
        contract = session.scalars(select(Contract).where(Contract.customer == "Hooli")).one()
        contract.seats, contract.plan = 150, "Professional"
    proc(BUYER, f"savings {hooli} 2000 1800")
    # $1,800 ÷ 150 = $12.00: dearer than $10, the $12 tie left out, cheaper than 3: 1/4 = 25th.
    assert (
        ":dart: Final $12.00/seat/yr · 25th percentile of 5 Figma Professional deals at "
        "50–249 seats; best $10.00." in blocks_text(claim_message(proc, hooli).blocks)
    )


def test_a_contracts_seats_are_a_deal_of_its_plan_in_the_benchmark(
    bot: RunningBot, proc: Proc
) -> None:
    """Beside the five quoted deals ($10, $12, $13, $15, $16 a seat at 100 seats), Initech's
    contract pays $1,800 a year for 200 "professional" seats ($9.00) and Hooli's $2,000.80 for
    160 ($12.505, rounded half up to $12.51): seven deals at 50–249 seats, $9.00, $10, $12,
    $12.51, $13, $15, $16 — median the fourth, $12.51; best Initech's. Umbrella's 40 seats are
    in the band below; Wayne's Organization plan is another plan."""
    history(proc)
    csv = "pod,customer,tool,annual_amount,currency,renewal_date,billing_cycle,seats,plan\n" + (
        "alpha,Initech,Figma,1800,USD,2027-06-30,annual,200,professional\n"
        "alpha,Hooli,figma,2000.80,USD,2027-06-30,annual,160,Professional\n"
        "alpha,Umbrella,Figma,1000,USD,2027-06-30,annual,40,Professional\n"
        "alpha,Wayne,Figma,1500,USD,2027-06-30,annual,100,Organization\n"
    )
    rows, errors = parse_contracts_csv(csv, {"alpha", "beta"}, "USD")
    assert errors == []
    with bot.db.transaction() as session:
        assert upsert_contracts(session, rows, pod_ids(session, {"alpha"}), bot.runtime.clock.now())
    with bot.db.reading() as session:
        keys = {c: k for c, k in session.execute(select(Contract.customer, Contract.plan_key))}
    assert keys == {"Initech": "professional", "Hooli": "professional",
                    "Umbrella": "professional", "Wayne": "organization"}  # fmt: skip
    assert proc(BUYER, "benchmark figma Professional 120") == (
        ":bar_chart: *Figma Professional* per-seat prices in POD Alpha, last 24 months "
        "(annual, USD):\n"
        "• 50–249 seats: 7 deals · median $12.51 · best $9.00 (Initech, 200 seats via its "
        "contract)"
    )
    every_band = proc(BUYER, "benchmark Figma Professional")
    assert "• 1–49 seats: only 1 deal (a benchmark needs 5)" in every_band
    # Without a plan, Wayne's Organization contract ($15.00 at 100 seats) counts too: eight.
    assert "• 50–249 seats: 8 deals · median $12.76 · best $9.00 (Initech" in proc(
        BUYER, "benchmark Figma 120"
    )
