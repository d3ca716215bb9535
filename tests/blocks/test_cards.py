"""The request card (SPEC §2), `/proc status` with its timeline and `/proc mine` (SPEC §3)."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from slack_sdk.models.blocks import Block

from bot.blocks.cards import (
    CardData,
    MineRow,
    TimelineEntry,
    card_blocks,
    card_text,
    mine_blocks,
    mine_text,
    status_blocks,
)
from bot.blocks.text import split_markup
from bot.domain.money import Money
from slackfake.web_api import block_errors

CREATED = datetime(2026, 11, 23, 5, 0, tzinfo=UTC)  # Mon 23 Nov 10:30 IST
NOW = datetime(2026, 11, 26, 6, 0, tzinfo=UTC)
LINK = "https://example.slack.com/archives/C0ALPHA01/p1795410000000100"


def card(**changes: Any) -> CardData:
    base = CardData(
        key="REQ-12",
        pod_name="POD Alpha",
        timezone="Asia/Kolkata",
        customer="Acme",
        tool="Figma",
        kind="new",
        stage="intake",
        outcome=None,
        amount=Money(Decimal("48000"), "USD"),
        renewal_date=date(2027, 1, 31),
        created_by="U0CSM0001",
        analyst_id=None,
        buyer_id=None,
        created_at=CREATED,
        qualification_due_at=CREATED + timedelta(days=1),
        tat_due_at=None,
    )
    return dataclasses.replace(base, **changes)


NEGOTIATING = {
    "stage": "negotiating",
    "analyst_id": "U0ANA0001",
    "buyer_id": "U0BUY0001",
    "tat_due_at": datetime(2026, 12, 9, 5, 0, tzinfo=UTC),  # Wed 9 Dec 10:30 IST
}


def dicts(blocks: list[Block]) -> list[dict[str, Any]]:
    # to_dict() runs slack_sdk's own validation too.
    return [b.to_dict() for b in blocks]


def texts(blocks: list[Block]) -> str:
    """Every text in the blocks, one per line, as a reader would scan them."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("text"), str):
                out.append(node["text"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(dicts(blocks))
    return "\n".join(out)


def fields(blocks: list[Block]) -> dict[str, str]:
    section = next(b for b in dicts(blocks) if b["type"] == "section" and "fields" in b)
    return dict(f["text"].split("\n", 1) for f in section["fields"])


def assert_valid(blocks: list[Block]) -> None:
    assert block_errors(dicts(blocks)) == []


# --- the card ------------------------------------------------------------------------------


STAGES = [
    {"stage": "intake"},
    {"stage": "qualified", "analyst_id": "U0ANA0001"},
    NEGOTIATING,
    {**NEGOTIATING, "stage": "closed", "outcome": "won", "closed_at": NOW},
    {**NEGOTIATING, "stage": "closed", "outcome": "lost", "closed_at": NOW},
    {**NEGOTIATING, "stage": "closed", "outcome": "cancelled", "closed_at": NOW},
    {"stage": "disqualified", "closed_at": NOW, "resolution_note": "Duplicate of REQ-9"},
]


@pytest.mark.parametrize("changes", STAGES, ids=lambda c: f"{c['stage']}-{c.get('outcome')}")
def test_card_is_valid_block_kit_in_every_stage(changes: dict[str, Any]) -> None:
    blocks = card_blocks(card(**changes))
    assert_valid(blocks)
    assert dicts(blocks)[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "REQ-12 · Acme · Figma", "emoji": True},
    }


def test_card_shows_type_stage_spend_renewal_and_people() -> None:
    shown = fields(card_blocks(card(**NEGOTIATING)))
    assert shown["*Type*"] == "New"
    assert shown["*Stage*"] == ":handshake: Negotiating"
    assert shown["*Current spend*"] == "$48,000"
    # A day is sent as noon in the POD's zone, its fallback the POD's date.
    noon = int(datetime(2027, 1, 31, 12, 0, tzinfo=ZoneInfo("Asia/Kolkata")).timestamp())
    assert shown["*Renewal date*"] == f"<!date^{noon}^{{date_short}}|Jan 31, 2027>"
    assert shown["*Analyst*"] == "<@U0ANA0001>"
    assert shown["*Buyer*"] == "<@U0BUY0001>"


def test_card_without_owners_or_amounts_shows_dashes() -> None:
    shown = fields(card_blocks(card(amount=None, renewal_date=None)))
    assert shown["*Analyst*"] == shown["*Buyer*"] == "—"
    assert shown["*Current spend*"] == shown["*Renewal date*"] == "—"


def test_intake_card_shows_qualification_due_as_a_date_token() -> None:
    shown = fields(card_blocks(card()))
    unix = int((CREATED + timedelta(days=1)).timestamp())
    assert shown["*Qualification due*"] == (
        f"<!date^{unix}^{{date_short}} {{time}}|Nov 24, 2026 10:30 IST>"
    )
    assert "*TAT due*" not in shown


def test_negotiating_card_shows_tat_due() -> None:
    shown = fields(card_blocks(card(**NEGOTIATING)))
    unix = int(NEGOTIATING["tat_due_at"].timestamp())
    assert shown["*TAT due*"] == (f"<!date^{unix}^{{date_short}} {{time}}|Dec 9, 2026 10:30 IST>")
    assert "*Qualification due*" not in shown


def test_qualified_card_says_the_tat_starts_on_assign() -> None:
    shown = fields(card_blocks(card(stage="qualified")))
    assert shown["*TAT due*"] == "— starts on assign"


@pytest.mark.parametrize(
    ("outcome", "stage_shown"),
    [
        ("won", ":trophy: Closed · won"),
        ("lost", ":x: Closed · lost"),
        ("cancelled", ":no_entry_sign: Closed · cancelled"),
    ],
)
def test_closed_card_shows_outcome_emoji_and_close_time(outcome: str, stage_shown: str) -> None:
    blocks = card_blocks(
        card(**{**NEGOTIATING, "stage": "closed", "outcome": outcome, "closed_at": NOW})
    )
    shown = fields(blocks)
    assert shown["*Stage*"] == stage_shown
    assert shown["*Closed*"] == (
        f"<!date^{int(NOW.timestamp())}^{{date_short}} {{time}}|Nov 26, 2026 11:30 IST>"
    )
    assert "*TAT due*" not in shown


def test_disqualified_card_shows_the_reason() -> None:
    blocks = card_blocks(card(stage="disqualified", closed_at=NOW, resolution_note="No budget"))
    assert fields(blocks)["*Stage*"] == ":no_entry: Disqualified"
    assert "*Reason:* No budget" in texts(blocks)


def test_card_shows_approved_savings_only_when_present() -> None:
    assert "*Approved savings*" not in fields(card_blocks(card(**NEGOTIATING)))
    savings = Money(Decimal("8500"), "USD")
    shown = fields(card_blocks(card(**NEGOTIATING, approved_savings=savings)))
    assert shown["*Approved savings*"] == ":moneybag: $8,500"


def test_card_context_names_pod_creator_and_opened_date_token() -> None:
    # 20:00 UTC on the 23rd is already the 24th in Kolkata: the fallback uses the POD's date.
    created = datetime(2026, 11, 23, 20, 0, tzinfo=UTC)
    context = dicts(card_blocks(card(created_at=created)))[-1]
    assert context["type"] == "context"
    assert [e["text"] for e in context["elements"]] == [
        "POD Alpha · opened by <@U0CSM0001> · replies in thread",
        f"Opened <!date^{int(created.timestamp())}^{{date_short}}|Nov 24, 2026>",
    ]


def test_card_has_nothing_that_goes_stale() -> None:
    # Same data → same card, whenever it is rebuilt; no "N days" text that ages between edits.
    shown = texts(card_blocks(card(**NEGOTIATING)))
    assert shown == texts(card_blocks(card(**NEGOTIATING)))
    assert not re.search(r"\d+ days?\b", shown)


def test_card_escapes_user_text_so_it_cannot_ping_or_link() -> None:
    blocks = card_blocks(card(notes="cc <!channel> & <https://evil.example|click>"))
    shown = texts(blocks)
    assert "<!channel>" not in shown
    assert "cc &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;" in shown


def test_worst_case_card_stays_within_block_kit_limits() -> None:
    worst = card(
        **{**NEGOTIATING, "stage": "closed", "outcome": "won", "closed_at": NOW},
        customer="C" * 200,
        tool="T" * 200,
        pod_name="P" * 300,
        notes="&" * 3000,
        resolution_note="<" * 3000,
        approved_savings=Money(Decimal("999999999999.99"), "CHF"),
        amount=Money(Decimal("1000000000000"), "EUR"),
    )
    blocks = card_blocks(worst)
    assert_valid(blocks)
    header = dicts(blocks)[0]["text"]["text"]
    assert len(header) <= 150 and header.startswith("REQ-12 · CCC") and "TTT" in header
    assert "…" in header
    shown = fields(blocks)
    assert shown["*Customer*"] == "C" * 200  # the header was cut, so the fields carry the names
    assert shown["*Tool*"] == "T" * 200
    notes = next(b for b in dicts(blocks) if b.get("text", {}).get("text", "").startswith("*Notes"))
    assert len(notes["text"]["text"]) <= 3000 and notes["text"]["text"].endswith("&amp;…")


def test_the_buyer_picker_keeps_within_slacks_100_options_of_75_characters() -> None:
    buyers = tuple(f"U0BUY{n:04d}" for n in range(150))
    names = {user: f"{user} " + "N" * 200 for user in buyers}
    qualified = card(stage="qualified", request_id=12, buyers=buyers, buyer_names=names)
    blocks = card_blocks(qualified)
    assert_valid(blocks)
    (actions,) = [b for b in dicts(blocks) if b["type"] == "actions"]
    assert actions["block_id"] == "card_actions:12"
    (picker,) = actions["elements"]
    assert picker["type"] == "static_select" and len(picker["options"]) == 100
    assert [o["value"] for o in picker["options"]] == list(buyers[:100])
    assert all(len(o["text"]["text"]) <= 75 for o in picker["options"])
    assert picker["options"][0]["text"]["text"].startswith("U0BUY0000 NNN")


def test_a_qualified_card_of_a_pod_without_buyers_says_so_instead_of_a_picker() -> None:
    blocks = card_blocks(card(stage="qualified", request_id=12))
    assert_valid(blocks)
    assert [b for b in dicts(blocks) if b["type"] == "actions"] == []
    assert dicts(blocks)[-1]["elements"][0]["text"] == (
        ":warning: POD Alpha has no buyer to assign this to yet: add one to the POD's members "
        "in podbot's config."
    )
    # /proc status's copy has no actions, so no word about them either.
    assert "no buyer" not in texts(
        card_blocks(card(stage="qualified", request_id=12), with_actions=False)
    )


def test_short_long_name_shares_header_room_with_a_short_one() -> None:
    header = dicts(card_blocks(card(customer="Acme", tool="T" * 300)))[0]["text"]["text"]
    assert header.startswith("REQ-12 · Acme · TTT") and header.endswith("…")
    assert len(header) == 150


def test_card_text_is_the_notification_line() -> None:
    assert card_text(card(**NEGOTIATING)) == "REQ-12 · Acme · Figma (new) — negotiating"
    closed = card(**{**NEGOTIATING, "stage": "closed", "outcome": "won", "closed_at": NOW})
    assert card_text(closed) == "REQ-12 · Acme · Figma (new) — closed (won)"
    assert card_text(card(customer="A&B")) == "REQ-12 · A&amp;B · Figma (new) — intake"
    assert len(card_text(card(customer="C" * 200, tool="T" * 200))) < 300


# --- /proc status --------------------------------------------------------------------------


def entry(at: datetime, kind: str = "update", text: str | None = None, actor: str = "U0BUY0001"):
    return TimelineEntry(at=at, actor=actor, kind=kind, text=text)


def timeline_lines(blocks: list[Block]) -> list[str]:
    data = dicts(blocks)
    start = next(i for i, b in enumerate(data) if b["type"] == "divider") + 2
    lines: list[str] = []
    for block in data[start:]:
        if block["type"] == "section":
            lines += block["text"]["text"].split("\n")
    return lines


def stamp(instant: datetime, fallback: str) -> str:
    """A timeline step's date token: date and time, the POD's as fallback."""
    return f"<!date^{int(instant.timestamp())}^{{date_short}} {{time}}|{fallback}>"


def test_status_is_the_card_then_a_timeline() -> None:
    the_card = card(**NEGOTIATING)
    events = [
        entry(CREATED, "created", actor="U0CSM0001"),
        entry(CREATED + timedelta(hours=2), "qualified", actor="U0ANA0001"),
        entry(CREATED + timedelta(hours=3), "assigned", "to <@U0BUY0001>", actor="U0ANA0001"),
        entry(CREATED + timedelta(days=1), "tat_breached", actor="podbot"),
    ]
    blocks = status_blocks(the_card, events, NOW)
    assert_valid(blocks)
    data = dicts(blocks)
    assert data[: len(card_blocks(the_card))] == dicts(card_blocks(the_card))
    assert data[len(card_blocks(the_card))]["type"] == "divider"
    assert timeline_lines(blocks) == [
        f"{stamp(CREATED, 'Nov 23, 2026 10:30 IST')} · <@U0CSM0001> opened the request",
        f"{stamp(CREATED + timedelta(hours=2), 'Nov 23, 2026 12:30 IST')} · <@U0ANA0001> "
        "qualified it",
        f"{stamp(CREATED + timedelta(hours=3), 'Nov 23, 2026 13:30 IST')} · <@U0ANA0001> "
        "assigned it: to <@U0BUY0001>",
        f"{stamp(CREATED + timedelta(days=1), 'Nov 24, 2026 10:30 IST')} · podbot flagged a "
        "TAT breach",
    ]


def test_status_timeline_is_oldest_first_whatever_the_input_order() -> None:
    events = [entry(CREATED + timedelta(hours=h), text=f"e{h}") for h in (3, 1, 2)]
    lines = timeline_lines(status_blocks(card(), events, NOW))
    assert [line.rsplit(": ", 1)[1] for line in lines] == ["e1", "e2", "e3"]


def test_status_shows_local_times_across_new_york_dst() -> None:
    ny = card(timezone="America/New_York")
    at = [
        datetime(2026, 3, 7, 15, 0, tzinfo=UTC),  # EST, UTC-5
        datetime(2026, 3, 9, 14, 0, tzinfo=UTC),  # EDT, UTC-4
        datetime(2026, 11, 2, 15, 0, tzinfo=UTC),  # EST again
    ]
    events = [entry(a, text=t) for a, t in zip(at, ("before", "after", "back"), strict=True)]
    lines = timeline_lines(status_blocks(ny, events, datetime(2026, 11, 3, tzinfo=UTC)))
    assert lines == [
        f"{stamp(at[0], 'Mar 7, 2026 10:00 EST')} · <@U0BUY0001> posted an update: before",
        f"{stamp(at[1], 'Mar 9, 2026 10:00 EDT')} · <@U0BUY0001> posted an update: after",
        f"{stamp(at[2], 'Nov 2, 2026 10:00 EST')} · <@U0BUY0001> posted an update: back",
    ]


def test_status_local_time_crosses_midnight_east_of_utc() -> None:
    at = datetime(2026, 11, 23, 19, 0, tzinfo=UTC)
    lines = timeline_lines(status_blocks(card(), [entry(at)], NOW))
    assert lines[0].startswith(f"{stamp(at, 'Nov 24, 2026 00:30 IST')} · ")


def test_status_shows_the_year_of_events_from_another_year() -> None:
    at = datetime(2025, 12, 30, 5, 0, tzinfo=UTC)
    lines = timeline_lines(status_blocks(card(), [entry(at)], datetime(2026, 1, 2, tzinfo=UTC)))
    assert lines[0].startswith(f"{stamp(at, 'Dec 30, 2025 10:30 IST')} · ")


def aging_line(blocks: list[Block]) -> str:
    data = dicts(blocks)
    after_divider = data[next(i for i, b in enumerate(data) if b["type"] == "divider") + 1]
    return after_divider["text"]["text"]


def test_status_shows_age_and_days_left() -> None:
    blocks = status_blocks(card(**NEGOTIATING), [], NOW)  # NOW is Thu 26 Nov; due Wed 9 Dec
    assert aging_line(blocks) == "*Timeline*\nAge: 3 days · TAT: 13 days left"
    assert "No events yet." in texts(blocks)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (datetime(2026, 12, 8, 18, 29, tzinfo=UTC), "TAT: 1 day left"),  # 23:59 IST on the 8th
        (datetime(2026, 12, 8, 18, 31, tzinfo=UTC), "TAT: due today"),  # 00:01 IST on the 9th
        (datetime(2026, 12, 12, 6, 0, tzinfo=UTC), "TAT: 3 days overdue"),
    ],
)
def test_status_days_left_counts_local_calendar_days(now: datetime, expected: str) -> None:
    assert aging_line(status_blocks(card(**NEGOTIATING), [], now)).endswith(expected)


