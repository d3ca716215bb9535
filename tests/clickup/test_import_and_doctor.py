"""Issue 31 must-show: `podbot import clickup --list ID [--check]` names each bad task and
imports nothing then; the real import creates the requests with their cards and tells each
task its REQ key — 50 requests in a burst past ClickUp's rate limit, every 429 waited out,
nothing lost — and running it again changes nothing. `podbot doctor` reports a wrong list
id, a status the list does not have, and a missing webhook."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select

from bot.clickup import admin
from bot.clickup.client import ClickUpApi
from bot.config import Settings
from bot.db.models import ClickUpLink, Request
from slackfake.web_api import SlackApiServer
from tests.clickup.conftest import (
    DANA,
    LIST,
    MAPPING,
    REQ_FIELD,
    TOKEN,
    clickup_config,
    make_clickup,
    start_clickup_bot,
)  # fmt: skip
from tests.commands.conftest import ALPHA
from tests.conftest import RunningBot
from tests.helpers.simulated import SimulatedTime

BURST = 50


def test_import_names_bad_tasks_then_imports_all_at_clickups_pace_once(
    start_bot: Callable[..., RunningBot],
    sqlite_url: str,
    slack_api: SlackApiServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PODBOT_DELIVERY_MAX_BACKOFF", "2")
    time = SimulatedTime()
    with make_clickup(clock=time.seconds) as clickup:
        bot = start_clickup_bot(start_bot, sqlite_url, slack_api, clickup, simulated=time)
        good = [
            clickup.add_task(LIST, f"Customer {n} · Tool {n}", status="to do")["id"]
            for n in range(1, BURST + 1)
        ]
        nameless = clickup.add_task(LIST, "Renewal stuff", status="to do")["id"]
        lost = clickup.add_task(LIST, "Beta Co · Miro", status="closed lost")["id"]
        unowned = clickup.add_task(LIST, "Gamma · Zoom", status="in progress")["id"]

        plan = admin.plan_import(bot.runtime, LIST)
        assert {(e.task_id, e.reason) for e in plan.errors} == {
            (nameless, 'its name is not "Customer · Tool"'),
            (lost, 'its status "closed lost" maps to no open stage (pods[].clickup.statuses)'),
            (unowned, "it is under way but assigned to no buyer of the POD (matched by email)"),
        }
        with bot.db.reading() as session:
            assert session.scalar(select(func.count(Request.id))) == 0

        for task in (nameless, lost, unowned):
            clickup.delete_task_as(task, DANA)
        clickup.rate_limit(per_minute=20)
        plan = admin.plan_import(bot.runtime, LIST)
        assert plan.errors == [] and len(plan.rows) == BURST
        created = admin.run_import(bot.runtime, plan, LIST)
        assert len(created) == BURST
        worker = bot.runtime.outbox_worker
        spent = time.run_until(lambda: worker.pending() == 0, limit=600)

        fields = clickup.calls_to("POST", r"/task/[^/]+/field/" + REQ_FIELD)
        assert sum(c.status == 429 for c in fields) > 0, "ClickUp's limit was met"
        assert sorted(c.path.split("/")[2] for c in fields if c.ok) == sorted(good)
        assert spent >= 60  # 50 calls at 20 a minute: waited out, not lost
        for task in good:
            values = [f.get("value") for f in clickup.task(task)["custom_fields"]]
            assert values[0].startswith("REQ-")
        cards = [m for m in bot.api.messages(ALPHA) if not m.thread_ts]
        assert len(cards) == BURST

        calls = len(clickup.calls)
        again = admin.plan_import(bot.runtime, LIST)
        assert again.rows == [] and len(again.known) == BURST and again.errors == []
        assert admin.run_import(bot.runtime, again, LIST) == []
        time.run_until(lambda: worker.pending() == 0, limit=60)
        assert len(clickup.calls) == calls + 1  # the one read of the list
        with bot.db.reading() as session:
            assert session.scalar(select(func.count(Request.id))) == BURST
            assert session.scalar(select(func.count(ClickUpLink.request_id))) == BURST


def test_doctor_reports_a_wrong_list_an_unmapped_status_and_a_missing_webhook() -> None:
    with make_clickup() as clickup:
        settings = Settings(clickup_token=TOKEN, clickup_api_url=clickup.url)
        api = ClickUpApi(clickup.url, TOKEN)
        config = clickup_config()
        found = admin.checks(config, settings, api)
        assert [c.text for c in found if not c.ok] == [
            "alpha: no active ClickUp webhook on list 901: `podbot clickup webhook create "
            "--list 901 --endpoint https://…/clickup/webhook`"
        ]
        wrong = clickup_config(list_id="999")
        problems = [c.text for c in admin.checks(wrong, settings, api) if not c.ok]
        assert problems[0].startswith("pods[0].clickup.list_id: ClickUp has no list 999")
        unmapped = clickup_config({**MAPPING, "negotiating": "doing"})
        problems = [c.text for c in admin.checks(unmapped, settings, api) if not c.ok]
        assert problems[0].startswith(
            "pods[0].clickup.statuses: list 901 has no status negotiating = 'doing'"
        )
        hook = clickup.add_webhook(
            "9001", 100, "https://podbot.example/clickup/webhook", list_id=LIST
        )
        assert all(c.ok for c in admin.checks(config, settings, api))
        foreign = [c.text for c in admin.checks(config, settings, api, set()) if not c.ok]
        assert foreign == [
            "alpha: the webhook on list 901 is not podbot's (its secret is not in the database): "
            "its events are refused; `podbot clickup webhook create --list 901 --endpoint …` "
            "makes one"
        ]
        assert all(c.ok for c in admin.checks(config, settings, api, {hook["id"]}))
        no_token = admin.checks(config, Settings(), None)
        assert [c.ok for c in no_token] == [False]
