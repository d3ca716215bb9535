"""A customer update draft's DM (issue 32): the draft's text as the customer will read it, who
it goes to, and **Mark sent** (and **Send**, when podbot emails); the edit once it is settled."""

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

from bot.blocks.ids import ActionId
from bot.blocks.limits import MAX_MESSAGE_BLOCKS, SECTION_TEXT
from bot.blocks.text import escape_mrkdwn, slack_date, split_markup

ACTIONS_BLOCK = "customer_update_actions"


def _quoted(text: str) -> list[str]:
    """The draft as a quote, in sections under Slack's limit."""
    quoted = "\n".join(f"> {escape_mrkdwn(line)}" if line else ">" for line in text.splitlines())
    return split_markup(quoted, SECTION_TEXT)


def draft_dm(
    update_id: int,
    customer: str,
    subject: str,
    text: str,
    recipients: str,
    *,
    can_email: bool,
    problems: list[str],
) -> tuple[str, list[Block]]:
    """The DM: the subject, the draft quoted, its To:, any wording to fix, the buttons."""
    who = escape_mrkdwn(recipients) if recipients else "no contacts in the accounts file yet"
    head = (
        f":email: *Customer update for {escape_mrkdwn(customer)}*, ready to send: "
        f"_{escape_mrkdwn(subject)}_\nTo: {who}. The `.eml` below opens in your mail client."
    )
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=head))]
    blocks += [SectionBlock(text=MarkdownTextObject(text=part)) for part in _quoted(text)]
    if problems:
        shown = "; ".join(escape_mrkdwn(problem) for problem in problems[:10])
        blocks.append(
            ContextBlock(
                elements=[MarkdownTextObject(text=f":warning: Check before sending: {shown}")]
            )
        )
    buttons = [
        ButtonElement(
            text="Mark sent",
            action_id=ActionId.CUSTOMER_UPDATE_MARK_SENT.value,
            value=str(update_id),
        )
    ]
    if can_email and recipients:
        buttons.insert(
            0,
            ButtonElement(
                text="Send",
                action_id=ActionId.CUSTOMER_UPDATE_SEND.value,
                value=str(update_id),
                style="primary",
            ),
        )
    blocks = blocks[: MAX_MESSAGE_BLOCKS - 1]
    blocks.append(ActionsBlock(block_id=ACTIONS_BLOCK, elements=buttons))
    return f"Customer update for {customer}, ready to send: {subject}", blocks


def settled_dm(
    customer: str, subject: str, text: str, user: str, emailing: bool, recipients: str,
    at: datetime, timezone: str,
) -> tuple[str, list[Block]]:  # fmt: skip
    """The draft's DM once settled: no buttons, who settled it and how."""
    if emailing:
        line = f":outbox_tray: <@{user}> clicked Send: emailing it to {escape_mrkdwn(recipients)}."
    else:
        line = f":white_check_mark: Marked sent by <@{user}> {slack_date(at, timezone)}."
    head = f":email: *Customer update for {escape_mrkdwn(customer)}*: _{escape_mrkdwn(subject)}_"
    blocks: list[Block] = [SectionBlock(text=MarkdownTextObject(text=head))]
    blocks += [SectionBlock(text=MarkdownTextObject(text=part)) for part in _quoted(text)]
    blocks = blocks[: MAX_MESSAGE_BLOCKS - 1]
    blocks.append(ContextBlock(elements=[MarkdownTextObject(text=line)]))
    return f"Customer update for {customer}: {subject}", blocks