def test_status_of_a_request_created_today_is_zero_days_old() -> None:
    line = aging_line(status_blocks(card(), [], CREATED + timedelta(hours=1)))
    assert line == "*Timeline*\nAge: 0 days"


def test_status_of_a_closed_request_shows_how_long_it_was_open() -> None:
    closed = card(**{**NEGOTIATING, "stage": "closed", "outcome": "won", "closed_at": NOW})
    line = aging_line(status_blocks(closed, [], NOW + timedelta(days=30)))
    assert line == "*Timeline*\nWas open 3 days"


def worst_card() -> CardData:
    return card(
        **NEGOTIATING,
        customer="C" * 200,
        tool="T" * 200,
        notes="&" * 3000,
        resolution_note="x" * 3000,
    )


def long_events(count: int) -> list[TimelineEntry]:
    return [
        entry(CREATED + timedelta(minutes=i), text=f"#{i} " + "<&>" * 1000) for i in range(count)
    ]


def test_status_fits_300_long_events_each_shortened_to_one_line() -> None:
    blocks = status_blocks(worst_card(), long_events(300), NOW)
    assert_valid(blocks)
    assert len(blocks) <= 50
    lines = timeline_lines(blocks)
    assert len(lines) == 300 and all(line.endswith("…") for line in lines)
    assert "not shown" not in texts(blocks)


