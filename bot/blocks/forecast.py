"""The MSG/GDR forecast shown (issue 35, item 5): the em's Home part (each account's kept
forecast, at risk first, and the POD's projected GDR for the quarter) and `/proc forecast
<customer>`'s answer (the inputs and the arithmetic, line by line)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.blocks.limits import SECTION_TEXT
from bot.blocks.text import escape_mrkdwn, fit_markup, fit_mrkdwn, plain_date, plural
from bot.domain.forecast import Forecast, GdrOutlook, Source
from bot.domain.kpis import GDR_BAR, MSG_BREACH_DAYS
from bot.domain.money import Money, format_money, format_percent

_MARK = {"at-risk": ":warning:", "missed": ":x:", "on-track": ":white_check_mark:",
         "reached": ":trophy:"}  # fmt: skip


@dataclass(frozen=True)
class ForecastItem:
    """An account's kept forecast as the em's Home lists it."""

    customer: str
    status: str
    sentence: str
    reach_on: date | None


@dataclass(frozen=True)
class EmForecast:
    """The em's Home part: the latest week's forecasts (at risk first), their count, and the
    POD's projected GDR for the quarter."""

    week: str
    items: tuple[ForecastItem, ...]
    total: int
    gdr: GdrOutlook
    quarter: str


def gdr_words(gdr: GdrOutlook, quarter: str) -> str:
    """`Projected GDR 2027Q1: 66.7% (2 of 3 customers decided this quarter; bar 70%)`."""
    if gdr.share is None:
        text = f"Projected GDR {quarter}: no customer is decided this quarter"
    else:
        mark = "✅" if gdr.reached >= GDR_BAR * gdr.decided else "⚠️"
        text = (
            f"{mark} Projected GDR {quarter}: {format_percent(gdr.share * 100)} "
            f"({gdr.reached} of {plural(gdr.decided, 'customer')} decided this quarter reach "
            f"the MSG; bar {format_percent(GDR_BAR * 100)})"
        )
    return text + (f" · {gdr.apart} counted apart" if gdr.apart else "")


def em_forecast_blocks(part: EmForecast | None, command: str, cap: int) -> list[Block]:
    """The em's Home part: nothing until a forecast has been kept."""
    if part is None:
        return []
    lines = [f"*MSG forecast* (week {part.week})", gdr_words(part.gdr, part.quarter)]
    lines += [f"{_MARK.get(i.status, '•')} {escape_mrkdwn(i.sentence)}" for i in part.items[:cap]]
    if part.total > len(part.items[:cap]):
        lines.append(f"and {part.total - len(part.items[:cap])} more")
    return [
        SectionBlock(text=MarkdownTextObject(text=fit_mrkdwn("\n".join(lines), SECTION_TEXT))),
        ContextBlock(
            elements=[
                MarkdownTextObject(
                    text=fit_markup(
                        f"`{command} forecast <customer>` shows the inputs and the arithmetic.",
                        SECTION_TEXT,
                    )
                )
            ]
        ),
    ]


def _money(amount: object, currency: str) -> str:
    return format_money(Money(Decimal(str(amount)), currency))


def forecast_text(f: Forecast, timezone: str) -> str:
    """`/proc forecast <customer>`: the sentence, then the inputs and the arithmetic."""
    cur = f.msg.currency
    lines = [
        f"*MSG forecast — {escape_mrkdwn(f.customer)}* (as of {plain_date(f.today, timezone)})",
        escape_mrkdwn(f.sentence),
        f"MSG {format_money(f.msg)} · handover {plain_date(f.handover, timezone)} · day "
        f"{MSG_BREACH_DAYS} is {plain_date(f.deadline, timezone)}"
        + (f" · term ends {plain_date(f.term_end, timezone)}" if f.term_end else ""),
        f"Approved savings since handover: {_money(f.to_date, cur)}",
    ]
    if not f.lines:
        lines.append("No open request in the MSG's currency.")
    else:
        lines.append("*Open requests, by expected close* (saving → running total):")
    for line in f.lines:
        if line.source == Source.QUOTES:
            how = f"{_money(line.amount, cur)} − lowest quote {_money(line.best_quote, cur)}"
        elif line.source == Source.BENCHMARK:
            rate = format_percent(line.rate or Decimal(0))
            how = f"{_money(line.amount, cur)} × benchmark {rate}"
        else:
            how = "no amount, quote or benchmark: 0"
        close = (
            f"today + {plural(line.remaining_days, 'day')} of procurement steps, "
            f"TAT bound {plain_date(line.bound, timezone)}"
        )
        lines.append(
            f"• {line.key}: {how} = {_money(line.saving, cur)} · closes "
            f"{plain_date(line.close, timezone)} ({close}) → {_money(line.running, cur)}"
        )
    if f.apart:
        lines.append(f"Counted apart (another currency): {', '.join(f.apart)}")
    if f.shortfall:
        lines.append(
            f"By day {MSG_BREACH_DAYS}: {_money(f.msg.amount - f.shortfall, cur)} of "
            f"{format_money(f.msg)}, {_money(f.shortfall, cur)} short."
        )
    return "\n".join(lines)
