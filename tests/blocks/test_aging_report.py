"""SPEC §5 `aging-report`: what is posted (one message, or a parent plus thread continuations,
each within Block Kit's limits) and the CSV of the full table."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.blocks.aging_report import ReportMessage, aging_csv, aging_messages
from bot.domain.aging import AgingItem, AgingLine, Flag, aging_lines
from bot.domain.working_time import WorkCalendar
from slackfake.web_api import block_errors

ZONE = "Asia/Kolkata"
CALENDAR = WorkCalendar.from_names(ZONE, ["mon", "tue", "wed", "thu", "fri"], [date(2026, 12, 25)])
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=ZoneInfo(ZONE))  # Mon 23 Nov 2026, 09:00 IST


def day_token(day: int, fallback: str) -> str:
    """The date token of a November 2026 day: noon IST, the POD's date as fallback."""
    unix = int(datetime(2026, 11, day, 12, 0, tzinfo=ZoneInfo(ZONE)).timestamp())
    return f"<!date^{unix}^{{date_short}}|{fallback}>"


KEY_IN_LINE = re.compile(r"^\*(REQ-\d+)\*", re.MULTILINE)


def ist(*args: int) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(ZONE))


def request(number: int, stage: str, **changes: Any) -> AgingItem:
    created = changes.pop("created_at", ist(2026, 11, 20, 15, 0))
    fields: dict[str, Any] = {
        "number": number,
        "key": f"REQ-{number}",
        "customer": "Acme",
        "tool": "Figma",
        "kind": "new",
        "stage": stage,
        "owner": "U0ANA0001",
        "created_at": created,
        "qualification_due_at": ist(2026, 11, 23, 15, 0),
        "tat_due_at": None,
        "last_update_at": None,
    }
    fields.update(changes)
    return AgingItem(**fields)


def lines_of(items: list[AgingItem]) -> list[AgingLine]:
    return aging_lines(items, NOW, CALENDAR, 24)


def dicts(message: ReportMessage) -> list[dict[str, Any]]:
    return [block.to_dict() for block in message.blocks]


def texts(message: ReportMessage) -> list[str]:
    """Every text a reader sees in the message's blocks, in order."""
    out = []
    for block in dicts(message):
        if "text" in block:
            out.append(block["text"]["text"])
        out += [element["text"] for element in block.get("elements", [])]
    return out


def assert_postable(message: ReportMessage) -> None:
    assert block_errors(dicts(message)) == []
    assert len(message.text) <= 3000
    assert sum(len(t) for t in texts(message)) <= 12_000


def many(count: int) -> list[AgingLine]:
    """`count` requests across the three stages, with long names full of mrkdwn escapes."""
    items = []
    for n in range(1, count + 1):
        stage = ("intake", "qualified", "negotiating")[n % 3]
        created = NOW - timedelta(days=n % 45, hours=n % 9)
        items.append(
            request(
                n,
                stage,
                customer=f'Customer {n} & <Partners>, "Holdings" {"x" * 200}',
                tool=f"Tool {n} — Enterprise <Suite> {'y' * 200}",
                kind="renewal" if n % 2 else "new",
                owner=None if n % 5 == 0 else "U0BUY0001",
                created_at=created,
                qualification_due_at=created + timedelta(days=1),
                tat_due_at=created + timedelta(days=15) if stage == "negotiating" else None,
                last_update_at=created if stage == "negotiating" else None,
            )
        )
    return lines_of(items)


# --- one message ----------------------------------------------------------------------------


def small_report() -> list[AgingLine]:
    return lines_of(
        [
            # Created Fri 15:00, qualification due Mon 15:00: 3 days old, due today.
            request(1, "intake", customer="Acme <Labs> & Co"),
            # Qualification due Mon 09:00 (now): not qualified.
            request(2, "intake", owner=None, qualification_due_at=ist(2026, 11, 23, 9, 0)),
            request(3, "qualified", kind="renewal"),
            # TAT due Thu 26 Nov: 3 days left; last update Thu 19 Nov 09:00: 48 working hours ago.
            request(
                4,
                "negotiating",
                owner="U0BUY0001",
                tat_due_at=ist(2026, 11, 26, 12, 0),
                last_update_at=ist(2026, 11, 19, 9, 0),
            ),
            # TAT due Sat 21 Nov: 2 days overdue.
            request(5, "negotiating", owner="U0BUY0001", tat_due_at=ist(2026, 11, 21, 12, 0)),
        ]
    )


