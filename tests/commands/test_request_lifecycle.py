"""SPEC §2–§3: a request's whole life from Slack — one card, edited in place, and a thread."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from bot.clock import ManualClock
from tests.commands.conftest import (
    ALPHA,
    ANALYST,
    BETA,
    BETA_ANALYST,
    BETA_BUYER,
    BUYER,
    EM,
    Proc,
    blocks_text,
    time_token,
)
from tests.conftest import RunningBot


def top_level_posts(bot: RunningBot, channel: str) -> list[dict]:
    return [
        c.params
        for c in bot.api.calls_to("chat.postMessage")
        if c.params.get("channel") == channel and not c.params.get("thread_ts")
    ]


def test_the_full_life_of_a_new_request(bot: RunningBot, proc: Proc, clock: ManualClock) -> None:
    # Monday 2026-11-23 20:30 in Kolkata (POD Alpha).
    reply = proc(ANALYST, "new Acme Corp | Figma | new | $48,000.50")
    assert reply.startswith("Created *REQ-1* — Acme Corp · Figma (new).")
    (card_post,) = top_level_posts(bot, ALPHA)
    card = proc.card(1)
    assert "REQ-1" in card.text and "Acme Corp" in blocks_text(card.blocks)
    request = proc.request(1)
    assert request.stage == "intake" and request.amount == Decimal("48000.50")
    # 24 working hours after Monday 20:30 IST is Tuesday 20:30 IST.
    assert request.qualification_due_at == datetime(2026, 11, 24, 15, 0, tzinfo=UTC)

    clock.advance(timedelta(hours=1))
    assert proc(ANALYST, "qualify req-1").startswith("REQ-1 is qualified.")
    clock.advance(timedelta(hours=1))
    assert "assigned to <@U0BUY0001>" in proc(ANALYST, f"assign 1 <@{BUYER}|dana>")
    request = proc.request(1)
    assert request.stage == "negotiating" and request.buyer_id == BUYER
    # 15 calendar days after Monday 22:30 IST, at the same local time.
    assert request.tat_due_at == datetime(2026, 12, 8, 17, 0, tzinfo=UTC)

    clock.advance(timedelta(hours=20))
    assert proc(BUYER, "update REQ-1 Vendor came back at 45k, pushing for 40k").startswith(
        "Update posted"
    )
    assert "recorded on REQ-1" in proc(BUYER, "quote REQ-1 SHI International EUR 41k")
    assert proc(BUYER, "close REQ-1 won signed at 40k") == (
        "REQ-1 is closed (won). Record its new term with the button in its thread."
    )

    # One card, posted once and then edited in place.
    assert len(top_level_posts(bot, ALPHA)) == 1
    card = proc.card(1)
    assert card.ts == bot.api.calls_to("chat.postMessage")[0].params.get("ts", card.ts)
    updates = [c for c in bot.api.calls_to("chat.update") if c.params["ts"] == card.ts]
    assert len(updates) == 4  # qualified, assigned, updated (last update, next due), closed
    assert "won" in blocks_text(card.blocks).lower()
    assert card_post["channel"] == ALPHA

    thread = proc.thread(1)
    texts = [m.text for m in thread]
    assert len(thread) == 7
    assert texts[0].startswith(":white_check_mark: Qualified by <@U0ANA0001>")
    assert texts[1].startswith(":handshake: Assigned to <@U0BUY0001> by <@U0ANA0001>")
    assert "Negotiation TAT: 15 days" in texts[1]
    assert texts[2].startswith(":memo: *Update* from <@U0BUY0001>:\n>Vendor came back at 45k")
    assert "*SHI International* — €41,000 (1 competing quote so far)" in texts[3]
    assert texts[4] == ":trophy: Closed *won* by <@U0BUY0001>: signed at 40k"
    # Issue 34: the buyer is asked which levers worked; the analysts, for the new term.
    assert texts[5].startswith("<@U0BUY0001> :trophy: REQ-1 was won — which levers worked?")
    assert texts[6].startswith(":memo: <@U0ANA0001> REQ-1 was won: record the new term")

    status = proc.answer(EM, "status 1")
    timeline = blocks_text(status["blocks"])
    steps = timeline.split("*Timeline*", 1)[1]
    lines = [line for line in steps.splitlines() if line.startswith("<!date^")]
    assert [line.split(" · ", 1)[1] for line in lines] == [
        "<@U0ANA0001> opened the request: Acme Corp · Figma (new)",
        "<@U0ANA0001> qualified it",
        "<@U0ANA0001> assigned it: to <@U0BUY0001>",
        "<@U0BUY0001> posted an update: Vendor came back at 45k, pushing for 40k",
        "<@U0BUY0001> recorded a quote: SHI International: €41,000",
        "<@U0BUY0001> closed it: won: signed at 40k",
    ]
    # Each step's date is a token in the reader's zone, the POD's date and time as fallback.
    assert lines[0].startswith(time_token(datetime(2026, 11, 23, 15, 0, tzinfo=UTC)) + " · ")
    assert lines[0].startswith("<!date^1795446000^{date_short} {time}|Nov 23, 2026 20:30 IST>")


def test_the_full_life_of_a_renewal_across_a_dst_change(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    clock.set(datetime(2027, 2, 1, 15, 0, tzinfo=UTC))  # Monday 10:00 in New York (EST)
    reply = proc(BETA_ANALYST, "new Globex | Salesforce | renewal | 1.2m | 2027-04-30", BETA)
    assert reply.startswith("Created *REQ-1*")
    request = proc.request(1)
    assert (request.kind, request.amount, request.renewal_date) == (
        "renewal",
        Decimal("1200000"),
        date(2027, 4, 30),
    )
    proc(BETA_ANALYST, "qualify REQ-1", BETA)
    proc(BETA_ANALYST, f"assign REQ-1 <@{BETA_BUYER}>", BETA)
    # 60 days later is 2 April, after DST began: still 10:00 local, now EDT (UTC-4).
    assert proc.request(1).tat_due_at == datetime(2027, 4, 2, 14, 0, tzinfo=UTC)
    assert "Negotiation TAT: 60 days" in proc.thread(1)[1].text
    proc(BETA_BUYER, "close REQ-1 lost vendor would not move", BETA)
    request = proc.request(1)
    assert (request.stage, request.outcome, request.resolution_note) == (
        "closed",
        "lost",
        "vendor would not move",
    )
    assert len(top_level_posts(bot, BETA)) == 1
    assert [m.text.split(" ")[0] for m in proc.thread(1)] == [
        ":white_check_mark:",
        ":handshake:",
        ":x:",
    ]


def test_disqualify_records_the_reason(proc: Proc) -> None:
    proc(ANALYST, "new Initech | Jira | new")
    assert proc(ANALYST, "disqualify REQ-1 already covered by the enterprise agreement") == (
        "REQ-1 is disqualified."
    )
    assert proc.request(1).stage == "disqualified"
    assert proc.thread(1)[0].text == (
        ":no_entry: Disqualified by <@U0ANA0001>: already covered by the enterprise agreement"
    )


def test_cancel_from_intake_by_the_em(proc: Proc) -> None:
    proc(ANALYST, "new Initech | Jira | new")
    assert proc(EM, "close 1 cancelled customer withdrew") == "REQ-1 is closed (cancelled)."
    assert proc.request(1).outcome == "cancelled"


def test_reassigning_keeps_the_tat_clock(proc: Proc, clock: ManualClock) -> None:
    proc(ANALYST, "new Acme | Zoom | new")
    proc(ANALYST, "qualify 1")
    proc(ANALYST, f"assign 1 <@{BUYER}>")
    due = proc.request(1).tat_due_at
    clock.advance(timedelta(days=2))
    assert "assigned to <@U0EM00001>" in proc(ANALYST, f"assign 1 <@{EM}>")
    request = proc.request(1)
    assert request.buyer_id == EM and request.tat_due_at == due
    assert proc.thread(1)[-1].text.startswith(
        ":arrows_counterclockwise: Reassigned from <@U0BUY0001>"
    )


def test_parallel_negotiation_warns_and_mentions_analyst_and_em(
    bot: RunningBot, proc: Proc
) -> None:
    proc(ANALYST, "new Acme | Figma | new")
    reply = proc(EM, "new ACME | figma | renewal | again")
    assert reply.startswith("Created *REQ-2*")
    assert "REQ-1 is already open for ACME · figma: parallel negotiation?" in reply
    warning = proc.thread(1)[-1].text
    assert warning.startswith(":warning: <@U0ANA0001> <@U0EM00001> Parallel negotiation?")
    assert "REQ-2" in warning
    assert len(top_level_posts(bot, ALPHA)) == 2  # both cards


def test_mine_lists_open_requests_with_age_and_tat(proc: Proc, clock: ManualClock) -> None:
    proc(ANALYST, "new Acme | Figma | new")
    proc(ANALYST, "new Globex | Slack | renewal")
    proc(ANALYST, "qualify 1")
    proc(ANALYST, f"assign 1 <@{BUYER}>")
    clock.advance(timedelta(days=3))
    answer = proc.answer(BUYER, "mine")
    text = blocks_text(answer["blocks"])
    assert "REQ-1" in text and "REQ-2" not in text
    # Assigned Monday with a 15-day TAT; three days later: 12 days left, 3 days old.
    assert "12 days left" in text and "3 days" in text
    assert "REQ-2" in blocks_text(proc.answer(ANALYST, "mine")["blocks"])
    empty = proc.answer(EM, "mine")
    assert "no open requests" in empty["text"].lower()


def test_status_is_ephemeral_and_posts_nothing(bot: RunningBot, proc: Proc) -> None:
    proc(ANALYST, "new Acme | Figma | new")
    before = len(bot.api.calls)
    answer = proc.answer(BUYER, "status REQ-1")
    assert answer["response_type"] == "ephemeral"
    assert "REQ-1" in blocks_text(answer["blocks"])
    assert bot.api.calls[before:] == []
