"""The close-out message of a won request: a **Record the new term** button in its thread."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.ids import ActionId, BlockId

__all__ = ["RECORD_TERM_LABEL", "term_prompt"]

RECORD_TERM_LABEL = "Record the new term"


def term_prompt(request_id: int, request_key: str, who: str) -> tuple[str, list[Block]]:
    """The thread message asking `who` (mentions) to record the new term, and its blocks; the
    button's value is the request id, all a click needs."""
    text = (
        f":memo: {who} {request_key} was won: record the new term in the SaaS stack "
        "(final annual amount, renewal date, billing cycle, auto-renew, notice days)."
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=text)),
        ActionsBlock(
            block_id=BlockId.TERM_ACTIONS.value,
            elements=[
                ButtonElement(
                    text=RECORD_TERM_LABEL,
                    action_id=ActionId.RECORD_TERM.value,
                    value=str(request_id),
                    style="primary",
                )
            ],
        ),
    ]
    return text, blocks
