"""The customer check-in pack's message (`checkin-pack`, `/proc checkin`): open requests,
closes and approved savings of the last 7 days, renewals of the next 90 days."""

from __future__ import annotations

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.claims import claim_verb
from bot.blocks.ids import ActionId
from bot.blocks.limits import SECTION_TEXT
from bot.blocks.text import escape_mrkdwn, fit_markup, slack_date
from bot.domain.checkin import CHECKIN_LOOKBACK_DAYS, CHECKIN_RENEWAL_DAYS, CheckinPack
from bot.domain.money import format_money


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=fit_markup(text, SECTION_TEXT)))


def checkin_lines(pack: CheckinPack) -> list[str]:
    """The pack's lines, section by section (the message's text and its blocks)."""
    zone = pack.timezone
    as_of = slack_date(pack.as_of, zone)
    lines = [f"*Check-in · {escape_mrkdwn(pack.customer)}* · {pack.pod_name} · as of {as_of}"]
    lines.append(f"*Open requests* ({len(pack.open)})")
    for o in pack.open:
        tat = "" if o.tat_days_left is None else f" · TAT {o.tat_days_left} day(s) left"
        extra = "".join(
            [
                f" · next: {escape_mrkdwn(o.next_step)}" if o.next_step else "",
                f" · blockers: {escape_mrkdwn(o.blockers)}" if o.blockers else "",
            ]
        )
        lines.append(
            f"• {o.key} {escape_mrkdwn(o.tool)} — {o.stage} · {o.age_days} day(s) old{tat}{extra}"
        )
    if not pack.open:
        lines.append("None.")
    lines.append(f"*Closed in the last {CHECKIN_LOOKBACK_DAYS} days* ({len(pack.closed)})")
    lines += [
        f"• {c.key} {escape_mrkdwn(c.tool)} — {c.outcome} {slack_date(c.closed_at, zone)}"
        for c in pack.closed
    ] or ["None."]
    lines.append(
        f"*Savings approved in the last {CHECKIN_LOOKBACK_DAYS} days* ({len(pack.savings)})"
    )
    lines += [
        f"• {s.key} {escape_mrkdwn(s.tool)} — {format_money(s.savings)} "
        f"{claim_verb(s.kind)}, approved {slack_date(s.approved_at, zone)}"
        for s in pack.savings
    ] or ["None."]
    lines.append(f"*Renewals in the next {CHECKIN_RENEWAL_DAYS} days* ({len(pack.renewals)})")
    lines += [
        f"• {escape_mrkdwn(r.tool)} — renews {slack_date(r.renewal_date, zone)} · "
        f"{format_money(r.annual)} a year"
        for r in pack.renewals
    ] or ["None."]
    return lines


def checkin_blocks(pack: CheckinPack, *, share_value: str | None = None) -> tuple[str, list[Block]]:
    """The message: text and blocks; with `share_value`, a **Share in channel** button (the
    ephemeral answer to `/proc checkin`)."""
    lines = checkin_lines(pack)
    text = "\n".join(lines)
    blocks: list[Block] = [
        HeaderBlock(text=f"Check-in · {pack.customer}"[:150]),
        *[_section(chunk) for chunk in _chunks(lines[1:])],
    ]
    if share_value is not None:
        blocks.append(
            ActionsBlock(
                block_id="checkin_actions",
                elements=[
                    ButtonElement(
                        text="Share in channel",
                        action_id=ActionId.CHECKIN_SHARE.value,
                        value=share_value[:2000],
                        style="primary",
                    )
                ],
            )
        )
    return text, blocks[:50]


def _chunks(lines: list[str]) -> list[str]:
    out, current = [], ""
    for line in lines:
        if current and len(current) + len(line) + 1 > SECTION_TEXT:
            out.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    if current:
        out.append(current)
    return out
