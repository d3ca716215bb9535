"""SPEC §4: a decision happens once, enforced by the database — even when two ems race."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from bot.config import Config, parse_config
from bot.db.models import SavingsClaim
from tests.commands.conftest import ANALYST, BUYER, EM, Proc
from tests.conftest import TEST_CONFIG, RunningBot
from tests.helpers.savings_race import RACERS, SECOND_EM, race_decisions


@pytest.fixture
def test_config() -> Config:
    """POD Alpha with two engagement managers, so an approve can race a reject."""
    text = TEST_CONFIG.read_text().replace(
        'U0EM00001 = "em",', f'U0EM00001 = "em", {SECOND_EM} = "em",', 1
    )
    return parse_config(text, TEST_CONFIG)


def test_approve_racing_reject_yields_one_decision_and_one_edit(
    start_bot: Callable[[str], RunningBot], database_url: str
) -> None:
    bot = start_bot(database_url)
    proc = Proc(bot)
    proc(ANALYST, "new Acme | Figma | new")
    proc(ANALYST, "qualify 1")
    proc(ANALYST, f"assign 1 <@{BUYER}>")
    proc(BUYER, "savings 1 48000 39500")
    with bot.db.transaction() as session:
        claim = session.scalars(select(SavingsClaim)).one()
        channel, ts = claim.message_channel, claim.message_ts
    assert channel and ts
    message = bot.api.message(channel, ts)
    updates_before = [c for c in bot.api.calls_to("chat.update") if c.params["ts"] == ts]
    assert updates_before == []

    approvals, rejections = race_decisions(
        bot,
        lambda: (
            bot.slack.block_action("savings_approve", None, EM, channel, ts, message=message).status
        ),
        claim.id,
        channel,
    )
    bot.wait_idle()

    assert approvals == [200] * RACERS
    with bot.db.transaction() as session:
        decided = session.scalars(select(SavingsClaim)).one()
    assert decided.status in ("approved", "rejected")
    assert decided.decided_by == (EM if decided.status == "approved" else SECOND_EM)

    # One edit of the claim message, one "you were approved/rejected" reply in the thread.
    edits = [c for c in bot.api.calls_to("chat.update") if c.params["ts"] == ts]
    assert len(edits) == 1
    told = [
        m
        for m in bot.api.thread(channel, message.thread_ts or ts)
        if "your savings claim" in m.text
    ]
    assert len(told) == 1

    # Every loser was told who decided first.
    lost_rejects = [r for r in rejections if r is not None]
    already = f"already {decided.status} by <@{decided.decided_by}>"
    assert all(already in r["errors"]["reason"] for r in lost_rejects)
    lost_approvals = [
        c.params["text"] for c in bot.api.calls_to("chat.postEphemeral") if c.params["user"] == EM
    ]
    assert all(already in text for text in lost_approvals)
    assert len(lost_rejects) + len(lost_approvals) == 2 * RACERS - 1