def test_status_with_too_many_events_keeps_the_newest_and_counts_the_rest() -> None:
    blocks = status_blocks(worst_card(), long_events(1000), NOW)
    assert_valid(blocks)
    assert len(blocks) <= 50
    note = next(b for b in dicts(blocks) if b["type"] == "context" and "not shown" in texts_of(b))
    hidden = int(re.search(r"… (\d+) earlier events not shown", texts_of(note))[1])
    lines = timeline_lines(blocks)
    assert hidden > 0 and hidden + len(lines) == 1000
    assert "#999 " in lines[-1] and f"#{hidden} " in lines[0]


def texts_of(block: dict[str, Any]) -> str:
    return " ".join(e.get("text", "") for e in block.get("elements", []))


def test_status_shows_every_event_when_they_fit() -> None:
    events = [entry(CREATED + timedelta(minutes=i), text=f"call {i}") for i in range(300)]
    blocks = status_blocks(card(**NEGOTIATING), events, NOW)
    assert_valid(blocks)
    assert len(timeline_lines(blocks)) == 300
    assert "not shown" not in texts(blocks)


# --- /proc mine ----------------------------------------------------------------------------


def row(**changes: Any) -> MineRow:
    base = MineRow(
        key="REQ-12",
        customer="Acme",
        tool="Figma",
        stage="negotiating",
        role="buyer",
        age_days=12,
        tat_days_left=3,
        card_link=LINK,
    )
    return dataclasses.replace(base, **changes)


