"""The customer check-in pack's message (`checkin-pack`, `/proc checkin`): open requests,
closes and approved savings of the last 7 days, renewals of the next 90 days; and the weekly
post of a POD's check-ins, which names the customers with nothing new in one line (the packs
of the others are its thread's replies)."""

from __future__ import annotations

from datetime import date

from slack_sdk.models.blocks import (
    ActionsBlock,
    Block,
    ButtonElement,
    HeaderBlock,
    MarkdownTextObject,
    SectionBlock,
)

from bot.blocks.cards import days_left_phrase
from bot.blocks.claims import claim_verb
from bot.blocks.ids import ActionId
from bot.blocks.limits import HEADER_TEXT, MAX_MESSAGE_BLOCKS, SECTION_TEXT
from bot.blocks.text import (
    escape_mrkdwn,
    fit_markup,
    fit_plain,
    plain_date,
    plural,
    slack_date,
)
from bot.domain.checkin import CHECKIN_LOOKBACK_DAYS, CHECKIN_RENEWAL_DAYS, CheckinPack
from bot.domain.customer_update import QUIET_DAYS
from bot.domain.money import format_money
from bot.domain.usage import usage_line


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=fit_markup(text, SECTION_TEXT)))


def checkin_lines(pack: CheckinPack) -> list[str]:
    """The pack's lines, section by section (the message's text and its blocks)."""
    zone = pack.timezone
    as_of = slack_date(pack.as_of, zone)
    lines = [f"*Check-in · {escape_mrkdwn(pack.customer)}* · {pack.pod_name} · as of {as_of}"]
    lines.append(f"*Open requests* ({len(pack.open)})")
    for o in pack.open:
        tat = "" if o.tat_days_left is None else f" · TAT {days_left_phrase(o.tat_days_left)}"
        if o.hold_party is not None and o.hold_since is not None:
            # The pack is for the customer's check-in: a customer hold is "waiting on you".
            whom = "you" if o.hold_party == "customer" else f"the {escape_mrkdwn(o.hold_party)}"
            tat = f" · ⏸ waiting on {whom} since {slack_date(o.hold_since, pack.timezone)}"
        extra = "".join(
            [
                f" · next: {escape_mrkdwn(o.next_step)}" if o.next_step else "",
                f" · blockers: {escape_mrkdwn(o.blockers)}" if o.blockers else "",
            ]
        )
        lines.append(
            f"• {o.key} {escape_mrkdwn(o.tool)} — {o.stage} · {plural(o.age_days, 'day')} old"
            f"{tat}{extra}"
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
        + (f"\n   {usage_line(r.usage, pack.headroom, pack.as_of)}" if r.usage else "")
        for r in pack.renewals
    ] or ["None."]
    return lines


def checkin_blocks(pack: CheckinPack, *, share_value: str | None = None) -> tuple[str, list[Block]]:
    """The message: text and blocks; with `share_value`, a **Share in channel** button (the
    ephemeral answer to `/proc checkin`)."""
    lines = checkin_lines(pack)
    text = "\n".join(lines)
    blocks: list[Block] = [
        HeaderBlock(text=fit_plain(f"Check-in · {pack.customer}", HEADER_TEXT)),
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
    return text, blocks[:MAX_MESSAGE_BLOCKS]


def _names(names: list[str], limit: int) -> str:
    """Customer names joined, as many as fit in `limit` characters, then `and N more`."""
    shown: list[str] = []
    size = len(" and 99999 more")
    for name in names:
        escaped = escape_mrkdwn(name)
        if shown and size + len(escaped) > limit:
            break
        shown.append(escaped)
        size += len(escaped) + 2
    left = len(names) - len(shown)
    return ", ".join(shown) + (f" and {left} more" if left else "")


def checkin_post(
    pod_name: str, as_of: date, timezone: str, active: list[str], quiet: list[str],
    no_update: list[str] | None = None,
) -> tuple[str, list[Block]]:  # fmt: skip
    """The POD's weekly check-in post: the customers with news this week (their packs follow
    in its thread, one reply each), in one line those with nothing new, and in one more the
    accounts with no customer update sent for 15 days (`no_update`, issue 32)."""
    title = f"Check-ins · {pod_name} · week of {plain_date(as_of)}"
    head = f"*Check-ins · {escape_mrkdwn(pod_name)}* · as of {slack_date(as_of, timezone)}"
    window = f"in the last {plural(CHECKIN_LOOKBACK_DAYS, 'day')}"
    budget = SECTION_TEXT - 200  # the sentence around the names
    if active:
        news = (
            f"*{plural(len(active), 'customer')} had activity {window}*; "
            f"{'its pack is' if len(active) == 1 else 'their packs are'} in the thread: "
            f"{_names(active, budget)}."
        )
    else:
        news = f"*No customer had activity {window}.*"
    lines = [head, news]
    if quiet:
        lines.append(
            f"Nothing new for {_names(quiet, budget)} — `/proc checkin <customer>` shows "
            "any customer's pack."
        )
    if no_update:
        lines.append(
            f":email: No customer update sent for {QUIET_DAYS} days: {_names(no_update, budget)}"
            " — `/proc customer-update <customer>` drafts one."
        )
    blocks: list[Block] = [
        HeaderBlock(text=fit_plain(title, HEADER_TEXT)),
        *[_section(line) for line in lines[1:]],
    ]
    return "\n".join(lines), blocks


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
