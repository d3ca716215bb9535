"""What ClickUp's webhook says in a card's thread (issue 31): a person's comment there, and
the prompts a change made there asks for (a close, a disqualification, a reassignment), with
the card's own buttons to do it in podbot."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    MarkdownTextObject,
    Option,
    PlainTextObject,
    SectionBlock,
    StaticSelectElement,
)

from bot.blocks.ids import ActionId, BlockId
from bot.blocks.limits import MAX_MESSAGE_TEXT, OPTION_TEXT, SECTION_TEXT
from bot.blocks.text import escape_mrkdwn, fit_markup, fit_plain

__all__ = ["clickup_comment_line", "clickup_reassign_prompt", "clickup_stage_prompt"]


def clickup_comment_line(person: str, text: str) -> str:
    """ "💬 via ClickUp — Dana: …": both escaped (a `<!channel>` or an @here in it is shown,
    never broadcast), within Slack's cap on a message."""
    head = f"💬 via ClickUp — {escape_mrkdwn(person)}: "
    body = escape_mrkdwn(text.strip())
    if "\n" in body:
        body = "\n" + "\n".join(f">{line}" for line in body.splitlines())
    return fit_markup(head + body, MAX_MESSAGE_TEXT)


def clickup_stage_prompt(
    request_id: int, key: str, person: str, status: str, action: str
) -> tuple[str, list[Block]]:
    """A status set in ClickUp that means a podbot decision (`action`: "close" or
    "disqualify"): the thread is asked to make it here, with the card's button."""
    what = "close it" if action == "close" else "disqualify it"
    text = (
        f":arrows_counterclockwise: {escape_mrkdwn(person)} moved {key}'s ClickUp task to "
        f"*{escape_mrkdwn(status)}*. podbot did not {what} on its own: do it here so the "
        "outcome, savings and timeline are recorded."
    )
    action_id = ActionId.CARD_CLOSE if action == "close" else ActionId.CARD_DISQUALIFY
    label = "Close" if action == "close" else "Disqualify"
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=fit_markup(text, SECTION_TEXT))),
        ActionsBlock(
            block_id=f"{BlockId.CARD_ACTIONS.value}:{request_id}",
            elements=[ButtonElement(text=label, action_id=action_id.value, value=str(request_id))],
        ),
    ]
    return text, blocks


def clickup_reassign_prompt(
    request_id: int, key: str, person: str, assignee: str, buyer: str | None, buyer_name: str
) -> tuple[str, list[Block] | None]:
    """A task assigned in ClickUp: the thread is asked to reassign the request in podbot (the
    buyer picker, offering the POD buyer the assignee is), or told they are no POD buyer."""
    if buyer is None:
        text = (
            f":busts_in_silhouette: {escape_mrkdwn(person)} assigned {key}'s ClickUp task to "
            f"{escape_mrkdwn(assignee)}, who is no buyer of this POD in podbot: the request "
            "keeps its buyer."
        )
        return text, None
    text = (
        f":busts_in_silhouette: {escape_mrkdwn(person)} assigned {key}'s ClickUp task to "
        f"<@{buyer}>: reassign the request in podbot too?"
    )
    picker = StaticSelectElement(
        action_id=ActionId.CARD_ASSIGN.value,
        placeholder=PlainTextObject(text="Reassign to…"),
        options=[
            Option(value=buyer, text=PlainTextObject(text=fit_plain(buyer_name, OPTION_TEXT)))
        ],
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=fit_markup(text, SECTION_TEXT))),
        ActionsBlock(block_id=f"{BlockId.CARD_ACTIONS.value}:{request_id}", elements=[picker]),
    ]
    return text, blocks
