"""Issue 34 in the demo: each POD's itemised quotes, three placed among five, six and seven
earlier deals (their percentiles; the last one in another currency, converted at the imported
rate), the earlier ones saying the sample is still too small; a savings claim's final price
per seat placed among the deals; and the seat usage imported."""

from __future__ import annotations

import json
from collections import Counter

from sqlalchemy import func, select

from bot.db.models import PodRow, QuoteLine, Request, UsageSnapshot
from tests.sandbox.conftest import READS_THE_DEMO, SeededDemo

pytestmark = READS_THE_DEMO


def test_each_pod_has_itemised_quotes_and_a_percentile(demo: SeededDemo) -> None:
    assert demo.problems == []
    runtime = demo.sandbox.runtime
    assert runtime is not None
    with runtime.db.reading() as session:
        lines = Counter(
            session.scalars(
                select(PodRow.key)
                .select_from(QuoteLine)
                .join(Request, Request.id == QuoteLine.request_id)
                .join(PodRow, PodRow.id == Request.pod_id)
            )
        )
        usage = session.scalar(select(func.count()).select_from(UsageSnapshot))
    assert lines and set(lines.values()) == {8}
    assert usage == 5 * len(lines)
    posted = [str(c.params.get("text")) for c in demo.sandbox.api.calls_to("chat.postMessage")]
    benchmarks = [text for text in posted if text.startswith(":bar_chart: ")]
    assert len(benchmarks) == 8 * len(lines)
    assert sum("percentile of 5 " in text for text in benchmarks) == len(lines)
    assert sum("percentile of 6 " in text for text in benchmarks) == len(lines)
    converted = [text for text in benchmarks if "percentile of 7 " in text]
    assert len(converted) == len(lines) and all("EUR→" in text for text in converted)
    assert sum("(a benchmark needs 5), so no percentile yet" in text for text in benchmarks) == (
        5 * len(lines)
    )


def test_a_claim_on_an_itemised_request_shows_its_final_price_percentile(demo: SeededDemo) -> None:
    """Each POD's "due" renewal (100 seats, from its itemised quotes) has a claim waiting: its
    final price per seat among the five earlier Enterprise deals for the tool."""
    runtime = demo.sandbox.runtime
    assert runtime is not None
    pods = len(runtime.config.pods)
    claims = [
        json.dumps(c.params.get("blocks"), ensure_ascii=False)
        for c in demo.sandbox.api.calls_to("chat.postMessage")
        if "savings_approve" in json.dumps(c.params.get("blocks"))
    ]
    finals = [text for text in claims if ":dart: Final " in text]
    assert len(finals) == pods, finals
    assert all("/seat/yr · " in text and "percentile of 5 " in text for text in finals)
    assert all(" Enterprise deals" in text for text in finals), finals


def test_the_demo_renewal_cards_show_seat_usage(demo: SeededDemo) -> None:
    """The first customer's renewal of its main tool: 71 of 120 seats active (59 %, ⚠️),
    right-size target 79 (the default 10 % headroom)."""
    cards = [
        json.dumps(c.params.get("blocks"), ensure_ascii=False)
        for c in demo.sandbox.api.calls_to("chat.update")
        + demo.sandbox.api.calls_to("chat.postMessage")
    ]
    shown = [text for text in cards if "120 seats · 71 active (59 %)" in text]
    # The card (and the check-in pack's renewal line, unlabelled).
    assert any("*Usage:* :warning: 120 seats · 71 active (59 %) as of " in text for text in shown)
    assert all(":warning: 120 seats · 71 active (59 %) as of " in text for text in shown)
    assert all("right-size target 79" in text for text in shown)
