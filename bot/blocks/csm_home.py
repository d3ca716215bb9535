"""A csm's part of the App Home (SPEC §3a, issue 30 item 6): the requests they opened, their
customers' open requests with stage and next step, the customers' renewals in the next 90
days and each customer's MSG progress. A csm's **customers** are those they opened a request
for in the POD. Pure: plain dataclasses in (read by `bot/db/csm_home.py`), blocks out."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.blocks.limits import SECTION_TEXT
from bot.blocks.text import escape_mrkdwn, fit_markup, slack_date
from bot.domain.money import Money, format_money, format_percent

__all__ = ["CSM_LIST_CAP", "CsmDetail", "CsmMsg", "CsmRenewal", "CsmRequest", "csm_blocks"]

CSM_LIST_CAP = 8  # items per list, as the other Home parts (`bot.blocks.home.LIST_CAP`)
RENEWAL_DAYS = 90  # renewals shown this many days ahead


@dataclass(frozen=True)
class CsmRequest:
    """An open request: its stage and, in words, its next step."""

    key: str
    customer: str
    tool: str
    stage: str
    next_step: str


@dataclass(frozen=True)
class CsmRenewal:
    customer: str
    tool: str
    renewal_date: date
    annual: Money


@dataclass(frozen=True)
class CsmMsg:
    """A customer's MSG progress: approved savings since handover against its MSG."""

    customer: str
    approved: Money
    msg: Money
    share: Decimal
    status: str


@dataclass(frozen=True)
class CsmDetail:
    opened: tuple[CsmRequest, ...]
    opened_total: int
    customers_open: tuple[CsmRequest, ...]
    customers_open_total: int
    renewals: tuple[CsmRenewal, ...]
    renewals_total: int
    msg: tuple[CsmMsg, ...]
    timezone: str = "UTC"


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=fit_markup(text, SECTION_TEXT)))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=fit_markup(text, SECTION_TEXT))])


def _list(title: str, total: int, lines: Sequence[str], empty: str, hint: str) -> list[Block]:
    blocks: list[Block] = [_section(f"*{title}* ({total})")]
    if not lines:
        return [*blocks, _context(empty)]
    blocks.append(_section("\n".join(lines)))
    if total > len(lines):
        blocks.append(_context(f"and {total - len(lines)} more — {hint}"))
    return blocks


def _request(r: CsmRequest, with_step: bool) -> str:
    line = f"• *{r.key}* {escape_mrkdwn(r.customer)} · {escape_mrkdwn(r.tool)} — {r.stage}"
    return line + (f" · next: {r.next_step}" if with_step else "")


def csm_blocks(detail: CsmDetail, command: str) -> list[Block]:
    """The csm's lists, each capped with its total."""
    msg_lines = [
        f"• {escape_mrkdwn(m.customer)} — {format_percent(m.share * 100)} of its MSG "
        f"({format_money(m.approved)} of {format_money(m.msg)}, {m.status})"
        for m in detail.msg
    ]
    return [
        *_list("Requests you opened", detail.opened_total,
               [_request(r, False) for r in detail.opened], "None open.", f"`{command} mine`"),
        *_list("Your customers' open requests", detail.customers_open_total,
               [_request(r, True) for r in detail.customers_open], "None open.",
               f"`{command} account <customer>`"),
        *_list(f"Your customers' renewals in the next {RENEWAL_DAYS} days",
               detail.renewals_total,
               [f"• {escape_mrkdwn(r.customer)} · {escape_mrkdwn(r.tool)} — "
                f"{slack_date(r.renewal_date, detail.timezone)}, {format_money(r.annual)} a year"
                for r in detail.renewals],
               "None.", f"`{command} renewals`"),
        *_list("Your customers' MSG progress", len(msg_lines), msg_lines,
               "No customer of yours has an MSG and a handover yet.",
               f"`{command} account <customer>`"),
    ]  # fmt: skip