def mine_lines(blocks: list[Block]) -> list[str]:
    return [
        line
        for b in dicts(blocks)[1:]
        if b["type"] == "section"
        for line in b["text"]["text"].split("\n")
    ]


def test_mine_with_no_requests_says_so() -> None:
    blocks = mine_blocks([], "U0BUY0001")
    assert_valid(blocks)
    assert texts(blocks) == "You have no open requests."
    assert mine_text([]) == "You have no open requests."


def test_mine_lists_key_link_customer_tool_stage_age_and_tat() -> None:
    rows = [
        row(),
        row(
            key="REQ-13",
            stage="intake",
            role="creator",
            age_days=0,
            tat_days_left=None,
            card_link=None,
        ),
        row(key="REQ-14", role="analyst", age_days=1, tat_days_left=-3),
        row(key="REQ-15", tat_days_left=0),
    ]
    blocks = mine_blocks(rows, "U0BUY0001")
    assert_valid(blocks)
    assert "<@U0BUY0001>" in dicts(blocks)[0]["text"]["text"]
    assert mine_lines(blocks) == [
        f"*<{LINK}|REQ-12>* · Acme · Figma · :handshake: Negotiating · you: buyer"
        " · 12 days old · TAT 3 days left",
        "*REQ-13* · Acme · Figma · :inbox_tray: Intake · you: creator · 0 days old · TAT —",
        f"*<{LINK}|REQ-14>* · Acme · Figma · :handshake: Negotiating · you: analyst"
        " · 1 day old · overdue by 3 days",
        f"*<{LINK}|REQ-15>* · Acme · Figma · :handshake: Negotiating · you: buyer"
        " · 12 days old · TAT due today",
    ]
    assert mine_text(rows) == "You have 4 open requests."
    assert mine_text(rows[:1]) == "You have 1 open request."


