"""Issue 27 item 3, people by name: `people-refresh` looks the POD's members up with `users.info`
and the weekly digest's charts (axes and alt text) and KPI CSV name them, where a Slack mention
does not render; the post keeps its mentions. A member Slack cannot name keeps their id."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.blocks.charts import drawn as charts_drawn
from bot.db.models import JobRun
from bot.db.people import names_of
from bot.jobs import JOBS, weekly_digest
from tests.commands.conftest import ANALYST, BUYER, CSM, EM
from tests.conftest import RunningBot
from tests.helpers.people_refresh import digest_files, lookups
from tests.helpers.stats import seed
from tests.helpers.weekly_digest_job import NOW
from tests.jobs.conftest import run_job

ALPHA_MEMBERS = sorted([EM, BUYER, ANALYST, CSM])


@pytest.fixture
def plans(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The chart plans the digest job drew, as it made them."""
    made: list[Any] = []
    original = weekly_digest.chart_plans

    def spy(*args: Any, **kwargs: Any) -> Any:
        result = original(*args, **kwargs)
        made.extend(result)
        return result

    monkeypatch.setattr(weekly_digest, "chart_plans", spy)
    return made


def refresh(bot: RunningBot, pod: str = "alpha", **options: Any) -> Any:
    return run_job(bot.runtime, JOBS["people-refresh"], bot.runtime.config.pod(pod), **options)


def tick_labels(plan: Any) -> list[str]:
    with charts_drawn(plan.plot) as figure:
        figure.canvas.draw()
        (axes,) = figure.axes
        return [label.get_text() for label in axes.get_xticklabels()]


def test_the_kpi_csv_and_chart_data_name_people_by_display_name(
    bot: RunningBot, plans: list[Any]
) -> None:
    seed(bot)
    api = bot.api
    # The name a member chose comes first; without one (Slack leaves it ""), the full name.
    api.add_user(BUYER, name="rohan", real_name="Rohan Mehta", display_name="Ro")
    api.add_user(EM, name="ananya", real_name="Ananya Rao", display_name="")
    api.add_user(ANALYST, name="kavya", real_name="Kavya Iyer", display_name="Kavya")
    api.add_user(CSM, name="priya", real_name="Priya Sharma")  # display name: the handle

    outcome = refresh(bot, now=NOW)
    assert outcome == "people-refresh alpha 2026-11-23: 4 names looked up"
    # One users.info per member, each naming its `user`, as Slack requires.
    assert sorted(lookups(bot)) == ALPHA_MEMBERS
    post, files, rows = digest_files(bot)

    # The KPI CSV keeps the ids as subjects and names each member a row is about.
    assert rows[("member", BUYER, "savings_quota")]["person"] == "Ro"
    assert rows[("member", EM, "savings_quota")]["person"] == "Ananya Rao"
    assert rows[("member", CSM, "reply_time")]["person"] == "priya"
    assert rows[("pod", f"alpha/{ANALYST}", "qualification")]["person"] == "Kavya"
    assert rows[("pod", "alpha", "net_savings")]["person"] == ""
    assert rows[("customer", "Acme Corp", "msg")]["person"] == ""
    assert {r["person"] for (scope, _, _), r in rows.items() if scope == "member"} == {
        "Ro", "Ananya Rao", "Kavya", "priya"
    }  # fmt: skip

    # The savings chart's alt text and its axis name the buyers; no id is left in either.
    savings = files["digest-alpha-2026-W48-savings.png"]
    assert "Ro $32,000 of $50,000 (64.0%)" in savings.alt_txt
    assert "Ananya Rao $0" in savings.alt_txt
    assert "U0" not in savings.alt_txt
    (drawn,) = [p for p in plans if p.name == "savings"]
    assert drawn.alt_text == savings.alt_txt
    assert sorted(tick_labels(drawn)) == ["Ananya Rao", "Ro"]

    # The post itself keeps its mentions: Slack renders those.
    shown = "\n".join(b["text"]["text"] for b in post.blocks if "text" in b)
    assert f"<@{ANALYST}>" in shown and "Kavya" not in shown


