"""The customer update end to end (issue 32): `/proc customer-update` drafts it and DMs it with
its `.eml` to the account's analyst and csm; Mark sent is recorded and shown by `/proc
account`; Send emails it once through the SMTP stand-in (STARTTLS), however many clicks."""

from __future__ import annotations

from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest

from bot.jobs import JOBS, runner
from slackfake.web_api import Message
from tests.commands.conftest import ANALYST, BUYER, CSM, EM, Proc
from tests.conftest import RunningBot
from tests.helpers.accounts import add_account
from tests.helpers.customer_updates import CONTACTS, click, dm_with, draft_dm, drafts
from tests.helpers.home import open_home, publishes


@pytest.fixture
def acme(bot: RunningBot, proc: Proc) -> None:
    add_account(bot, "Acme Corp", contacts=CONTACTS)
    add_account(bot, "Globex")
    proc(ANALYST, "new Acme Corp | Figma | renewal | 48k | 2027-01-15")
    proc(CSM, "new Acme Corp | Slack | new")
    proc(ANALYST, "qualify REQ-1")
    proc(ANALYST, "contract add Acme Corp | Jira | 12,000 | 2027-01-20 | annual")


@pytest.mark.usefixtures("acme")
def test_the_draft_is_dmed_with_its_eml_to_the_analyst_and_csm(proc: Proc) -> None:
    bot = proc.bot
    answer = proc(CSM, "customer-update acme corp")
    assert answer == (f"Drafted Acme Corp's customer update: DMed to <@{ANALYST}> <@{CSM}>."), (
        answer
    )
    [row] = drafts(bot)
    assert row.status == "drafted" and row.recipients == CONTACTS and row.drafted_by == CSM
    # The text as the customer reads it: no request key, no TAT, no other customer.
    assert "Figma: scoped and ready for negotiation." in row.body_text
    assert "Slack: we are confirming the scope with you." in row.body_text
    assert "Jira renews on Jan 20, 2027: we need your decision by Dec 21, 2026." in row.body_text
    assert "REQ-" not in row.body_text and "Globex" not in row.body_text
    for user in (ANALYST, CSM):
        dm = draft_dm(bot, user)
        buttons = [
            e["action_id"] for b in dm.blocks or [] if b["type"] == "actions" for e in b["elements"]
        ]
        assert buttons == ["customer_update_mark_sent"]  # no [email] configured: no Send
        files = [f for f in bot.api.files.values() if f.channel == dm.channel]
        assert [(f.filename, f.thread_ts) for f in files] == [
            ("update-acme-corp-2026-11-23.eml", dm.ts)
        ]
        parsed = message_from_bytes(files[0].content, policy=policy.default)
        assert isinstance(parsed, EmailMessage)
        assert parsed["To"] == CONTACTS
        assert parsed["Subject"] == "Acme Corp: your procurement update, Nov 23, 2026"
        plain, html = parsed.get_body(("plain",)), parsed.get_body(("html",))
        assert plain is not None and html is not None
        assert plain.get_content().replace("\r\n", "\n") == row.body_text
        assert "<h3>In progress</h3>" in html.get_content()
    # The em and the buyer get nothing.
    assert dm_with(bot, EM) == [] and dm_with(bot, BUYER) == []


@pytest.mark.usefixtures("acme")
def test_mark_sent_is_recorded_once_and_shows_in_account(proc: Proc) -> None:
    bot = proc.bot
    assert "Customer update: none sent yet" in proc(EM, "account Acme Corp")
    proc(ANALYST, "customer-update Acme Corp")
    dm = draft_dm(bot, ANALYST)
    click(bot, ANALYST, dm, "customer_update_mark_sent")
    [row] = drafts(bot)
    assert (row.status, row.sent_by) == ("marked", ANALYST)
    assert row.sent_at == datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    edited = bot.api.message(dm.channel, dm.ts)
    assert "Marked sent by" in str(edited.blocks) and "actions" not in str(edited.blocks)
    # The csm's copy clicked later: refused, saying who marked it; nothing changes.
    csm_dm = draft_dm(bot, CSM)
    click(bot, CSM, csm_dm, "customer_update_mark_sent")
    [told] = bot.api.ephemerals(CSM)
    assert told.text.startswith(
        f":warning: This update to Acme Corp was already marked sent by <@{ANALYST}>"
    ), told.text
    assert drafts(bot)[0].sent_by == ANALYST
    account = proc(EM, "account Acme Corp")
    assert (
        f"Last customer update: marked sent (<@{ANALYST}>) "
        "<!date^1795446000^{date_short}|Nov 23, 2026>." in account
    ), account


@pytest.mark.usefixtures("acme")
def test_a_buyer_may_not_draft_a_customer_update(proc: Proc) -> None:
    answer = proc(BUYER, "customer-update Acme Corp")
    assert answer == (
        ":warning: Only an analyst, csm or em of POD Alpha handles Acme Corp's customer updates."
        "\nUsage: `/proc customer-update <customer>`"
    ), answer
    assert drafts(proc.bot) == []


def test_the_job_drafts_on_the_accounts_fortnight(bot: RunningBot) -> None:
    # Handed over on Wednesday 2026-11-04: due Mondays Nov 9, Nov 23, Dec 7 …
    add_account(bot, "Acme Corp", handover=datetime(2026, 11, 4).date(), contacts=CONTACTS)
    add_account(bot, "Globex", handover=datetime(2026, 11, 11).date())  # due Nov 16, Nov 30
    spec = JOBS["customer-updates"]
    pod = bot.runtime.config.pod("alpha")
    monday = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)  # 09:30 in Kolkata
    outcome = runner.run_job(bot.runtime, spec, pod, now=monday)
    bot.wait_idle()
    assert "drafted 1 customer update" in outcome, outcome
    assert [(r.period.isoformat(), r.drafted_by) for r in drafts(bot)] == [("2026-11-23", "podbot")]
    again = runner.run_job(bot.runtime, spec, pod, now=monday)
    assert again.outcome == "skipped"
    next_monday = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
    runner.run_job(bot.runtime, spec, pod, now=next_monday)
    bot.wait_idle()
    assert [r.period.isoformat() for r in drafts(bot)] == ["2026-11-23", "2026-11-30"]
    assert len(draft_dm_all(bot, ANALYST)) == 2


def draft_dm_all(bot: RunningBot, user: str) -> list[Message]:
    return [m for m in dm_with(bot, user) if "Customer update for" in m.text]


def test_the_em_home_and_the_checkin_flag_accounts_with_no_update_for_15_days(
    proc: Proc,
) -> None:
    bot = proc.bot
    add_account(bot, "Acme Corp", contacts=CONTACTS)  # handed over 2025-05-15
    add_account(bot, "Globex", handover=datetime(2026, 11, 16).date())  # a week ago: not yet
    home = str(open_home(bot, EM))
    assert (
        "No customer update sent for 15 days* (1)" in home and "Acme Corp*: none sent yet" in home
    )
    pod = bot.runtime.config.pod("alpha")
    runner.run_job(
        bot.runtime, JOBS["checkin-pack"], pod, now=datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    )
    bot.wait_idle()
    post = bot.api.messages("C0ALPHA01")[-1]
    assert ":email: No customer update sent for 15 days: Acme Corp — " in post.text, post.text
    # Marked sent: the em's Home no longer lists it.
    proc(ANALYST, "customer-update Acme Corp")
    click(bot, ANALYST, draft_dm(bot, ANALYST), "customer_update_mark_sent")
    assert "No customer update sent" not in str(publishes(bot, EM)[-1].params["view"])
