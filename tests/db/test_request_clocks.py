"""Each request's clocks (`bot.db.request_clocks`, issue 26): requests and updates written
around the use cases are unrecorded until a process starts or `podbot db restate --config`
records them; until then `/proc stats` judges the quarter's requests row by row, after it
counts them in SQL, with the same figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from bot.config import load_config
from bot.db import kpis, request_clocks
from bot.db.models import PodRow, Request, RequestEvent
from bot.db.pods import sync_pods
from bot.db.session import Database
from bot.domain.lifecycle import negotiation_due, qualification_due
from bot.domain.quarters import quarter_of
from bot.domain.scorecard import member_scorecard, pod_scorecard
from tests.conftest import TEST_CONFIG
from tests.helpers.commandline import podbot

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # a Monday


def test_restate_records_the_request_clocks_and_the_figures_stay_the_same(
    database_url: str,
) -> None:
    config = load_config(TEST_CONFIG)
    pod = config.pods[0]
    buyer = pod.members_with("buyer")[0]
    analyst = pod.members_with("analyst")[0]
    db = Database(database_url)
    with db.transaction() as session:
        sync_pods(session, config)
        pod_id = session.scalars(select(PodRow.id).where(PodRow.key == pod.key)).one()
        # Created on a Friday: qualified after the weekend, or never; assigned, updated, one
        # closed won and one still negotiating.
        for n, (closed, qualified) in enumerate(((True, True), (False, False), (True, False))):
            created = datetime(2026, 10, 16 + 7 * n, 11, tzinfo=UTC)
            assigned = created + timedelta(days=3)
            request_id = session.execute(
                insert(Request.__table__).returning(Request.__table__.c.id),
                dict(
                    pod_id=pod_id, customer="Acme", tool=f"Tool {n}", type="new",
                    stage="closed" if closed else "negotiating",
                    outcome="won" if closed else None, currency="USD", created_by=analyst,
                    analyst_id=analyst, buyer_id=buyer, created_at=created,
                    qualification_due_at=created,
                    qualified_at=created + timedelta(days=3) if qualified else None,
                    assigned_at=assigned, tat_due_at=assigned + timedelta(days=15),
                    closed_at=assigned + timedelta(days=20) if closed else None,
                    updated_at=created,
                ),
            ).scalar_one()  # fmt: skip
            for day in (1, 2, 2, 5, 6):
                session.execute(insert(RequestEvent.__table__), dict(
                    request_id=request_id, at=assigned + timedelta(days=day), actor=buyer,
                    kind="update",
                ))  # fmt: skip
    quarter = quarter_of(NOW.astimezone(pod.zone).date())
    analysts = pod.members_with("analyst")

    def cards(facts: kpis.KpiFacts) -> list[object]:
        return [pod_scorecard(facts, pod.key, analysts)] + [
            member_scorecard(facts, member, role) for member, role in pod.members.items()
        ]

    with db.reading() as session:
        before = kpis.load_facts(session, config, pod, quarter, NOW)
    assert before.qualification is None and before.tat is None and before.cadence is None
    url = db.engine.url.render_as_string(hide_password=False)
    restated = podbot("db", "restate", "--config", str(TEST_CONFIG), "--database-url", url)
    assert restated.returncode == 0, restated.stderr
    assert restated.stdout.endswith("Recorded the request clocks of 18 rows.\n")
    with db.reading() as session:
        rows = session.execute(
            select(Request.created_at, Request.assigned_at, Request.closed_at,
                   Request.triage_due_by, Request.tat_due_by, Request.cadence_from,
                   Request.cadence_stop)
        ).all()  # fmt: skip
        days = session.scalars(select(RequestEvent.work_day)).all()
        after = kpis.load_facts(session, config, pod, quarter, NOW)
    clocks = config.clocks
    for created, assigned, closed, triage, tat, start, stop in rows:
        assert triage == qualification_due(pod.calendar, created, clocks.qualification_hours)
        assert tat == negotiation_due(pod.timezone, assigned, clocks.tat_days["new"])
        assert start == request_clocks.cadence_from(pod.calendar, assigned)
        assert stop == (request_clocks.day_number(pod.calendar, closed) if closed else None)
    assert all(day is not None for day in days) and -1 in days  # a Sunday's update
    assert after.qualification is not None and after.tat is not None
    assert after.cadence is not None and after.updates == ()
    for a, b in zip(cards(after), cards(before), strict=True):
        for x, y in zip(a.lines, b.lines, strict=True):  # type: ignore[attr-defined]
            assert x == y
    db.dispose()
