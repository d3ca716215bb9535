"""The quarterly renewal calendar (SPEC §5) as Slack messages, a CSV and an ICS file: pure builders.

A calendar that fits one message is one message; a longer one becomes a parent message (header,
summary, the first months) and continuation messages, each inside Block Kit's limits, with every
renewal exactly once across them. The CSV and the ICS carry every renewal of the quarter.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from icalendar import Calendar, Event
from slack_sdk.models.blocks import (
    Block,
    ContextBlock,
    HeaderBlock,
    MarkdownTextObject,
    PlainTextObject,
    SectionBlock,
)

from bot.blocks.cards import stage_label
from bot.blocks.limits import HEADER_TEXT
from bot.blocks.pages import ReportMessage, report_messages
from bot.blocks.text import escape_mrkdwn, fit_mrkdwn, fit_plain, plain_date, plural, slack_date
from bot.domain.csv_out import Cell, write_table
from bot.domain.dates import add_days
from bot.domain.money import Money, format_money
from bot.domain.renewals import RenewalCalendar, RenewalFlag, RenewalLine

__all__ = [
    "CSV_COLUMNS",
    "FLAG_WORDS",
    "calendar_title",
    "event_uid",
    "renewal_csv",
    "renewal_ics",
    "renewal_messages",
]

# Cuts that bound one renewal line to a few hundred characters, so any line fits any section.
_NAME = 60
_POD_NAME = 100
_SEP = " · "
_NONE = "—"
ICS_PRODID = "-//podbot//Renewal calendar//EN"

FLAG_WORDS = {
    RenewalFlag.TAT_WINDOW_OPEN_NO_REQUEST: ":rotating_light: TAT window open, no request",
    RenewalFlag.ANNUAL_CONVERSION_CANDIDATE: ":repeat: monthly → annual candidate",
}

CSV_COLUMNS = (
    "month",
    "renewal_date",
    "customer",
    "tool",
    "annual_value",
    "currency",
    "billing_cycle",
    "auto_renew",
    "notice_days",
    "notice_deadline",
    "request",
    "request_stage",
    "tat_window_opens",
    "tat_window_open_no_request",
    "annual_conversion_candidate",
    "contract_id",
)


# --- text ----------------------------------------------------------------------------------


def _month_heading(heading: str, _count: int, shown: bool) -> str:
    return heading + (" (continued)" if shown else "")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def calendar_title(pod_name: str, calendar: RenewalCalendar) -> str:
    """The calendar's title as plain text: `Renewals · POD Alpha · 2027Q1`."""
    pod = fit_plain(_one_line(pod_name), _POD_NAME) or _NONE
    return f"Renewals{_SEP}{pod}{_SEP}{calendar.quarter}"


def _totals(calendar: RenewalCalendar) -> str:
    sums = calendar.totals()
    return " + ".join(format_money(Money(amount, code)) for code, amount in sums.items())


def _request_state(line: RenewalLine) -> str:
    if line.request is None:
        return "no request"
    return f"{line.request.key} {stage_label(line.request.stage, None)}"


def _notice(line: RenewalLine, today: date, timezone: str) -> str | None:
    deadline = line.notice_deadline
    if deadline is None:
        return None
    shown = slack_date(deadline, timezone)
    return f"notice by {shown}" + (" (passed)" if deadline < today else "")


def _renewal_line(line: RenewalLine, today: date, timezone: str) -> str:
    contract = line.contract
    parts = [
        f"*{fit_mrkdwn(_one_line(contract.customer), _NAME) or _NONE}*",
        fit_mrkdwn(_one_line(contract.tool), _NAME) or _NONE,
        slack_date(contract.renewal_date, timezone),
        f"{format_money(contract.annual)}/yr",
        escape_mrkdwn(contract.billing_cycle[:20]),
    ]
    if contract.auto_renew:
        parts.append("auto-renews")
    notice = _notice(line, today, timezone)
    if notice:
        parts.append(notice)
    parts.append(_request_state(line))
    # Enum order, so the same flags always read the same way.
    parts += [FLAG_WORDS[flag] for flag in RenewalFlag if flag in line.flags]
    return _SEP.join(parts)


def _summary(calendar: RenewalCalendar, timezone: str) -> str:
    quarter = calendar.quarter
    span = f"{slack_date(quarter.start, timezone)} – {slack_date(quarter.end, timezone)}"
    count = len(calendar.lines)
    first = f"*{plural(count, 'renewal')}*{_SEP}{span}"
    if count:
        first += f"{_SEP}{_totals(calendar)} annual value"
    flags = []
    for flag in RenewalFlag:
        emoji, _, label = FLAG_WORDS[flag].partition(" ")
        flags.append(f"{emoji} {calendar.count(flag)} {label}")
    return f"{first}\n{_SEP.join(flags)}"


def _notification(title: str, calendar: RenewalCalendar) -> str:
    count = len(calendar.lines)
    if not count:
        return f"{title}: no renewals"
    flags = ", ".join(
        f"{calendar.count(flag)} {FLAG_WORDS[flag].partition(' ')[2]}"
        for flag in RenewalFlag
        if calendar.count(flag)
    )
    return f"{title}: {plural(count, 'renewal')}" + (f", {flags}" if flags else "")


def _footer(calendar: RenewalCalendar, tat_days: int, timezone: str) -> str:
    return (
        f"TAT window = renewal date − {tat_days} days (renewal TAT)"
        f"{_SEP}as of {slack_date(calendar.today, timezone)}"
    )


