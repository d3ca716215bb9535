"""Issue 33's blocks beside the card: the checklist item a finished procurement step offers."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    SectionBlock,
)

from bot.blocks.ids import ActionId
from bot.blocks.text import escape_mrkdwn


def checklist_offer(
    request_id: int, key: str, step_words: str, items: list[tuple[str, str, str]], command: str
) -> tuple[str, list[Block]]:
    """ "Security review is done: next on the contract checklist, *Security questionnaire
    answered* (not started)" with the command and a **Checklist** button; `items` are
    (key, name, state in words)."""
    named = ", ".join(f"*{escape_mrkdwn(name)}* ({state})" for _key, name, state in items)
    commands = " · ".join(f"`{command} checklist {key} {item} done`" for item, _n, _s in items)
    text = (
        f":ballot_box_with_check: {step_words[:1].upper() + step_words[1:]} is done: next on "
        f"the contract checklist, {named} — {commands}"
    )
    blocks: list[Block] = [
        SectionBlock(text=text),
        ActionsBlock(
            elements=[
                ButtonElement(
                    action_id=ActionId.CARD_CHECKLIST.value,
                    text="Checklist",
                    value=str(request_id),
                )
            ]
        ),
    ]
    return text, blocks
