"""Issue 28: a click is read once (`read_click`), where it came from is a type (`Origin`), and
what podbot writes into a form's metadata or a button's value is a typed context that reads
back as itself (`bot/blocks/contexts.py`)."""

from __future__ import annotations

import json

import pytest

from bot.blocks.contexts import (
    CheckinShare,
    ConfirmValue,
    IntakeForm,
    RejectForm,
    RequestForm,
    TermForm,
)
from bot.commands.interactions import Origin, read_click
from bot.errors import Refusal


def payload(**parts: object) -> dict[str, object]:
    return {"user": {"id": "U1"}, "actions": [{"value": "12", "block_id": "b"}], **parts}


def test_a_click_in_a_thread_on_a_dm_and_on_the_home() -> None:
    thread = read_click(
        payload(
            channel={"id": "C1"},
            container={"type": "message", "channel_id": "C1"},
            message={"ts": "2.0", "thread_ts": "1.0"},
        )
    )
    assert (thread.origin, thread.channel, thread.thread_ts) == (Origin.CHANNEL, "C1", "1.0")
    assert (thread.number, thread.answer_channel) == (12, "C1")

    dm = read_click(payload(channel={"id": "D1"}, container={"channel_id": "D1"}, message={}))
    assert (dm.origin, dm.answer_channel) == (Origin.DM, "D1")

    home = read_click(payload(container={"type": "view", "view_id": "V1"}))
    assert (home.origin, home.channel, home.answer_channel) == (Origin.HOME, None, "")


def test_a_menu_click_carries_its_pick_and_the_number_of_its_block() -> None:
    click = read_click(
        {
            "user": {"id": "U1"},
            "channel": {"id": "C1"},
            "actions": [{"block_id": "card_actions:7", "selected_option": {"value": "U2"}}],
        }
    )
    assert (click.number, click.selected) == (7, "U2")
    assert read_click(payload(actions=[{"value": "REQ-1"}])).number is None


@pytest.mark.parametrize(
    ("context", "written"),
    [
        (RequestForm(3, "C1"), {"request": 3, "channel": "C1"}),
        (
            RequestForm(None, "C1", "https://x", "1.0", True),
            {
                "request": None,
                "channel": "C1",
                "link": "https://x",
                "thread": "1.0",
                "choose": True,
            },
        ),
        (IntakeForm("alpha", "C1"), {"pod": "alpha", "channel": "C1"}),
        (RejectForm(5, "", None), {"claim": 5, "channel": "", "thread_ts": None}),
        (TermForm(3), {"request": 3}),
        (CheckinShare("Acme"), {"customer": "Acme"}),
        (
            ConfirmValue("quote", "1 Crayon 4k", "abc"),
            {"command": "quote", "args": "1 Crayon 4k", "once": "abc"},
        ),
    ],
)
def test_a_context_is_written_as_before_and_reads_back_as_itself(
    context: object, written: dict[str, object]
) -> None:
    raw = context.dumps()  # type: ignore[attr-defined]
    assert json.loads(raw) == written
    loads = (
        RequestForm.loads_update if isinstance(context, RequestForm) else type(context).loads  # type: ignore[attr-defined]
    )
    assert loads(raw, source="test", refusal="no") == context


def test_a_damaged_context_is_refused_with_its_sentence() -> None:
    with pytest.raises(Refusal, match="This form no longer points at a request"):
        TermForm.loads(
            '{"request": "3"}', source="test", refusal="This form no longer points at a request."
        )
