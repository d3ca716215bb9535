"""Each mention's reply clock (`bot.db.reply_clocks`, issue 26): mentions written around the
use case are unrecorded until a process starts or `podbot db restate --config` records them;
until then `/proc stats` counts the quarter's mentions row by row, after it in one aggregate,
with the same figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from bot.config import load_config
from bot.db import kpis
from bot.db.models import PendingResponse, PodRow
from bot.db.pods import sync_pods
from bot.db.session import Database
from bot.domain.kpis import reply_due_by, reply_late_from
from bot.domain.quarters import quarter_of
from bot.domain.scorecard import pod_scorecard
from tests.conftest import TEST_CONFIG
from tests.helpers.commandline import podbot

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # a Monday


def test_restate_records_the_reply_clocks_and_the_figures_stay_the_same(
    database_url: str,
) -> None:
    config = load_config(TEST_CONFIG)
    pod = config.pods[0]
    db = Database(database_url)
    with db.transaction() as session:
        sync_pods(session, config)
        pod_id = session.scalars(select(PodRow.id).where(PodRow.key == pod.key)).one()
        member = next(iter(pod.members))
        # Friday 20 November, 14:00 and 16:00 UTC; answered Monday (over the weekend) or never.
        for n, (hour, answered) in enumerate(((14, True), (16, False), (10, True))):
            at = datetime(2026, 11, 20, hour, tzinfo=UTC) - timedelta(days=7 * (n == 2))
            session.execute(insert(PendingResponse), dict(
                pod_id=pod_id, channel=pod.channel, message_ts=f"{n}.0", thread_ts=f"{n}.0",
                author="U0X", member=member, mentioned_at=at, due_at=at, escalate_at=at,
                state="answered" if answered else "open",
                closed_at=NOW - timedelta(hours=1) if answered else None,
            ))  # fmt: skip
    quarter = quarter_of(NOW.astimezone(pod.zone).date())
    analysts = pod.members_with("analyst")
    with db.reading() as session:
        before = kpis.load_facts(session, config, pod, quarter, NOW)
    assert before.replies is None  # unrecorded: counted from the rows
    url = db.engine.url.render_as_string(hide_password=False)
    restated = podbot("db", "restate", "--config", str(TEST_CONFIG), "--database-url", url)
    assert restated.returncode == 0, restated.stderr
    assert "Recorded the reply clocks of 3 mentions.\n" in restated.stdout
    with db.reading() as session:
        rows = session.execute(
            select(PendingResponse.mentioned_at, PendingResponse.reply_late_from,
                   PendingResponse.reply_due_by)
        ).all()  # fmt: skip
        after = kpis.load_facts(session, config, pod, quarter, NOW)
    hours = config.clocks.response_hours
    for at, late_from, due_by in rows:
        assert late_from == reply_late_from(pod.calendar, at, hours)
        assert due_by == reply_due_by(pod.calendar, at, hours)
    assert after.replies is not None and after.mentions == ()
    assert pod_scorecard(after, pod.key, analysts) == pod_scorecard(before, pod.key, analysts)
    db.dispose()
