"""The digest line flagging a customer for repeat incorrect requests (issue 35)."""

from __future__ import annotations

from collections.abc import Sequence

from bot.blocks.text import escape_mrkdwn
from bot.domain.mentions import defuse_broadcasts
from bot.domain.people_matrix import REPEAT_WINDOW_DAYS


def repeat_dq_line(customer: str, pod_name: str, reasons: Sequence[tuple[str, str]]) -> str:
    """The customer, how many disqualified and why, request by request (`reasons`: (request
    key, reason)), as one item of the csms' and ems' digest."""
    head = (
        f":warning: {escape_mrkdwn(customer)} ({pod_name}) had {len(reasons)} requests "
        f"disqualified in {REPEAT_WINDOW_DAYS} days: worth a word with the customer."
    )
    return "\n".join([head, *(f"• {key}: {defuse_broadcasts(reason)}" for key, reason in reasons)])
