"""SPEC §3a, issue 30 item 6: a csm's Home lists the requests they opened, their customers'
open requests with stage and next step, the customers' renewals in the next 90 days and each
customer's MSG progress — exactly the fixture's items, as views.publish received them."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import select

from bot.db.models import Contract, PodRow
from tests.commands.conftest import ANALYST, BUYER, CSM, EM, Proc, blocks_text, day_token
from tests.conftest import RunningBot
from tests.helpers.accounts import IMPORTED, add_account
from tests.helpers.home import open_home
from tests.helpers.savings import claim_message, click


def add_contract(bot: RunningBot, customer: str, tool: str, renewal: date, annual: str) -> None:
    with bot.db.transaction() as session:
        pod_id = session.scalars(select(PodRow.id).where(PodRow.key == "alpha")).one()
        session.add(
            Contract(
                pod_id=pod_id, customer=customer, tool=tool, annual_amount=Decimal(annual),
                currency="USD", renewal_date=renewal, created_at=IMPORTED, updated_at=IMPORTED,
            )
        )  # fmt: skip


def test_the_csm_home_lists_exactly_the_fixtures_items(bot: RunningBot) -> None:
    proc = Proc(bot)
    # The csm's customers: Acme and Globex (they opened a request for each); Initech is not.
    proc(CSM, "new Acme | Figma | new")  # REQ-1, negotiating below
    proc(CSM, "new Globex | Zoom | renewal | 20k | 2027-03-01")  # REQ-2, in intake
    proc(ANALYST, "new Acme | Slack | new")  # REQ-3: their customer's, opened by the analyst
    proc(ANALYST, "new Initech | Jira | new")  # REQ-4: not their customer
    proc(CSM, "new Acme | Miro | new")  # REQ-5, disqualified: not open
    proc(ANALYST, "qualify 1")
    proc(ANALYST, f"assign 1 <@{BUYER}>")
    proc(ANALYST, "qualify 3")
    proc(ANALYST, "disqualify 5 duplicate of REQ-1")
    proc(BUYER, "savings 1 48000 39500")
    click(bot, EM, "savings_approve", claim_message(proc, 1))
    add_account(bot, "Acme")  # MSG $250,000, handed over 2025-05-15
    add_account(bot, "Globex", msg=None)  # no MSG: not in the MSG list
    add_account(bot, "Initech")
    add_contract(bot, "Acme", "Figma", date(2026, 12, 20), "48000")  # in 90 days
    add_contract(bot, "Globex", "Zoom", date(2027, 2, 20), "20000")  # day 89 (Nov 24 in IST)
    add_contract(bot, "Globex", "Notion", date(2027, 3, 31), "9000")  # past 90 days
    add_contract(bot, "Initech", "Jira", date(2026, 12, 1), "5000")  # not their customer

    view = open_home(bot, CSM)
    text = blocks_text(view["blocks"])
    part = text.split("POD Alpha — csm", 1)[1]
    assert part.split("*Requests you opened* (2)\n", 1)[1].split("\n*")[0] == (
        "• *REQ-1* Acme · Figma — negotiating\n• *REQ-2* Globex · Zoom — intake"
    )
    customers = part.split("*Your customers' open requests* (3)\n", 1)[1].split("\n*Your")[0]
    lines = customers.split("\n")
    assert len(lines) == 3
    assert lines[0].startswith(
        f"• *REQ-1* Acme · Figma — negotiating · next: an update from <@{BUYER}> (due "
    )
    assert lines[1] == "• *REQ-3* Acme · Slack — qualified · next: to be assigned a buyer"
    assert lines[2].startswith(
        "• *REQ-2* Globex · Zoom — intake · next: to be qualified by an analyst (due "
    )
    renewals = part.split("*Your customers' renewals in the next 90 days* (2)\n", 1)[1]
    assert renewals.split("\n*")[0] == (
        f"• Acme · Figma — {day_token(date(2026, 12, 20))}, $48,000 a year\n"
        f"• Globex · Zoom — {day_token(date(2027, 2, 20))}, $20,000 a year"
    )
    msg = part.split("*Your customers' MSG progress* (1)\n", 1)[1]
    assert msg.split("\n")[0] == "• Acme — 3.4% of its MSG ($8,500 of $250,000, missed)"
    assert "Initech" not in part and "REQ-4" not in part and "REQ-5" not in part