def test_mine_shows_all_500_typical_rows() -> None:
    rows = [row(key=f"REQ-{i}", customer=f"Customer {i}", tool=f"Tool {i}") for i in range(500)]
    blocks = mine_blocks(rows, "U0BUY0001")
    assert_valid(blocks)
    assert len(mine_lines(blocks)) == 500


def test_mine_with_500_worst_case_rows_stays_within_limits() -> None:
    rows = [
        row(key=f"REQ-{i}", customer="&" * 200, tool="T" * 200, card_link=LINK + "x" * 200)
        for i in range(500)
    ]
    blocks = mine_blocks(rows, "U0BUY0001")
    assert_valid(blocks)
    assert len(blocks) <= 50
    shown = [line for line in mine_lines(blocks) if line.startswith("*")]
    note = texts_of(dicts(blocks)[-1])
    assert note == f"… and {500 - len(shown)} more not shown"
    assert shown[0].startswith(f"*<{LINK}") and "REQ-0>*" in shown[0]


def test_split_markup_keeps_lines_whole_and_every_message_within_the_limit() -> None:
    assert split_markup("one\ntwo", 100) == ["one\ntwo"]
    lines = [">*Status:* " + "&amp;" * 10, ">*Next step:* call", ">*Blockers:* " + "x" * 40]
    pieces = split_markup("\n".join(lines), 80)
    assert pieces == [lines[0] + "\n" + lines[1], lines[2]]
    assert "\n".join(pieces) == "\n".join(lines)


def test_split_markup_cuts_a_line_longer_than_the_limit_between_tokens() -> None:
    line = "a" * 8 + "&amp;" + "<@U0BUY0001>" + "b" * 8
    pieces = split_markup(line, 12)
    assert "".join(pieces) == line
    assert all(len(p) <= 12 for p in pieces)
    assert pieces[:2] == ["a" * 8, "&amp;"]  # never half an entity
    assert "<@U0BUY0001>" in pieces  # nor half a mention
