"""The customer update's Send (issue 32): with `[email]` configured, podbot emails the draft
through the SMTP stand-in (STARTTLS, a login from the environment) once per draft, however many
clicks; a relay that cannot take it now is tried again, one that refuses it fails the draft."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from bot.config import Config, EmailConfig
from smtpfake import SmtpServer
from tests.commands.conftest import ANALYST, CSM, EM, Proc
from tests.conftest import RunningBot
from tests.helpers.accounts import add_account
from tests.helpers.customer_updates import CONTACTS, click, draft_dm, drafts


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    with SmtpServer(tmp_path, username="podbot", password="s3cret") as server:
        yield server


@pytest.fixture
def test_config(test_config: Config, smtp: SmtpServer) -> Config:
    """The test configuration with an SMTP relay: the stand-in, its test CA trusted."""
    email = EmailConfig(
        host="127.0.0.1", port=smtp.port, sender="procurement@pods.example",
        ca_file=smtp.ca_file,
    )  # fmt: skip
    return dataclasses.replace(test_config, email=email)


@pytest.fixture
def emailing_bot(
    start_bot: Callable[..., RunningBot], sqlite_url: str, smtp: SmtpServer
) -> RunningBot:
    return start_bot(sqlite_url, smtp_username="podbot", smtp_password="s3cret")


def test_send_emails_the_draft_once_however_many_clicks(
    emailing_bot: RunningBot, smtp: SmtpServer
) -> None:
    bot = emailing_bot
    proc = Proc(bot)
    add_account(bot, "Acme Corp", contacts=CONTACTS)
    proc(ANALYST, "new Acme Corp | Figma | renewal | 48k | 2027-01-15")
    proc(ANALYST, "customer-update Acme Corp")
    dm = draft_dm(bot, ANALYST)
    buttons = [
        e["action_id"] for b in dm.blocks or [] if b["type"] == "actions" for e in b["elements"]
    ]
    assert buttons == ["customer_update_send", "customer_update_mark_sent"]
    click(bot, ANALYST, dm, "customer_update_send")
    click(bot, ANALYST, dm, "customer_update_send")  # clicked twice
    click(bot, CSM, draft_dm(bot, CSM), "customer_update_send")  # and by the csm
    [email] = smtp.received
    assert email.tls and sorted(email.recipients) == ["cfo@acme.example", "ops@acme.example"]
    assert email.message["From"] == "procurement@pods.example"
    [row] = drafts(bot)
    assert (row.status, row.sent_by) == ("sent", ANALYST)
    assert row.send_result == f"sent to {CONTACTS}"
    refusals = [e.text for e in bot.api.ephemerals()]
    assert len(refusals) == 2 and all("already emailed" in text for text in refusals), refusals
    assert "Last customer update: emailed by podbot" in proc(EM, "account Acme Corp")


def test_a_relay_that_cannot_take_it_now_is_tried_again(
    emailing_bot: RunningBot, smtp: SmtpServer
) -> None:
    bot = emailing_bot
    proc = Proc(bot)
    add_account(bot, "Acme Corp", contacts=CONTACTS)
    proc(ANALYST, "customer-update Acme Corp")
    smtp.fail(421)
    bot.runtime.outbox_worker.max_backoff = 0.01  # the retry is due at once
    click(bot, ANALYST, draft_dm(bot, ANALYST), "customer_update_send")
    # The retry is due at once, but the queue can look idle at the instant between the failed
    # try and its retry: wait for the retry's delivery itself (asked again as each ends).
    worker = bot.runtime.outbox_worker
    assert worker.wait_until(lambda: drafts(bot)[0].status == "sent", timeout=30)
    bot.wait_idle()
    assert len(smtp.received) == 1


def test_a_relay_that_refuses_it_fails_the_draft(
    emailing_bot: RunningBot, smtp: SmtpServer
) -> None:
    bot = emailing_bot
    proc = Proc(bot)
    add_account(bot, "Acme Corp", contacts=CONTACTS)
    proc(ANALYST, "customer-update Acme Corp")
    smtp.fail(550)
    click(bot, ANALYST, draft_dm(bot, ANALYST), "customer_update_send")
    [row] = drafts(bot)
    assert (row.status, row.send_result) == ("failed", "refused: 550 Message refused")
    assert smtp.received == []
    assert "Customer update: none sent yet" in proc(EM, "account Acme Corp")
