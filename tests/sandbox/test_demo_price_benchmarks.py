"""Issue 34 in the demo: each POD's itemised quotes, the last one placed among five earlier
deals (its percentile), the earlier ones saying the sample is still too small."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select

from bot.db.models import PodRow, QuoteLine, Request
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
    assert lines and set(lines.values()) == {6}
    posted = [str(c.params.get("text")) for c in demo.sandbox.api.calls_to("chat.postMessage")]
    benchmarks = [text for text in posted if text.startswith(":bar_chart: ")]
    assert len(benchmarks) == 6 * len(lines)
    assert sum("percentile of 5 " in text for text in benchmarks) == len(lines)
    assert sum("(a benchmark needs 5), so no percentile yet" in text for text in benchmarks) == (
        5 * len(lines)
    )
