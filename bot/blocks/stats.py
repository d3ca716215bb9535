"""`/proc stats`: one line per KPI (name, value, bar, status, the counts behind it), and the
same figures as CSV rows for `podbot report kpis`. Pure: Kpis and Scorecards in, text out."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal

from slack_sdk.models.blocks import Block, ContextBlock, MarkdownTextObject, SectionBlock

from bot.blocks.limits import MAX_MESSAGE_BLOCKS, SECTION_TEXT
from bot.blocks.text import escape_mrkdwn, split_markup
from bot.domain.csv_out import Cell, write_table
from bot.domain.kpis import Kpi, KpiStatus
from bot.domain.money import Money, format_money, format_percent
from bot.domain.people import name_of
from bot.domain.scorecard import Scorecard

__all__ = [
    "CSV_HEADER",
    "EXTRA_LABELS",
    "LABELS",
    "STATUS_MARK",
    "bar_words",
    "csv_rows",
    "kpi_csv",
    "kpi_hint",
    "kpi_line",
    "scorecard_lines",
    "stats_blocks",
    "stats_text",
]

STATUS_MARK = {
    KpiStatus.MET: "✅",
    KpiStatus.WARNING: "⚠️",
    KpiStatus.MISSED: "❌",
    KpiStatus.NO_DATA: "➖",
    KpiStatus.PENDING: "⏳",
}
LABELS = {
    "savings_quota": "Savings quota",
    "net_savings": "Net savings vs POD target",
    "buyers_at_quota": "Buyers at ≥ 70 % of quota",
    "benchmark_attainment": "Benchmark attainment",
    "negotiation_tat": "Negotiation TAT adherence",
    "update_cadence": "Update cadence",
    "reply_time": "Replies within 24 working hours",
    "qualification": "Qualified within 24 working hours",
    "gdr": "Gross dollar retention",
    "favorable_health": "Accounts in favorable health",
    "annual_conversion": "Monthly → annual conversion",
    "ftv": "First time value",
    "msg": "Minimum savings guarantee",
    "pse": "Projected savings estimate",
    "ats_uploaded": "ATS uploaded",
}
EXTRA_LABELS = {
    "requests_without_account": "Requests this quarter with no account",
    "health": "Health",
    "open_requests": "Open requests",
}
# Figures whose numerator and denominator are money (the others count items or days).
MONEY = frozenset({"savings_quota", "net_savings", "msg", "pse", "ats_uploaded"})
DAYS = frozenset({"ftv"})
CSV_HEADER = (
    "scope", "subject", "kpi", "value", "bar", "status", "numerator", "denominator",
    "counted_apart", "person",
)  # fmt: skip


def _percent(share: Decimal) -> str:
    return format_percent(share * 100)


def _count(value: Decimal) -> str:
    return f"{value.normalize():,f}"


def value_text(kpi: Kpi) -> str:
    """The figure as shown: a % (or days for FTV), or `no data` / `not yet`."""
    if kpi.value is None:
        if kpi.status == KpiStatus.PENDING:
            return "not yet"
        return "no data" if kpi.status == KpiStatus.NO_DATA else "none"
    if kpi.name in DAYS:
        return _days(kpi.value)
    return _percent(kpi.value)


def bar_text(kpi: Kpi) -> str:
    return bar_words(kpi.name, kpi.bar)


def bar_words(name: str, bar: Decimal) -> str:
    """A KPI's bar as its lines and `/proc help kpis` show it: `70.0%`, or `14 days` for FTV."""
    return _days(bar) if name in DAYS else _percent(bar)


def _days(value: Decimal) -> str:
    return f"{_count(value)} day" + ("" if value == 1 else "s")


def basis_text(kpi: Kpi) -> str:
    """The counts behind the figure: `7 of 10`, `$42,000 of $50,000`, parts, counted apart."""
    out: list[str] = []
    if kpi.numerator is not None:
        if kpi.name in MONEY and kpi.currency:
            num = format_money(Money(kpi.numerator, kpi.currency))
            if kpi.denominator is not None:
                out.append(f"{num} of {format_money(Money(kpi.denominator, kpi.currency))}")
            else:
                out.append(f"{num}, no target")
            parts = [
                f"{name} {format_money(Money(amount, kpi.currency))}" for name, amount in kpi.parts
            ]
            if parts and kpi.name == "net_savings":
                out.append(" + ".join(parts))
        elif kpi.denominator is not None:
            out.append(f"{_count(kpi.numerator)} of {_count(kpi.denominator)}")
    if kpi.counted_apart:
        out.append(f"{kpi.counted_apart} counted apart")
    return " · ".join(out)


