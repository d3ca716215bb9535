"""Issue 34 in the demo: each POD's itemised quotes, two placed among five and six earlier
deals (their percentiles; the last one in another currency, converted at the imported rate),
the earlier ones saying the sample is still too small; and the seat usage imported."""

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
    assert lines and set(lines.values()) == {7}
    assert usage == 5 * len(lines)
    posted = [str(c.params.get("text")) for c in demo.sandbox.api.calls_to("chat.postMessage")]
    benchmarks = [text for text in posted if text.startswith(":bar_chart: ")]
    assert len(benchmarks) == 7 * len(lines)
    assert sum("percentile of 5 " in text for text in benchmarks) == len(lines)
    converted = [text for text in benchmarks if "percentile of 6 " in text]
    assert len(converted) == len(lines) and all("EUR→" in text for text in converted)
    assert sum("(a benchmark needs 5), so no percentile yet" in text for text in benchmarks) == (
        5 * len(lines)
    )


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
