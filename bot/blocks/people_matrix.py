"""The DM flagging a customer for repeat incorrect requests (issue 35)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from slack_sdk.models.blocks import MarkdownTextObject, SectionBlock

from bot.blocks.text import escape_mrkdwn
from bot.domain.mentions import defuse_broadcasts
from bot.domain.people_matrix import REPEAT_WINDOW_DAYS


def repeat_disqualifications_dm(
    customer: str, pod_name: str, reasons: Sequence[tuple[str, str]]
) -> tuple[str, list[dict[str, Any]]]:
    """(fallback text, blocks): the customer, how many disqualified and why, request by
    request (`reasons`: (request key, reason))."""
    text = (
        f":warning: {escape_mrkdwn(customer)} ({pod_name}) had {len(reasons)} requests "
        f"disqualified in {REPEAT_WINDOW_DAYS} days: worth a word with the customer."
    )
    lines = [text, *(f"• {key}: {defuse_broadcasts(reason)}" for key, reason in reasons)]
    block = SectionBlock(text=MarkdownTextObject(text="\n".join(lines)[:3000]))
    return text, [block.to_dict()]
