"""A pre-approval put to the customer in their channel (issue 32): what is being bought, the
expected spend, the question, and **Approve** / **Needs changes**; once answered, the answer
in place of the buttons; and the short modal asking what needs to change."""

from __future__ import annotations

from datetime import datetime

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    ContextBlock,
    MarkdownTextObject,
    SectionBlock,
)
from slack_sdk.models.views import View

from bot.blocks.ids import ActionId, CallbackId
from bot.blocks.modals import reason_modal
from bot.blocks.text import escape_mrkdwn, fit_markup, fit_mrkdwn, slack_date
from bot.domain.money import Money, format_money

ASK_ACTIONS = "preapproval_customer_actions"


def ask_blocks(
    ask_id: int, tool: str, spend: Money | None, question: str
) -> tuple[str, list[Block]]:
    """The pre-approval as the customer reads it, with its two buttons."""
    money = f" · expected spend *{format_money(spend)}*" if spend is not None else ""
    head = f":clipboard: *Pre-approval: {escape_mrkdwn(tool)}*{money}"
    text = f"{head}\n{fit_mrkdwn(escape_mrkdwn(question), 2500)}"
    buttons = ActionsBlock(
        block_id=ASK_ACTIONS,
        elements=[
            ButtonElement(
                text="Approve", action_id=ActionId.PREAPPROVAL_APPROVE.value, value=str(ask_id),
                style="primary",
            ),
            ButtonElement(
                text="Needs changes", action_id=ActionId.PREAPPROVAL_CHANGES.value,
                value=str(ask_id),
            ),
        ],
    )  # fmt: skip
    return f"Pre-approval: {tool}", [SectionBlock(text=MarkdownTextObject(text=text)), buttons]


def answered_blocks(
    tool: str, spend: Money | None, question: str, approved: bool, by: str,
    reason: str | None, at: datetime, timezone: str,
) -> tuple[str, list[Block]]:  # fmt: skip
    """The pre-approval once answered: the answer, who and when, no buttons."""
    text, blocks = ask_blocks(0, tool, spend, question)
    verdict = ":white_check_mark: Approved" if approved else ":pencil2: Needs changes"
    why = f": {escape_mrkdwn(reason)}" if reason else ""
    line = f"{verdict} by <@{by}> {slack_date(at, timezone)}{why}"
    return text, [
        blocks[0],
        ContextBlock(elements=[MarkdownTextObject(text=fit_markup(line, 2900))]),
    ]


def changes_modal(private_metadata: str, tool: str) -> View:
    """Needs changes: what should change (required)."""
    about = f"Pre-approval: *{escape_mrkdwn(tool)}*"
    head = ContextBlock(elements=[MarkdownTextObject(text=about)])
    return reason_modal(
        CallbackId.PREAPPROVAL_CHANGES, "Needs changes", "Send", private_metadata, head,
        "What needs to change?",
    )  # fmt: skip
