"""The customer update's words (issue 32): a fortnight's draft equals the hand-written text,
its fortnight runs from the handover, and what a customer must not read is caught."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from email import message_from_bytes, policy
from email.message import EmailMessage

from bot.domain.customer_update import (
    ClosedItem,
    OpenItem,
    RenewalItem,
    UpdateFacts,
    WaitingItem,
    decision_day,
    draft,
    update_due,
    wording_problems,
)
from bot.domain.money import Money
from bot.domain.vocabulary import Outcome, Stage
from bot.mail.message import build_message, eml_name, parse_contacts


def usd(amount: int) -> Money:
    return Money(Decimal(amount), "USD")


FACTS = UpdateFacts(
    customer="Acme Corp",
    as_of=date(2026, 12, 7),
    saved=usd(62_500),
    msg=usd(250_000),
    since=date(2026, 11, 23),
    open=(
        OpenItem("Figma", Stage.NEGOTIATING, "security review", date(2026, 12, 18)),
        OpenItem("Slack", Stage.QUALIFIED),
        OpenItem("Zoom", Stage.INTAKE),
        OpenItem("Miro", Stage.NEGOTIATING, None, date(2027, 1, 4)),
    ),
    waiting=(
        WaitingItem("Zoom", True, date(2026, 12, 2)),
        WaitingItem("Miro", False, date(2026, 12, 3)),
    ),
    renewals=(RenewalItem("Jira", date(2027, 2, 1), date(2027, 1, 2)),),
    closed=(
        ClosedItem("Notion", Stage.CLOSED, Outcome.WON, date(2026, 11, 30), usd(12_000)),
        ClosedItem("Asana", Stage.DISQUALIFIED, None, date(2026, 12, 1)),
    ),
)

EXPECTED = """\
Hello Acme Corp team,

Here is where your procurement stands as of Dec 7, 2026.

Savings
- $62,500 saved to date, against your minimum savings guarantee of $250,000 (25%).

In progress
- Figma: in negotiation with the vendor, at the security review step. Next: complete the \
security review, aimed at Dec 18, 2026.
- Slack: scoped and ready for negotiation. Next: start the negotiation with the vendor.
- Zoom: we are confirming the scope with you. Next: agree the scope.
- Miro: in negotiation with the vendor. Next: agree the terms with the vendor, aimed at Jan 4, \
2027.

Waiting on you
- Zoom: our pre-approval, waiting for your answer since Dec 2, 2026.
- Miro: waiting for your input since Dec 3, 2026.

Renewals in the next 90 days
- Jira renews on Feb 1, 2027: we need your decision by Jan 2, 2027.

Done since Nov 23, 2026
- Notion: completed, saving $12,000 on Nov 30, 2026.
- Asana: closed without a purchase on Dec 1, 2026.

Reply to this email with any question.

Best regards,
Your procurement team
"""


def test_a_fortnights_draft_equals_the_hand_written_update() -> None:
    made = draft(FACTS)
    assert made.subject == "Acme Corp: your procurement update, Dec 7, 2026"
    assert made.text == EXPECTED
    assert wording_problems(made.text, ["Globex", "Initech"]) == []
    assert "<h3>Waiting on you</h3>" in made.html
    assert "<li>Jira renews on Feb 1, 2027: we need your decision by Jan 2, 2027.</li>" in made.html


def test_an_empty_account_says_so_in_each_section() -> None:
    made = draft(UpdateFacts("Globex", date(2026, 12, 7), usd(0), None, None))
    assert "- $0 saved to date.\n" in made.text
    assert "- Nothing in progress right now.\n" in made.text
    assert "- Nothing is waiting on you.\n" in made.text
    assert "- No renewals coming up.\n" in made.text
    assert "Done recently\n- Nothing finished in this period.\n" in made.text


def test_html_escapes_what_people_typed() -> None:
    facts = UpdateFacts("AT&T <Labs>", date(2026, 12, 7), usd(0), None, None)
    made = draft(facts)
    assert "AT&amp;T &lt;Labs&gt;" in made.html and "<Labs>" not in made.html


def test_the_fortnight_runs_from_the_handover() -> None:
    # Handed over on a Wednesday: the first update is the next Monday, then every 14 days.
    handover = date(2026, 11, 4)
    assert not update_due(handover, date(2026, 11, 2))  # before the handover
    assert update_due(handover, date(2026, 11, 9))
    assert not update_due(handover, date(2026, 11, 16))  # the other Monday
    assert update_due(handover, date(2026, 11, 23))
    assert not update_due(handover, date(2026, 11, 24))  # not a Monday
    assert update_due(date(2026, 11, 9), date(2026, 11, 9))  # handed over on a Monday
    assert not update_due(None, date(2026, 11, 9))
    assert decision_day(date(2027, 2, 1), None) == date(2027, 1, 2)
    assert decision_day(date(2027, 2, 1), 60) == date(2026, 12, 3)


def test_what_a_customer_must_not_read_is_caught() -> None:
    text = "REQ-12 breached its TAT; ask <@U0ANA0001>, the buyer, about Globex's deal."
    problems = wording_problems(text, ["Globex", "Initech"])
    assert problems == [
        "the word 'breached'",
        "the word 'TAT'",
        "the word 'buyer'",
        "the id 'REQ-12'",
        "the id '<@U0ANA0001>'",
        "the name of another customer, 'Globex'",
    ]
    # "status" holds "tat"; "Globex Labs" is not another customer "Glob".
    assert wording_problems("The status of Globex Labs", ["Glob"]) == []


def test_the_eml_parses_back_with_both_parts() -> None:
    made = draft(FACTS)
    message = build_message(
        update_id=7, subject=made.subject, text=made.text, html=made.html,
        sender="procurement@example.com",
        recipients=parse_contacts("cfo@acme.example; Ops <ops@acme.example>"),
        at=datetime(2026, 12, 7, 9, 0, tzinfo=UTC),
    )  # fmt: skip
    parsed = message_from_bytes(bytes(message), policy=policy.default)
    assert isinstance(parsed, EmailMessage)
    assert parsed["To"] == "cfo@acme.example, ops@acme.example"
    assert parsed["Subject"] == made.subject
    assert parsed["Message-ID"] == "<customer-update-7@example.com>"
    plain, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
    assert plain is not None and html is not None
    # On the wire (and in the .eml) lines end in CRLF, as RFC 5322 says.
    assert plain.get_content().replace("\r\n", "\n") == made.text
    assert html.get_content().replace("\r\n", "\n") == made.html
    assert eml_name("Acme Corp", "2026-12-07") == "update-acme-corp-2026-12-07.eml"