# --- splitting into messages ---------------------------------------------------------------


def _section(text: str) -> SectionBlock:
    return SectionBlock(text=MarkdownTextObject(text=text))


def _context(text: str) -> ContextBlock:
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def _continued_note(more: int) -> str:
    return f"Continued in {plural(more, 'more message')}"


def renewal_messages(
    pod_name: str, calendar: RenewalCalendar, *, tat_days: int, timezone: str = "UTC"
) -> list[ReportMessage]:
    """Build the renewal calendar: one message, or a parent and its continuations, in order;
    dates are read in `timezone` (the POD's)."""
    title = calendar_title(pod_name, calendar)
    summary = _summary(calendar, timezone)
    footer = _footer(calendar, tat_days, timezone)
    text = _notification(escape_mrkdwn(title), calendar)
    head: list[Block] = [
        HeaderBlock(text=PlainTextObject(text=fit_plain(title, HEADER_TEXT), emoji=True)),
        _section(summary),
    ]
    if not calendar.lines:
        quiet = f"No contracts renew in {calendar.quarter}."
        return [ReportMessage(text=text, blocks=[*head, _section(quiet), _context(footer)])]

    groups = [
        (
            f"*{month.month:%B %Y}* ({len(month.lines)})",
            [_renewal_line(line, calendar.today, timezone) for line in month.lines]
            or ["_No renewals._"],
        )
        for month in calendar.months
    ]
    return report_messages(
        text=text,
        head=head,
        tail=[_context(footer)],
        head_chars=len(title) + len(summary) + len(footer),
        groups=groups,
        heading=_month_heading,
        continued_title=title,
        continued_note=_continued_note,
    )


# --- CSV -----------------------------------------------------------------------------------


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def renewal_csv(calendar: RenewalCalendar) -> bytes:
    """Return every renewal of the quarter as UTF-8 CSV, one row per contract, in calendar
    order (written by `write_table`, so no name runs as a formula)."""
    rows: list[list[Cell]] = []
    for line in calendar.lines:
        contract, request = line.contract, line.request
        rows.append(
            [
                f"{contract.renewal_date:%Y-%m}",
                contract.renewal_date.isoformat(),
                contract.customer,
                contract.tool,
                contract.annual.amount.quantize(Decimal("0.01")),
                contract.annual.currency,
                contract.billing_cycle,
                _yes_no(contract.auto_renew),
                contract.notice_days,
                line.notice_deadline.isoformat() if line.notice_deadline else None,
                request.key if request else None,
                request.stage if request else None,
                line.tat_window_opens.isoformat(),
                _yes_no(line.tat_window_open_no_request),
                _yes_no(line.annual_conversion_candidate),
                contract.contract_id,
            ]
        )
    return write_table(CSV_COLUMNS, rows).encode("utf-8")


# --- ICS -----------------------------------------------------------------------------------


def event_uid(contract_id: int, renewal_date: date) -> str:
    """A UID stable across runs, so importing the calendar again updates instead of duplicating."""
    return f"contract-{contract_id}-{renewal_date.isoformat()}@podbot"


def _description(line: RenewalLine) -> str:
    contract = line.contract
    auto = {True: "yes", False: "no", None: "unknown"}[contract.auto_renew]
    if line.notice_deadline is not None:
        notice = f"{plain_date(line.notice_deadline)} ({contract.notice_days} days' notice)"
    else:
        notice = "not recorded"
    request = (
        f"{line.request.key} ({line.request.stage})" if line.request is not None else "none open"
    )
    rows = [
        f"Annual value: {format_money(contract.annual)}",
        f"Billing cycle: {contract.billing_cycle}",
        f"Auto-renew: {auto}",
        f"Notice deadline: {notice}",
        f"Renewal request: {request}",
        f"TAT window opens: {plain_date(line.tat_window_opens)}",
    ]
    if line.tat_window_open_no_request:
        rows.append("Flag: TAT window open with no request")
    if line.annual_conversion_candidate:
        rows.append("Flag: monthly billing, candidate for annual conversion")
    return "\n".join(rows)


def renewal_ics(pod_name: str, calendar: RenewalCalendar, stamp: datetime) -> bytes:
    """Return the quarter's renewals as an iCalendar file: one all-day event per renewal."""
    ics = Calendar()
    ics.add("prodid", ICS_PRODID)
    ics.add("version", "2.0")
    ics.add("calscale", "GREGORIAN")
    ics.add("method", "PUBLISH")
    ics.add("x-wr-calname", calendar_title(pod_name, calendar))
    for line in calendar.lines:
        contract = line.contract
        event = Event()
        event.add("uid", event_uid(contract.contract_id, contract.renewal_date))
        event.add("dtstamp", stamp)
        # A date (not a datetime) makes an all-day event; DTEND is exclusive.
        event.add("dtstart", contract.renewal_date)
        event.add("dtend", add_days(contract.renewal_date, 1))
        event.add(
            "summary", f"Renewal: {_one_line(contract.customer)}{_SEP}{_one_line(contract.tool)}"
        )
        event.add("description", _description(line))
        event.add("categories", ["Renewal"])
        # A renewal day should not show the team as busy.
        event.add("transp", "TRANSPARENT")
        ics.add_component(event)
    # icalendar leaves `to_ical` unannotated; it returns the calendar's bytes.
    body: bytes = ics.to_ical()
    return body
