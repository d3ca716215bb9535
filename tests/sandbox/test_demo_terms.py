"""The demo has a won request whose new term is unrecorded: its thread shows the button."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import Contract, Request
from tests.sandbox.conftest import READS_THE_DEMO, SeededDemo

pytestmark = READS_THE_DEMO


def test_the_demo_has_a_won_request_with_its_term_to_record(demo: SeededDemo) -> None:
    assert demo.problems == []
    sandbox = demo.sandbox
    assert sandbox.runtime is not None
    with sandbox.runtime.db.transaction() as session:
        won = session.scalars(
            select(Request).where(Request.outcome == "won", Request.term_recorded_at.is_(None))
        ).all()
        assert won, "no won request with its term unrecorded"
        request = won[0]
        contract = session.scalars(
            select(Contract).where(
                Contract.customer_key == request.customer_key,
                Contract.tool_key == request.tool_key,
            )
        ).one()
        assert contract.billing_cycle == "monthly"
        channel, ts = request.card_channel, request.card_ts
    assert channel and ts
    thread = sandbox.api.thread(channel, ts)
    buttons = [
        element["action_id"]
        for message in thread
        for block in message.blocks or []
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert "record_term" in buttons
