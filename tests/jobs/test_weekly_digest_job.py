"""SPEC §5 `weekly-digest`: Mondays 09:00 POD time, once per POD and week, through the outbox:
the POD's scorecard as `/proc stats pod` shows it, and in its thread three PNG charts drawn from
the KPI engine's figures and the KPI CSV."""

from __future__ import annotations

import csv
import io
import struct
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import select

from bot.blocks.charts import CHART_SIZE, chart_plans
from bot.blocks.charts import drawn as charts_drawn
from bot.clock import ManualClock
from bot.db.kpi_reference import load_facts
from bot.db.models import JobRun
from bot.domain.digest import AGE_BUCKETS, age_bucket, week_period
from bot.domain.quarters import Quarter
from bot.domain.scorecard import customer_scorecard, member_scorecard
from bot.jobs import JOBS
from tests.commands.conftest import ALPHA, BUYER, EM, Proc
from tests.conftest import RunningBot
from tests.helpers import weekly_digest_job
from tests.helpers.stats import HINT, POD_LINES, ask, seed
from tests.helpers.weekly_digest_job import NOW, add_account, digests
from tests.jobs.conftest import catch_up, run_job

drawn = weekly_digest_job.drawn

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(content: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk, the first after the signature."""
    assert content[:8] == PNG_SIGNATURE
    length, kind = struct.unpack(">I4s", content[8:16])
    assert kind == b"IHDR" and length == 13
    width, height = struct.unpack(">II", content[16:24])
    return width, height


def test_the_digest_is_posted_once_with_charts_and_the_csv_in_its_thread(
    bot: RunningBot, proc: Proc, clock: ManualClock, drawn: list[Any]
) -> None:
    seed(bot)
    spec = JOBS["weekly-digest"]
    pod = bot.runtime.config.pod("alpha")
    first = run_job(bot.runtime, spec, pod, now=NOW)
    assert first.startswith("weekly-digest alpha 2026-W48: queued the digest with 3 charts")
    assert run_job(bot.runtime, spec, pod, now=NOW + timedelta(hours=1)).endswith("already done")
    # Two catch-up sweeps later in the week: nothing more for alpha.
    assert not [o for o in catch_up(bot.runtime, [spec], NOW + timedelta(days=1)) if "alpha" in o]
    assert not [o for o in catch_up(bot.runtime, [spec], NOW + timedelta(days=2)) if "alpha" in o]

    (post,) = digests(bot)
    with bot.db.transaction() as session:
        runs = session.scalars(select(JobRun).where(JobRun.scope == "alpha")).all()
    assert [(r.job, r.period) for r in runs] == [("weekly-digest", "2026-W48")]

    # The post shows exactly what `/proc stats pod` shows at the same instant.
    *sections, hint = post.blocks
    shown = "\n".join(b["text"]["text"] for b in sections)
    assert shown.split("\n")[0] == "*Weekly digest* · week 2026-W48"
    assert shown.split("\n")[1:] == POD_LINES
    assert ask(proc, EM, "stats pod")["text"].split("\n") == [*POD_LINES, HINT]
    # …and, as under every scorecard, where its words are explained.
    assert hint["type"] == "context" and hint["elements"][0]["text"] == HINT

    files = sorted(
        (f for f in bot.api.files.values() if f.channel == ALPHA), key=lambda f: f.filename
    )
    assert [f.filename for f in files] == [
        "digest-alpha-2026-W48-aging.png",
        "digest-alpha-2026-W48-msg.png",
        "digest-alpha-2026-W48-savings.png",
        "kpis-alpha-2026-W48.csv",
    ]
    assert all(f.thread_ts == post.ts for f in files)
    charts = files[:3]
    for chart in charts:
        assert png_size(chart.content) == CHART_SIZE == (1200, 700)
        assert chart.alt_txt and len(chart.alt_txt) <= 1000
    from matplotlib.image import imread

    pixels = imread(io.BytesIO(charts[2].content), format="png")
    assert pixels.shape[:2] == (700, 1200)

    # The CSV is `podbot report kpis`' for this POD and quarter.
    rows = list(csv.DictReader(io.StringIO(files[3].content.decode("utf-8"))))
    by = {(r["scope"], r["subject"], r["kpi"]): r for r in rows}
    assert by[("pod", "alpha", "net_savings")]["numerator"] == "32000"
    assert by[("member", BUYER, "savings_quota")]["denominator"] == "50000"

    # What the charts were drawn from is the KPI engine's figures at the run's instant.
    (data,) = [data for name, data in drawn if name == "POD Alpha"]
    with bot.db.reading() as session:
        facts = load_facts(session, bot.runtime.config, pod, Quarter(2026, 4, 1), NOW)
    assert data.currency == "USD" and data.quarter == "2026Q4" and data.as_of == date(2026, 11, 23)
    buyers = {b.buyer: b for b in data.buyers}
    assert set(buyers) == {EM, BUYER}
    for member, bar in buyers.items():
        (quota,) = [k for k in member_scorecard(facts, member, "buyer").lines
                    if k.name == "savings_quota"]  # fmt: skip
        assert (bar.target, bar.quota, bar.status) == (
            quota.denominator, quota.value, str(quota.status)
        )  # fmt: skip
        if quota.numerator is not None:
            assert bar.approved == quota.numerator
    assert (buyers[BUYER].approved, buyers[BUYER].target) == (Decimal(32000), Decimal(50000))
    assert "U0BUY0001 $32,000 of $50,000 (64.0%)" in charts[2].alt_txt
    customers = {c.customer: c for c in data.customers}
    for account in facts.accounts:
        (msg,) = [k for k in customer_scorecard(facts, account).lines if k.name == "msg"]
        if msg.value is None:
            assert account.customer not in customers
            continue
        point = customers[account.customer]
        assert (point.share, point.approved, point.msg, point.status) == (
            msg.value, msg.numerator, msg.denominator, str(msg.status)
        )  # fmt: skip
        assert point.days_since_handover == (date(2026, 11, 23) - account.handover_on).days
    assert customers["Acme Corp"].days_since_handover == 39
    # Open requests by age and stage: every open request of the POD, once.
    open_now = ask(proc, EM, "aging")["text"]
    assert data.ages.total == sum(sum(row) for row in data.ages.counts.values())
    assert data.ages.total > 0 and f"{data.ages.total} open" in charts[0].alt_txt
    assert "Aging report" in open_now


def test_the_digest_waits_for_monday_nine_and_is_caught_up_once(bot: RunningBot) -> None:
    spec = JOBS["weekly-digest"]
    # Monday 08:59 in Kolkata is 03:29 UTC (Sunday evening in New York): not yet.
    assert catch_up(bot.runtime, [spec], datetime(2026, 11, 23, 3, 29, tzinfo=UTC)) == []
    # Down over 09:00 in Kolkata, back at 11:00 there: alpha's digest, once.
    eleven = datetime(2026, 11, 23, 5, 30, tzinfo=UTC)
    assert [o.split(":")[0] for o in catch_up(bot.runtime, [spec], eleven)] == [
        "weekly-digest alpha 2026-W48"
    ]
    assert catch_up(bot.runtime, [spec], eleven + timedelta(hours=1)) == []
    # A Monday missed altogether is not caught up on Tuesday.
    tuesday = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)
    assert catch_up(bot.runtime, [spec], tuesday) == []
    assert len(digests(bot)) == 1
    # With nothing recorded yet the charts say so, and still decode at full size.
    pngs = [f for f in bot.api.files.values() if f.filename.endswith(".png")]
    assert len(pngs) == 3 and all(png_size(f.content) == (1200, 700) for f in pngs)


def test_the_week_and_the_age_buckets() -> None:
    assert week_period(date(2026, 11, 23)) == "2026-W48"
    assert week_period(date(2027, 1, 1)) == "2026-W53"
    assert [age_bucket(n) for n in (0, 7, 8, 14, 15, 30, 31, 60, 61, 400)] == [
        AGE_BUCKETS[0][0], AGE_BUCKETS[0][0], AGE_BUCKETS[1][0], AGE_BUCKETS[1][0],
        AGE_BUCKETS[2][0], AGE_BUCKETS[2][0], AGE_BUCKETS[3][0], AGE_BUCKETS[3][0],
        AGE_BUCKETS[4][0], AGE_BUCKETS[4][0],
    ]  # fmt: skip


def test_a_dry_run_posts_nothing(bot: RunningBot) -> None:
    out = io.StringIO()
    run_job(bot.runtime, JOBS["weekly-digest"], bot.runtime.config.pod("alpha"), now=NOW,
            dry_run=True, out=out)  # fmt: skip
    printed = out.getvalue()
    assert "--- file digest-alpha-2026-W48-savings.png (" in printed
    assert bot.api.files == {} and digests(bot) == []


# --- issue 25 item 7: names are drawn as written; one chart that fails is left out ----------


def test_a_customer_named_with_dollars_is_drawn_as_written(
    bot: RunningBot, drawn: list[Any]
) -> None:
    # matplotlib read `$…$` as TeX: "$$$$ Capital" failed the digest at every run (no post, no
    # charts, no CSV) and "Ca$h $aver Stores" was drawn "Cahaver Stores".
    add_account(bot, "$$$$ Capital", date(2026, 10, 1), 10000)
    add_account(bot, "Ca$h $aver Stores", date(2026, 11, 2), 20000)
    pod = bot.runtime.config.pod("alpha")
    outcome = run_job(bot.runtime, JOBS["weekly-digest"], pod, now=NOW)
    assert outcome.endswith(": queued the digest with 3 charts and the KPI CSV")
    (post,) = digests(bot)
    files = {f.filename: f for f in bot.api.files.values() if f.thread_ts == post.ts}
    msg = files["digest-alpha-2026-W48-msg.png"]
    assert png_size(msg.content) == CHART_SIZE
    assert "$$$$ Capital day 53: 0.0%" in msg.alt_txt
    assert "Ca$h $aver Stores day 21: 0.0%" in msg.alt_txt
    csv_rows = list(csv.DictReader(io.StringIO(files["kpis-alpha-2026-W48.csv"].content.decode())))
    assert {"$$$$ Capital", "Ca$h $aver Stores"} <= {r["subject"] for r in csv_rows}

    # What the charts drew: every text of the three figures — titles, labels, tick labels,
    # legends, annotations — is plain text, so each name is drawn as it is written.
    from matplotlib.text import Text

    (data,) = [data for name, data in drawn if name == "POD Alpha"]
    shown: dict[str, list[str]] = {}
    for plan in chart_plans(data, "POD Alpha"):
        with charts_drawn(plan.plot) as figure:
            figure.canvas.draw()
            texts = [t for t in figure.findobj(Text) if t.get_text()]
            assert texts and not [t.get_text() for t in texts if t.get_parse_math()]
            shown[plan.name] = [t.get_text() for t in texts]
    assert {"$$$$ Capital", "Ca$h $aver Stores"} <= set(shown["msg"])


def test_a_chart_that_fails_does_not_stop_the_digest_post_and_csv(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # No data podbot stores can fail a chart once names are plain text (amounts are bounded
    # integers of cents, ages whole days), so matplotlib is made to refuse one: the MSG
    # chart's labels get a coordinate system matplotlib does not know, and it raises when the
    # chart is drawn, as it did for "$$$$ Capital".
    from matplotlib.axes import Axes

    annotate = Axes.annotate

    def refused(self: Axes, text: str, xy: Any, **options: Any) -> Any:
        return annotate(self, text, xy, **{**options, "textcoords": "no such coordinates"})

    monkeypatch.setattr(Axes, "annotate", refused)
    seed(bot)
    pod = bot.runtime.config.pod("alpha")
    with caplog.at_level("ERROR", logger="bot.jobs.weekly_digest"):
        outcome = run_job(bot.runtime, JOBS["weekly-digest"], pod, now=NOW)
        # Later that Monday the run is done: the failure is not retried, nor logged again.
        assert not [o for o in catch_up(bot.runtime, [JOBS["weekly-digest"]],
                                        NOW + timedelta(hours=2)) if "alpha" in o]  # fmt: skip
    assert outcome == (
        "weekly-digest alpha 2026-W48: queued the digest with 2 charts and the KPI CSV; "
        "not drawn: msg (see the log)"
    )
    (post,) = digests(bot)
    assert post.text == "Weekly digest POD Alpha 2026-W48"
    files = sorted((f for f in bot.api.files.values() if f.channel == ALPHA),
                   key=lambda f: f.filename)  # fmt: skip
    assert [(f.filename, f.thread_ts) for f in files] == [
        ("digest-alpha-2026-W48-aging.png", post.ts),
        ("digest-alpha-2026-W48-savings.png", post.ts),
        ("kpis-alpha-2026-W48.csv", post.ts),
    ]
    assert all(png_size(f.content) == CHART_SIZE for f in files[:2])
    rows = list(csv.DictReader(io.StringIO(files[2].content.decode("utf-8"))))
    by = {(r["scope"], r["subject"], r["kpi"]): r for r in rows}
    assert by[("pod", "alpha", "net_savings")]["numerator"] == "32000"
    (logged,) = [r for r in caplog.records if r.name == "bot.jobs.weekly_digest"]
    assert logged.levelname == "ERROR" and logged.exc_info is not None
    assert logged.getMessage() == (
        "weekly-digest alpha 2026-W48: the msg chart could not be drawn; posting without it"
    )
