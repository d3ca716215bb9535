"""Issue 35 in the demo: each POD's catch-up pack (its sections, chart and CSV in the thread)
and the month's leadership report in the leadership channel."""

from __future__ import annotations

from tests.sandbox.conftest import BENGALURU, READS_THE_DEMO, SeededDemo

pytestmark = READS_THE_DEMO


def test_the_demo_shows_a_catchup_pack_and_the_leadership_report(demo: SeededDemo) -> None:
    assert demo.problems == []
    api = demo.sandbox.api
    (pack,) = [m for m in api.messages(BENGALURU) if m.text.startswith("POD catch-up")]
    thread = [m.text for m in api.thread(BENGALURU, pack.ts) if m.text]
    assert [text.split("\n", 1)[0] for text in thread] == [
        "*ATS trend*", "*Health and sentiment*", "*People matrix*", "*Requests audit*",
        "*Data abnormalities*",
    ]  # fmt: skip
    trend = thread[0]
    assert " renewed down " in trend and " sunset " in trend and "Notion offline +" in trend, trend
    assert "• no handover date: *" in thread[4], thread[4]
    files = sorted(f.filename for f in api.files.values() if f.thread_ts == pack.ts)
    assert sorted(name.rsplit(".", 1)[1] for name in files) == ["csv", "png"], files
    lead = demo.sandbox.config.leadership.channel
    assert lead is not None
    (report,) = [m for m in api.messages(lead) if not m.thread_ts]
    assert report.text.startswith("Leadership report "), report.text
    attached = sorted(
        f.filename.rsplit(".", 1)[1] for f in api.files.values() if f.thread_ts == report.ts
    )
    assert attached == ["csv", "eml"]