def test_a_report_that_fits_is_exactly_one_message() -> None:
    [message] = aging_messages("POD Alpha", small_report(), NOW, ZONE)
    assert_postable(message)
    blocks = dicts(message)
    assert blocks[0]["type"] == "header"
    assert blocks[0]["text"]["text"] == "Aging report · POD Alpha · Nov 23, 2026"
    assert blocks[1]["text"]["text"] == (
        "*5 open* · 2 intake · 1 qualified · 2 negotiating\n"
        ":rotating_light: 1 TAT breached · :hourglass_flowing_sand: 1 due ≤ 3 days"
        " · :zzz: 1 no update for 24 working hours"
        " · :inbox_tray: 1 not qualified in 24 working hours"
    )
    assert message.text.startswith("Aging report · POD Alpha · Nov 23, 2026: 5 open")
    assert not any("Continued in the thread" in t for t in texts(message))


def test_request_lines_are_grouped_by_stage_with_every_column() -> None:
    [message] = aging_messages("POD Alpha", small_report(), NOW, ZONE)
    body = "\n".join(texts(message)[2:])
    assert body.split("\n") == [
        "*:inbox_tray: Intake* (2)",
        # Report order puts the earlier qualification due (REQ-2, 09:00) first.
        "*REQ-2* · Acme · Figma · new · — · 3 days old · qualify by "
        f"{day_token(23, 'Nov 23, 2026')} (due today)"
        " · :inbox_tray: not qualified in 24 working hours",
        "*REQ-1* · Acme &lt;Labs&gt; &amp; Co · Figma · new · <@U0ANA0001> · 3 days old"
        " · qualify by "
        f"{day_token(23, 'Nov 23, 2026')} (due today)",
        "*:white_check_mark: Qualified* (1)",
        "*REQ-3* · Acme · Figma · renewal · <@U0ANA0001> · 3 days old · TAT —",
        "*:handshake: Negotiating* (2)",
        "*REQ-5* · Acme · Figma · new · <@U0BUY0001> · 3 days old"
        f" · TAT {day_token(21, 'Nov 21, 2026')} (2 days overdue) · :rotating_light: TAT breached",
        "*REQ-4* · Acme · Figma · new · <@U0BUY0001> · 3 days old"
        f" · TAT {day_token(26, 'Nov 26, 2026')} (3 days left)"
        " · :hourglass_flowing_sand: due ≤ 3 days · :zzz: no update for 24 working hours",
    ]


def test_configured_hours_show_in_the_flag_words() -> None:
    [message] = aging_messages(
        "POD Alpha", small_report(), NOW, ZONE, update_hours=16, qualification_hours=8
    )
    body = "\n".join(texts(message))
    assert ":zzz: 1 no update for 16 working hours" in body
    assert ":inbox_tray: not qualified in 8 working hours" in body


def test_user_text_cannot_ping_or_break_mrkdwn() -> None:
    lines = lines_of([request(1, "qualified", customer="<!channel> *urgent*", tool="a&b")])
    [message] = aging_messages("POD <!here>", lines, NOW, ZONE)
    body = "\n".join(texts(message)[1:])
    assert "<!channel>" not in body and "&lt;!channel&gt;" in body
    assert "a&amp;b" in body
    assert "<!here>" not in message.text


def test_an_empty_report_says_so_with_the_summary() -> None:
    [message] = aging_messages("POD Alpha", [], NOW, ZONE)
    assert_postable(message)
    assert texts(message) == [
        "Aging report · POD Alpha · Nov 23, 2026",
        "*0 open* · 0 intake · 0 qualified · 0 negotiating\n"
        ":rotating_light: 0 TAT breached · :hourglass_flowing_sand: 0 due ≤ 3 days"
        " · :zzz: 0 no update for 24 working hours"
        " · :inbox_tray: 0 not qualified in 24 working hours",
        "No open requests. :tada:",
    ]


# --- a long report ---------------------------------------------------------------------------


def test_a_long_report_splits_and_shows_every_request_exactly_once_in_order() -> None:
    lines = many(300)
    messages = aging_messages("POD Alpha " + "long name " * 30, lines, NOW, ZONE)
    total = len(messages)
    assert total > 2
    for message in messages:
        assert_postable(message)
    keys = [k for m in messages for t in texts(m) for k in KEY_IN_LINE.findall(t)]
    # Every request once, in the order given (which is already grouped by stage).
    assert keys == [line.item.key for line in lines]
    first = texts(messages[0])
    assert first[0].startswith("Aging report · POD Alpha")
    assert first[1].startswith("*300 open*")
    assert first[-1] == (
        f"Continued in the thread ({total - 1} more messages) · full table attached as CSV"
    )
    for number, message in enumerate(messages[1:], start=2):
        header = texts(message)[0]
        assert header.startswith("Aging report · POD Alpha") and header.endswith(
            f" ({number}/{total})"
        )
        assert message.text.endswith(f"({number}/{total})")


def test_a_stage_that_runs_over_repeats_its_heading_as_continued() -> None:
    messages = aging_messages("POD Alpha", many(300), NOW, ZONE)
    headings = [
        t.split("\n")[0] for m in messages for t in texts(m) if t.startswith("*:handshake:")
    ]
    assert headings[0] == "*:handshake: Negotiating* (100)"
    assert len(headings) > 1
    assert set(headings[1:]) == {"*:handshake: Negotiating (continued)*"}


