"""The weekly catch-up pack's messages (issue 35): the post in the POD channel and, in its
thread, one message per section — ATS trend, health and sentiment, people matrix, requests
audit, data abnormalities (`catchup_sections`); the chart and the CSV follow them."""

from __future__ import annotations

from decimal import Decimal

from slack_sdk.models.blocks import Block, HeaderBlock, MarkdownTextObject, SectionBlock

from bot.blocks.limits import HEADER_TEXT, MAX_MESSAGE_BLOCKS, MAX_MESSAGE_TEXT, SECTION_TEXT
from bot.blocks.text import escape_mrkdwn, fit_markup, fit_plain, plain_date, plural
from bot.domain.ats_trend import AtsChange
from bot.domain.catchup import (
    AccountTrend,
    CatchupPack,
    coverage,
    is_stale,
)
from bot.domain.money import Money, format_money

__all__ = ["catchup_post", "catchup_sections"]


def _money(amount: Decimal | None, currency: str) -> str:
    return "—" if amount is None else format_money(Money(amount, currency))


def _signed(amount: Decimal, currency: str) -> str:
    sign = "+" if amount >= 0 else "−"
    return sign + format_money(Money(abs(amount), currency))


def catchup_post(pack: CatchupPack) -> tuple[str, list[Block]]:
    """The post in the POD channel: the week, the POD's ATS on the platform now and a week
    ago, and how many abnormalities; the sections follow in its thread."""
    now = sum((t.this_week for t in pack.trends if t.currency == pack.currency), Decimal(0))
    series = dict(pack.series)
    last = series.get(_week_before(pack))
    moved = f" ({_signed(now - last, pack.currency)} on last week)" if last is not None else ""
    text = (
        f"*POD catch-up* · {escape_mrkdwn(pack.pod_name)} · week {pack.week} "
        f"(as of {plain_date(pack.as_of)})\n"
        f"{plural(len(pack.trends), 'account')}, ATS on the platform "
        f"{_money(now, pack.currency)}{moved}; "
        f"{plural(len(pack.abnormalities), 'data abnormality', 'data abnormalities')}. "
        "The pack is in the thread."
    )
    blocks: list[Block] = [
        SectionBlock(text=MarkdownTextObject(text=fit_markup(text, SECTION_TEXT)))
    ]
    return text, blocks


def _week_before(pack: CatchupPack) -> str:
    weeks = [week for week, _ in pack.series]
    return weeks[-2] if len(weeks) >= 2 else ""


def catchup_sections(pack: CatchupPack) -> list[tuple[str, list[str]]]:
    """(title, lines) of each section of the pack, in the thread's order."""
    return [
        ("ATS trend", _trend_lines(pack)),
        ("Health and sentiment", _health_lines(pack)),
        ("People matrix", _people_lines(pack)),
        ("Requests audit", _audit_lines(pack)),
        ("Data abnormalities", _abnormality_lines(pack)),
    ]


def section_message(title: str, lines: list[str]) -> tuple[str, list[Block]]:
    """One section as a message: a header, then its lines packed into sections."""
    text = fit_markup(f"*{title}*\n" + "\n".join(lines), MAX_MESSAGE_TEXT)
    blocks: list[Block] = [HeaderBlock(text=fit_plain(title, HEADER_TEXT))]
    current = ""
    for line in lines:
        if current and len(current) + len(line) + 1 > SECTION_TEXT:
            blocks.append(SectionBlock(text=MarkdownTextObject(text=current)))
            current = ""
        current = f"{current}\n{line}" if current else fit_markup(line, SECTION_TEXT)
    if current:
        blocks.append(SectionBlock(text=MarkdownTextObject(text=current)))
    return text, blocks[:MAX_MESSAGE_BLOCKS]


def _changes(changes: tuple[AtsChange, ...], currency: str) -> str:
    return "; ".join(
        f"{escape_mrkdwn(c.tool)} {c.kind.value} {_signed(c.delta, currency)}" for c in changes
    )


def _trend_line(t: AccountTrend) -> list[str]:
    c = t.currency
    head = (
        f"• *{escape_mrkdwn(t.customer)}*: {_money(t.this_week, c)} this week · "
        f"{_money(t.last_week, c)} last week · {_money(t.four_weeks_ago, c)} four weeks ago"
    )
    lines = [head]
    if t.week_changes:
        lines.append(f"    this week: {_changes(t.week_changes, c)}")
    if t.month_changes and t.month_changes != t.week_changes:
        lines.append(f"    over four weeks: {_changes(t.month_changes, c)}")
    deficits = []
    if t.account_ats is not None:
        share = t.uploaded
        shown = f" ({share * 100:.0f} % uploaded)" if share is not None else ""
        deficits.append(f"ATS figure {_money(t.account_ats, c)}{shown}")
    if t.deficit:
        deficits.append(f"deficit {_money(t.deficit, c)}")
    if t.sunset:
        deficits.append(f"sunset {_money(t.sunset, c)}")
    if t.offline:
        deficits.append(f"offline {_money(t.offline, c)}")
    if deficits:
        lines.append("    " + " · ".join(deficits))
    return lines


def _trend_lines(pack: CatchupPack) -> list[str]:
    if not pack.trends:
        return ["No accounts in this POD."]
    return [line for t in pack.trends for line in _trend_line(t)]


def _health_lines(pack: CatchupPack) -> list[str]:
    lines = []
    for f in pack.accounts:
        health = f"health {f.health} (set {_when(f.health_set)})"
        if is_stale(f.health_set, pack.as_of):
            health = "⚠️ " + health
        if f.sentiment is None:
            sentiment = "⚠️ no sentiment recorded"
        else:
            sentiment = f"sentiment {f.sentiment} (set {_when(f.sentiment_set)})"
            if is_stale(f.sentiment_set, pack.as_of):
                sentiment = "⚠️ " + sentiment
        lines.append(f"• *{escape_mrkdwn(f.customer)}*: {health} · {sentiment}")
    return lines or ["No accounts in this POD."]


def _when(day: object) -> str:
    return day.isoformat() if day is not None and hasattr(day, "isoformat") else "never"


def _people_lines(pack: CatchupPack) -> list[str]:
    lines = []
    for f in pack.accounts:
        said = coverage(f)
        mark = "⚠️ " if said.startswith("single") else ""
        lines.append(f"• *{escape_mrkdwn(f.customer)}*: {mark}{said}")
    return lines or ["No accounts in this POD."]


def _audit_lines(pack: CatchupPack) -> list[str]:
    a = pack.audit

    def keys(found: tuple[str, ...]) -> str:
        return f"{len(found)}" + (f" ({', '.join(found)})" if found else "")

    lines = [
        f"• Opened: {keys(a.opened)}",
        f"• Qualified: {keys(a.qualified)}",
        f"• Disqualified: {len(a.disqualified)}",
        *(
            f"    {key}: {escape_mrkdwn(reason) or 'no reason given'}"
            for key, reason in a.disqualified
        ),
        f"• Closed: {keys(a.closed)}",
    ]
    approved = ", ".join(
        format_money(Money(amount, currency))
        for currency, amount in sorted(a.savings_approved.items())
    )
    lines.append(
        f"• Savings approved: {approved or format_money(Money(Decimal(0), pack.currency))}"
    )
    return lines


def _abnormality_lines(pack: CatchupPack) -> list[str]:
    if not pack.abnormalities:
        return ["None found."]
    return [
        f"• {a.kind.value}: *{escape_mrkdwn(a.customer)}*"
        + (f" — {escape_mrkdwn(a.detail)}" if a.detail else "")
        for a in pack.abnormalities
    ]
