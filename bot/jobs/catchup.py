"""`catchup` (issue 35): Mondays at the POD's check-in time, the weekly POD catch-up pack —
one post in the POD channel and, in its thread, the pack's sections (ATS trend with the
contracts behind each change and the deficits; health and sentiment with the day last set;
people-matrix coverage; the week's requests audit; data abnormalities), the 12-week ATS chart
and the CSV (`bot/db/catchup.py::build_pack`, `bot/blocks/catchup.py`).

The run writes this week's ATS snapshots the `ats-snapshots` job has not written yet, with
what the pack shows, so the chart's data is the snapshots'. One ledger run per POD and ISO
week (job `catchup`, the POD, `<ISO week>`)."""

from __future__ import annotations

import logging
import threading

from sqlalchemy.orm import Session

from bot.blocks.catchup import catchup_post, catchup_sections, section_message
from bot.blocks.charts import ats_trend_plan, render_chart
from bot.db.ats import take_snapshots
from bot.db.catchup import build_pack
from bot.db.requests import pod_row
from bot.domain.catchup import catchup_csv
from bot.jobs import register
from bot.jobs.runner import JobContext, weekly_job

log = logging.getLogger(__name__)

NAME = "catchup"
CATCHUP_DAY = "mon"
# One chart at a time: matplotlib's rc settings are process-wide.
_DRAWING = threading.Lock()


def _body(context: JobContext) -> str:
    pod, now = context.pod, context.now
    today = now.astimezone(pod.zone).date()
    with context.runtime.db.reading() as session:
        pack = build_pack(session, pod, now)

    def snapshots(session: Session) -> None:
        take_snapshots(session, pod_row(session, pod.key).id, pack.week, today, now)

    context.write(snapshots)
    _text, blocks = catchup_post(pack)
    parent = context.post(pod.channel, f"POD catch-up {pod.name} {pack.week}", blocks)
    for title, lines in catchup_sections(pack):
        said, section = section_message(title, lines)
        context.post(pod.channel, said, section, thread=parent)
    drawn = ""
    plan = ats_trend_plan(pack.series, pod.name, pack.currency)
    try:
        with _DRAWING:
            chart = render_chart(plan)
        context.upload(
            pod.channel, f"catchup-{pod.key}-{pack.week}-ats.png", chart.png, title=chart.title,
            thread=parent, alt_text=chart.alt_text,
        )  # fmt: skip
        drawn = "the ATS chart, "
    except Exception:
        log.exception("catchup %s %s: the ATS chart could not be drawn", pod.key, pack.week)
    context.upload(
        pod.channel, f"catchup-{pod.key}-{pack.week}.csv", catchup_csv(pack).encode("utf-8"),
        title=f"Catch-up {pod.name} {pack.week}", thread=parent,
    )  # fmt: skip
    return f"queued the catch-up pack of {len(pack.trends)} accounts with {drawn}the CSV"


SPEC = register(
    weekly_job(
        NAME,
        "the weekly POD catch-up pack: ATS trend, health and sentiment, people, requests "
        "audit, abnormalities, chart and CSV in its thread",
        _body,
        day=lambda pod: CATCHUP_DAY,
        at=lambda pod: pod.checkin_time,
    )
)