def test_a_member_users_info_cannot_resolve_keeps_their_id_and_the_job_does_not_fail(
    bot: RunningBot, plans: list[Any], caplog: pytest.LogCaptureFixture
) -> None:
    seed(bot)
    api = bot.api
    api.add_user(BUYER, name="rohan", real_name="Rohan Mehta", display_name="Ro")
    api.add_user(ANALYST, name="kavya", real_name="Kavya Iyer", display_name="Kavya")
    # The em and the csm are not in the workspace (user_not_found); the first lookup, the
    # analyst's (ids are looked up in order), fails with another error.
    api.fail("users.info", error="fatal_error")

    with caplog.at_level(logging.WARNING, logger="bot.jobs.people_refresh"):
        outcome = refresh(bot, now=NOW)
    assert outcome.outcome == "ok"
    assert outcome == (
        "people-refresh alpha 2026-11-23: 1 name looked up; 3 kept as before (see the log)"
    )
    assert lookups(bot) == ALPHA_MEMBERS  # the failures stopped nobody's lookup
    warnings = sorted(r.getMessage() for r in caplog.records if r.name == "bot.jobs.people_refresh")
    assert warnings == [
        f"people-refresh alpha: users.info could not name {ANALYST} (fatal_error); they keep "
        "their id or old name",
        f"people-refresh alpha: users.info could not name {CSM} (user_not_found); they keep "
        "their id or old name",
        f"people-refresh alpha: users.info could not name {EM} (user_not_found); they keep "
        "their id or old name",
    ]
    with bot.db.reading() as session:
        runs = session.scalars(select(JobRun.period).where(JobRun.job == "people-refresh"))
        assert list(runs) == ["2026-11-23"]
    # At most daily: the same day is done; the next day asks again.
    assert refresh(bot, now=NOW + timedelta(hours=2)).endswith("already done")
    assert len(lookups(bot)) == 4

    _, files, rows = digest_files(bot)
    assert rows[("member", BUYER, "savings_quota")]["person"] == "Ro"
    assert rows[("member", EM, "savings_quota")]["person"] == EM
    assert rows[("pod", f"alpha/{ANALYST}", "qualification")]["person"] == ANALYST
    savings = files["digest-alpha-2026-W48-savings.png"]
    assert "Ro $32,000 of $50,000 (64.0%)" in savings.alt_txt
    assert f"{EM} $0" in savings.alt_txt
    (drawn,) = [p for p in plans if p.name == "savings"]
    assert sorted(tick_labels(drawn)) == ["Ro", EM]

    # The next day asks everyone again: the analyst, whom Slack could not name, now is.
    refresh(bot, now=NOW + timedelta(days=1))
    assert lookups(bot)[4:] == ALPHA_MEMBERS
    with bot.db.reading() as session:
        assert names_of(session, ALPHA_MEMBERS) == {
            ANALYST: "Kavya", BUYER: "Ro", CSM: CSM, EM: EM
        }  # fmt: skip


# The WebClient waits out Retry-After: 0 plus up to 1 s, three times.
def test_rate_limited_past_the_retries_the_run_stops_asking_and_the_rest_keep_their_ids(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    for user in ALPHA_MEMBERS:
        bot.api.add_user(user, display_name=f"Name of {user}")
    # Slack answers 429 to the first lookup and to each of the WebClient's three retries.
    bot.api.fail("users.info", retry_after=0, times=4)
    with caplog.at_level(logging.WARNING, logger="bot.jobs.people_refresh"):
        outcome = refresh(bot, now=NOW)
    assert outcome.outcome == "ok"
    assert outcome.endswith(": 0 names looked up; 4 kept as before (see the log)")
    # One member asked four times, nobody else asked: the run did not keep Slack busy.
    calls = bot.api.calls_to("users.info")
    assert [(c.params["user"], c.failed) for c in calls] == [(ALPHA_MEMBERS[0], True)] * 4
    (warning,) = [r.getMessage() for r in caplog.records if r.name == "bot.jobs.people_refresh"]
    assert "rate-limiting users.info; 4 members keep their id or old name" in warning
    # The next day's run names everyone.
    refresh(bot, now=NOW + timedelta(days=1))
    with bot.db.reading() as session:
        assert names_of(session, ALPHA_MEMBERS) == {u: f"Name of {u}" for u in ALPHA_MEMBERS}