def kpi_line(kpi: Kpi, who: str = "") -> str:
    """`✅ *Negotiation TAT adherence*: 80.0% (bar 80.0%) — 4 of 5`."""
    label = LABELS.get(kpi.name, kpi.name) + (f" — {who}" if who else "")
    line = f"{STATUS_MARK[kpi.status]} *{label}*: {value_text(kpi)} (bar {bar_text(kpi)})"
    basis = basis_text(kpi)
    return f"{line} — {basis}" if basis else line


def scorecard_lines(card: Scorecard, pod_name: str) -> list[str]:
    """Every line of a scorecard, headed by whom it is about."""
    if card.scope == "pod":
        head = f"*{escape_mrkdwn(pod_name)}*"
    elif card.scope == "member":
        head = f"<@{card.subject}> · {escape_mrkdwn(pod_name)}"
    else:
        head = f"*{escape_mrkdwn(card.subject)}* · {escape_mrkdwn(pod_name)}"
    lines = [head]
    for kpi in card.lines:
        # Per-analyst lines of the POD name the analyst.
        who = f"<@{kpi.subject}>" if card.scope == "pod" and kpi.subject else ""
        lines.append(kpi_line(kpi, who))
    lines += [f"{EXTRA_LABELS.get(name, name)}: {value}" for name, value in card.extras]
    return lines


def stats_text(card: Scorecard, pod_name: str, quarter: str, as_of: str) -> str:
    """The whole answer as mrkdwn lines: a title, then the scorecard."""
    return "\n".join([f"*Stats {quarter}* (as of {as_of})", *scorecard_lines(card, pod_name)])


def kpi_hint(command: str) -> str:
    """The line under every scorecard that says where its words are explained."""
    return f"What these mean: `{command} help kpis`"


def stats_blocks(text: str, command: str | None = None) -> list[Block]:
    """The answer in sections of at most 3000 characters, at most 50 blocks; with `command`,
    a last context line pointing at `<command> help kpis`."""
    hint: list[Block] = []
    if command is not None:
        hint.append(ContextBlock(elements=[MarkdownTextObject(text=kpi_hint(command))]))
    pieces = split_markup(text, SECTION_TEXT)[: MAX_MESSAGE_BLOCKS - len(hint)]
    return [*(SectionBlock(text=piece) for piece in pieces if piece), *hint]


def kpi_csv(cards: Iterable[Scorecard], names: Mapping[str, str] | None = None) -> str:
    """`podbot report kpis`' CSV (and the weekly digest's): the header, then one row per
    (scope, subject, kpi), shares to 4 decimal places (0.8125 = 81.25 %), FTV in days; written
    by `write_table`, so a customer's name never runs as a formula and figures stay numbers.
    `person` names the member a row is about (`names`: user id → name; the id when none)."""
    rows = csv_rows(cards, lambda value: value.quantize(Decimal("0.0001")), names or {})
    return write_table(CSV_HEADER, rows)


def _plain(value: Decimal | None) -> Decimal | None:
    return None if value is None else value.normalize()


def csv_rows(
    cards: Iterable[Scorecard],
    rounded: Callable[[Decimal], Decimal],
    names: Mapping[str, str] | None = None,
) -> list[list[Cell]]:
    """One row per (scope, subject, kpi): value and bar as exact-to-rounding decimals, and the
    name of the member the row is about (a member's card, a POD's per-analyst line)."""
    names = names or {}
    rows: list[list[Cell]] = []
    for card in cards:
        member = card.subject if card.scope == "member" else None
        for kpi in card.lines:
            subject, person = card.subject, member
            if card.scope == "pod" and kpi.subject:
                subject, person = f"{card.subject}/{kpi.subject}", kpi.subject
            rows.append(
                [
                    card.scope, subject, kpi.name,
                    None if kpi.value is None else _plain(rounded(kpi.value)),
                    _plain(kpi.bar), str(kpi.status), _plain(kpi.numerator),
                    _plain(kpi.denominator), kpi.counted_apart,
                    name_of(person, names) if person else None,
                ]
            )  # fmt: skip
        for name, value in card.extras:
            who = name_of(member, names) if member else None
            rows.append(
                [card.scope, card.subject, name, value, None, "info", None, None, None, who]
            )
    return rows
