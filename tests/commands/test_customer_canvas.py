"""The living customer canvas (issue 32): an account naming a customer channel gets one canvas
there, edited through the outbox whenever its content changes, ending equal to a fresh render;
a canvas a person deleted is recreated once, with a note; Slack's 429 delays and loses nothing;
a channel whose plan allows no canvas gets a pinned message edited in place."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from bot.db.accounts import upsert_accounts
from bot.db.contracts import pod_ids
from bot.db.customer_updates import update_facts
from bot.db.models import Account
from bot.domain.accounts import parse_accounts_csv
from bot.domain.customer_update import canvas_markdown
from tests.commands.conftest import ANALYST, BUYER, EM, Proc
from tests.conftest import RunningBot
from tests.helpers.accounts import add_account

ROOM = "C0ACMECUST"


def fresh(bot: RunningBot) -> str:
    """The canvas as podbot would render it now."""
    config = bot.runtime.config
    with bot.db.reading() as session:
        account = session.scalars(select(Account).where(Account.customer == "Acme Corp")).one()
        facts = update_facts(
            session, account, bot.runtime.clock.now(), "Asia/Kolkata",
            dict(config.procurement_stages), config.email.signature,
        )  # fmt: skip
    return canvas_markdown(facts)


def canvas_calls(bot: RunningBot) -> list[str]:
    return [
        c.method
        for c in bot.api.calls
        if c.method in ("conversations.canvases.create", "canvases.edit")
    ]


TEN_CHANGES = [
    (ANALYST, "new Acme Corp | Figma | renewal | 48k | 2027-01-15"),
    (ANALYST, "new Acme Corp | Slack | new"),
    (ANALYST, "qualify REQ-1"),
    (ANALYST, f"assign REQ-1 <@{BUYER}>"),
    (BUYER, "update REQ-1 Vendor came back at 45k"),
    (BUYER, "stage REQ-1 security-review started"),
    (ANALYST, "preapproval REQ-2 Scope agreed with IT"),
    (BUYER, "hold REQ-1 customer Waiting for the usage export."),
    (BUYER, "resume REQ-1"),
    (ANALYST, "disqualify REQ-2 Covered by the enterprise agreement."),
]


@pytest.fixture
def acme(bot: RunningBot) -> None:
    bot.api.add_channel(ROOM)
    add_account(bot, "Acme Corp", customer_channel=ROOM, handover=date(2026, 11, 2))


@pytest.mark.usefixtures("acme")
def test_ten_changes_edit_the_canvas_in_order_and_end_as_a_fresh_render(proc: Proc) -> None:
    bot = proc.bot
    seen: list[str | None] = []
    for user, text in TEN_CHANGES:
        answer = proc(user, text)
        assert not answer.startswith(":warning:"), (text, answer)
        seen.append(bot.api.canvas_markdown(ROOM))
    # One canvas made, then edited section by section (only the sections a change changed,
    # each found by its heading): each change shows as it happened, and the last state equals
    # a fresh render of the account.
    calls = canvas_calls(bot)
    assert calls[0] == "conversations.canvases.create" and set(calls[1:]) == {"canvases.edit"}
    edits = [c.params["changes"] for c in bot.api.calls_to("canvases.edit")]
    assert len(edits) >= len(TEN_CHANGES) - 2
    assert all(len(e) == 1 and e[0]["operation"] == "replace" and e[0]["section_id"] for e in edits)
    assert len(bot.api.calls_to("canvases.sections.lookup")) == len(edits)
    assert seen[-1] == fresh(bot)
    assert "Figma: in negotiation with the vendor, at the security review step." in seen[5]
    assert "Slack: our pre-approval, waiting for your answer" in str(seen[6])
    assert "Figma: waiting for your input since" in str(seen[7])
    assert "Figma: waiting for your input" not in str(seen[8])
    assert "Slack: closed without a purchase" in str(seen[9])
    assert "REQ-" not in str(seen[-1]) and "TAT" not in str(seen[-1])


@pytest.mark.usefixtures("acme")
def test_a_deleted_canvas_is_recreated_once_with_a_note(proc: Proc) -> None:
    bot = proc.bot
    for user, text in TEN_CHANGES[:3]:
        proc(user, text)
    bot.api.delete_canvas_as_person(ROOM)
    proc(*TEN_CHANGES[3])
    now = bot.api.canvas_markdown(ROOM)
    assert now is not None and "A person deleted this canvas; podbot recreated it on" in now
    proc(*TEN_CHANGES[4])
    assert bot.api.canvas_markdown(ROOM) == fresh(bot)  # the note goes with the next edit
    bot.api.delete_canvas_as_person(ROOM)
    proc(*TEN_CHANGES[5])
    proc(*TEN_CHANGES[6])
    assert bot.api.canvas_markdown(ROOM) is None  # deleted twice: left alone
    assert canvas_calls(bot).count("conversations.canvases.create") == 2


@pytest.mark.usefixtures("acme")
def test_slack_answering_429_delays_the_canvas_and_loses_nothing(proc: Proc) -> None:
    bot = proc.bot
    proc(*TEN_CHANGES[0])
    bot.api.fail("canvases.edit", status=429, retry_after=1, times=2)
    for user, text in TEN_CHANGES[1:4]:
        proc(user, text)
    bot.wait_idle(timeout=30)
    assert bot.api.canvas_markdown(ROOM) == fresh(bot)
    assert "Figma: in negotiation with the vendor." in str(bot.api.canvas_markdown(ROOM))


@pytest.mark.usefixtures("acme")
def test_a_channel_allowing_no_canvas_gets_a_pinned_message_edited_in_place(
    proc: Proc,
) -> None:
    bot = proc.bot
    bot.api.limit_canvases(ROOM)
    proc(*TEN_CHANGES[0])
    [pinned] = bot.api.pins(ROOM)
    proc(*TEN_CHANGES[1])
    message = bot.api.message(ROOM, pinned)
    assert message.text == fresh(bot) and bot.api.messages(ROOM) == [message]
    assert bot.api.canvas_markdown(ROOM) is None


def test_an_account_without_a_customer_channel_has_no_canvas(bot: RunningBot) -> None:
    add_account(bot, "Acme Corp")
    Proc(bot)(ANALYST, TEN_CHANGES[0][1])
    Proc(bot)(EM, "account Acme Corp")
    assert canvas_calls(bot) == []


@pytest.mark.usefixtures("acme")
def test_a_new_customer_channel_in_the_accounts_file_gets_a_canvas_of_its_own(
    proc: Proc,
) -> None:
    bot = proc.bot
    proc(*TEN_CHANGES[0])
    first = bot.api.canvas_markdown(ROOM)
    assert first is not None
    bot.api.add_channel("C0ACMENEW1")
    text = (
        "customer,pod,initiated,handover,term_end,msg,pse,ats,health,contacts,channel\n"
        "Acme Corp,alpha,2025-04-01,2026-11-02,2028-03-31,250k,400k,1.2m,favorable,,C0ACMENEW1\n"
    )
    rows, errors = parse_accounts_csv(text, {"alpha"}, "USD")
    assert errors == []
    with bot.db.transaction() as session:
        upsert_accounts(session, rows, pod_ids(session, {"alpha"}), bot.runtime.clock.now())
    proc(*TEN_CHANGES[1])
    assert bot.api.canvas_markdown("C0ACMENEW1") == fresh(bot)
    assert bot.api.canvas_markdown(ROOM) == first  # the old channel's is left as it was