def test_a_report_just_over_one_message_uses_one_continuation() -> None:
    # Grow the report until it no longer fits one message: the parent says "1 more message".
    for count in range(30, 80):
        messages = aging_messages("POD Alpha", many(count), NOW, ZONE)
        if len(messages) > 1:
            break
    assert len(messages) == 2
    assert texts(messages[0])[-1] == (
        "Continued in the thread (1 more message) · full table attached as CSV"
    )


def test_two_thousand_requests_build_into_postable_messages() -> None:
    # How long the build takes is bench/aging_scale.py's figure, not an assertion here.
    lines = many(2000)
    messages = aging_messages("POD Alpha", lines, NOW, ZONE)
    data = aging_csv(lines, ZONE)
    assert sum(len(KEY_IN_LINE.findall(t)) for m in messages for t in texts(m)) == 2000
    assert data.count(b"REQ-") == 2000
    # Each message stays small enough to post: blocks serialise well under Slack's limits.
    assert all(len(json.dumps(dicts(m))) < 40_000 for m in messages)


# --- CSV -------------------------------------------------------------------------------------


def read_csv(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


def test_csv_has_a_header_and_one_row_per_request() -> None:
    lines = many(300)
    rows = read_csv(aging_csv(lines, ZONE))
    assert len(rows) == 301
    assert rows[0] == [
        "key",
        "customer",
        "tool",
        "type",
        "stage",
        "owner",
        "created",
        "age_days",
        "tat_due",
        "days_left",
        "flags",
        "owner_name",
    ]
    assert [row[0] for row in rows[1:]] == [line.item.key for line in lines]
    assert rows[1][1] == lines[0].item.customer  # the full name, never cut


def test_csv_row_values() -> None:
    rows = read_csv(aging_csv(small_report(), ZONE))
    by_key = {row[0]: row for row in rows[1:]}
    # Created Fri 20 Nov; TAT due Thu 26 Nov, 3 days left; flags in a fixed order.
    assert by_key["REQ-4"] == [
        "REQ-4",
        "Acme",
        "Figma",
        "new",
        "negotiating",
        "U0BUY0001",
        "2026-11-20",
        "3",
        "2026-11-26",
        "3",
        "due_soon;no_update",
        "U0BUY0001",  # no name known: the owner's id
    ]
    # Qualified: no due, no days left, no flags; intake without an owner: owner empty.
    assert by_key["REQ-3"][8:11] == ["", "", ""]
    assert by_key["REQ-2"][5] == by_key["REQ-2"][11] == ""
    assert by_key["REQ-2"][8:11] == ["2026-11-23", "0", "not_qualified"]
    # With names, the owner is named beside their id.
    named = read_csv(aging_csv(small_report(), ZONE, {"U0BUY0001": "Rohan Mehta"}))
    assert {row[0]: row[5::6] for row in named[1:]}["REQ-4"] == ["U0BUY0001", "Rohan Mehta"]


def test_csv_created_date_is_local_to_the_pod() -> None:
    # 20:00 UTC Sun 22 Nov is 01:30 IST Mon 23 Nov.
    lines = lines_of([request(1, "qualified", created_at=datetime(2026, 11, 22, 20, tzinfo=UTC))])
    assert read_csv(aging_csv(lines, ZONE))[1][6:8] == ["2026-11-23", "0"]


def test_awkward_names_round_trip_through_csv() -> None:
    names = [
        'Acme, Inc. "Global"',
        "Line one\nLine two\r\nLine three",
        "Zürich AG · 東京 ☃",
        "  padded  ",
        "",
        '"',
        ",",
    ]
    lines = lines_of([request(n, "qualified", customer=name) for n, name in enumerate(names, 1)])
    rows = read_csv(aging_csv(lines, ZONE))
    assert [row[1] for row in rows[1:]] == names


def test_csv_cells_that_would_run_as_formulas_are_defused() -> None:
    # Spreadsheets evaluate a cell starting with = + - @; a leading apostrophe shows it as text.
    lines = lines_of(
        [
            request(1, "qualified", customer='=HYPERLINK("http://x")', tool="+1", kind="@x"),
            request(2, "negotiating", tat_due_at=ist(2026, 11, 21, 12, 0)),
        ]
    )
    rows = read_csv(aging_csv(lines, ZONE))
    assert rows[1][1:4] == ['\'=HYPERLINK("http://x")', "'+1", "'@x"]
    # Numbers are numbers: a negative day count keeps its minus sign.
    assert rows[2][9] == "-2"


def test_flags_column_lists_every_flag_value() -> None:
    values = {
        flag
        for row in read_csv(aging_csv(many(300), ZONE))[1:]
        for flag in row[10].split(";")
        if flag
    }
    assert values <= {flag.value for flag in Flag}
