"""An update as long as the form allows arrives whole, in as many thread messages as Slack's
40,000-character cap needs (hardening item 8): the fields' caps count characters as typed, and
`&` is five once escaped."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import OutboxRow, OutboxStatus
from tests.commands.conftest import ALPHA, ANALYST, BUYER, Proc
from tests.conftest import RunningBot
from tests.helpers.modals import fill, opened_view

SLACK_MAX_TEXT = 40_000


def test_an_update_longer_than_a_slack_message_arrives_in_several(
    bot: RunningBot, proc: Proc
) -> None:
    proc(ANALYST, "new Acme | Figma | new")
    proc(ANALYST, "qualify 1")
    proc(ANALYST, f"assign 1 <@{BUYER}>")
    bot.slack.slash_command("update REQ-1", user_id=BUYER, channel_id=ALPHA, trigger_id="1.3")
    bot.wait_idle()
    _, view = opened_view(bot)
    answers = {
        "status": "S" + "&" * 2999,
        "vendor_position": "V" + "&" * 2999,
        "next_step": "N" + "&" * 499,
        "blockers": "B" + "&" * 2999,
    }
    response = bot.slack.view_submission(
        view["callback_id"], fill(view, answers), BUYER, private_metadata=view["private_metadata"]
    )
    assert response.status == 200 and not response.body  # accepted: the modal closes
    bot.wait_idle()
    with bot.db.transaction() as session:
        statuses = session.scalars(select(OutboxRow.status)).all()
    assert OutboxStatus.PARKED.value not in statuses
    updates = [m.text for m in proc.thread(1) if m.text.startswith(":memo: *Update*")]
    assert len(updates) == 2
    assert all(len(text) <= SLACK_MAX_TEXT for text in updates)
    assert updates[0].startswith(f":memo: *Update* from <@{BUYER}> (1/2):\n>*Status:* S&amp;")
    assert updates[1].startswith(f":memo: *Update* from <@{BUYER}> (2/2):\n>")
    whole = "\n".join(text.split("\n", 1)[1] for text in updates)
    assert whole == "\n".join(
        [
            ">*Status:* S" + "&amp;" * 2999,
            ">*Vendor position:* V" + "&amp;" * 2999,
            ">*Next step:* N" + "&amp;" * 499,
            ">*Blockers:* B" + "&amp;" * 2999,
        ]
    )
