"""`weekly-digest`: Mondays at 09:00 POD time, the POD's scorecard (the lines of `/proc stats
pod`) in its channel, and in the post's thread three PNG charts and the KPI CSV."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import TYPE_CHECKING

from bot.blocks.charts import Chart, chart_plans, render_chart
from bot.blocks.stats import kpi_csv, stats_blocks, stats_text
from bot.blocks.text import plain_date, plural, slack_date
from bot.config import Pod
from bot.db.compliance import overrides_between
from bot.db.kpis import ALL, load_facts
from bot.db.open_items import open_items
from bot.db.people import names_of
from bot.domain.aging import aging_lines
from bot.domain.digest import DigestCharts, digest_charts, week_period
from bot.domain.mentions import defuse_broadcasts
from bot.domain.quarters import quarter_of
from bot.domain.scorecard import Scorecard, pod_scorecards
from bot.jobs import register
from bot.jobs.runner import JobContext, weekly_job

if TYPE_CHECKING:
    from bot.runtime import Runtime

log = logging.getLogger(__name__)

NAME = "weekly-digest"
DIGEST_DAY = "mon"
DIGEST_AT = time(9, 0)
# Charts are CPU work under one GIL (and matplotlib's rc settings are process-wide): one POD's
# digest is drawn at a time.
_DRAWING = threading.Lock()


def build_digest(
    runtime: Runtime, pod: Pod, now: datetime
) -> tuple[str, list[Scorecard], DigestCharts]:
    """The post's text (`/proc stats pod`'s lines), every scorecard of the quarter (for the
    CSV) and the charts' data, for one POD at `now`."""
    today = now.astimezone(pod.zone).date()
    quarter = quarter_of(today, pod.fiscal_year_start_month)
    with runtime.db.reading() as session:
        facts = load_facts(session, runtime.config, pod, quarter, now, customers=ALL)
        items = open_items(session, pod.key)
        # Issue 33: the em's overrides of the close guards over the last seven days.
        overridden = overrides_between(session, pod.key, now - timedelta(days=7), now)
    cards = pod_scorecards(facts, pod.key, pod.members)
    lines = aging_lines(items, now, pod.calendar, runtime.config.clocks.update_hours)
    text = stats_text(cards[0], pod.name, str(quarter), slack_date(today, pod.timezone))
    if overridden:
        text += f"\n*Close guards overridden this week* ({len(overridden)}):" + "".join(
            f"\n• {key} by <@{em}> {slack_date(at, pod.timezone)}: {defuse_broadcasts(reason)}"
            for key, em, reason, at in overridden
        )
    return text, cards, digest_charts(facts, pod.members, lines)


def _body(context: JobContext) -> str:
    pod, now = context.pod, context.now
    text, cards, data = build_digest(context.runtime, pod, now)
    # The post mentions people (Slack renders those); the charts and the CSV name them.
    with context.runtime.db.reading() as session:
        names = names_of(session, pod.members)
    week = week_period(now.astimezone(pod.zone).date())
    shown = f"*Weekly digest* · week {week}\n{text}"
    command = context.runtime.config.slack.command
    parent = context.post(
        pod.channel, f"Weekly digest {pod.name} {week}", stats_blocks(shown, command),
        snapshot=f"weekly-digest:{pod.key}",  # the quarter so far: a newer week's replaces it
    )  # fmt: skip
    charts, failed = _draw_charts(data, pod, week, names)
    for chart in charts:
        context.upload(
            pod.channel,
            f"digest-{pod.key}-{week}-{chart.name}.png",
            chart.png,
            title=chart.title,
            thread=parent,
            alt_text=chart.alt_text,
        )
    context.upload(
        pod.channel,
        f"kpis-{pod.key}-{week}.csv",
        kpi_csv(cards, names).encode("utf-8"),
        title=f"KPIs {pod.name} {data.quarter} (as of {plain_date(data.as_of)})",
        thread=parent,
    )
    said = f"queued the digest with {plural(len(charts), 'chart')} and the KPI CSV"
    return said + (f"; not drawn: {', '.join(failed)} (see the log)" if failed else "")


def _draw_charts(
    data: DigestCharts, pod: Pod, week: str, names: Mapping[str, str]
) -> tuple[list[Chart], list[str]]:
    """Each chart drawn on its own: one matplotlib cannot draw is logged once and left out,
    and the post, the other charts and the CSV go as planned. Returns the charts drawn and
    the names of those that failed."""
    charts: list[Chart] = []
    failed: list[str] = []
    with _DRAWING:
        for plan in chart_plans(data, pod.name, names):
            try:
                charts.append(render_chart(plan))
            except Exception:
                log.exception(
                    "weekly-digest %s %s: the %s chart could not be drawn; posting without it",
                    pod.key, week, plan.name,
                )  # fmt: skip
                failed.append(plan.name)
    return charts, failed


SPEC = register(
    weekly_job(
        NAME,
        "the POD's scorecard, with charts and the KPI CSV in its thread",
        _body,
        day=lambda pod: DIGEST_DAY,
        at=lambda pod: DIGEST_AT,
    )
)
