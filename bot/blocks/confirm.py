"""Confirm or fix: the ephemeral answer to a quote or savings claim whose amount is far from
the request's (SPEC §4). Nothing is written until "Yes, log it" runs the command as typed."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.contexts import ConfirmValue
from bot.blocks.ids import ActionId
from bot.blocks.limits import BUTTON_VALUE

CONFIRM_BLOCK = "confirm_amount"


def confirm_value(command: str, args: str, once: str) -> str:
    """The button's value: the subcommand and its arguments exactly as they will be run again
    (with the confirmation), and the key that makes the click count once."""
    return ConfirmValue(command, args, once).dumps()


def confirm_blocks(
    warning: str, typed: str, command: str, args: str, once: str
) -> tuple[str, list[Block]]:
    """(text, blocks) of the question: the warning, then "Yes, log it", or the command to
    re-type fixed. `typed` is the command as people type it (`/proc quote REQ-3 Crayon 1.2m`)."""
    fix = f"Log it as typed, or fix the amount and run it again: `{typed}`"
    text = f":warning: {warning}\n{fix}"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=text))]
    value = confirm_value(command, args, once)
    if len(value) <= BUTTON_VALUE:
        button = ButtonElement(
            text="Yes, log it", action_id=ActionId.CONFIRM_AMOUNT.value, value=value,
            style="primary",
        )  # fmt: skip
        blocks.append(ActionsBlock(block_id=CONFIRM_BLOCK, elements=[button]))
    return text, blocks
