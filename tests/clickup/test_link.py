"""`/proc link REQ clickup <task>` (issue 31) links a request to a task ClickUp has, which is
told the REQ key; a task deleted in ClickUp parks its rows with one log line and a note in
the card's thread, and nothing more is queued for it. Here `task_on = "assign"`: a new
request gets no task of its own."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

import pytest
from sqlalchemy import select

from bot.config import Config
from bot.db.models import ClickUpLink, OutboxRow
from slackfake.web_api import SlackApiServer
from tests.clickup.conftest import (
    DANA,
    LIST,
    REQ_FIELD,
    clickup_config,
    make_clickup,
    start_clickup_bot,
)
from tests.commands.conftest import ANALYST
from tests.conftest import RunningBot
from tests.helpers.simulated import SimulatedTime
from tests.helpers.webhook import Life


@pytest.fixture
def test_config() -> Config:
    config = clickup_config()
    assert config.clickup is not None
    return replace(config, clickup=replace(config.clickup, task_on="assign"))


def test_link_then_a_task_deleted_in_clickup_parks_its_rows_once(
    start_bot: Callable[..., RunningBot],
    sqlite_url: str,
    slack_api: SlackApiServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    time = SimulatedTime()
    with make_clickup(clock=time.seconds) as clickup:
        bot = start_clickup_bot(start_bot, sqlite_url, slack_api, clickup, simulated=time)
        life = Life(bot, clickup, time)
        life.proc(ANALYST, "new Acme Corp | Figma | new")
        assert clickup.tasks(LIST) == []  # tasks come at assign
        task = clickup.add_task(LIST, "Acme · Figma renewal")["id"]
        assert life.proc(ANALYST, "link 1 clickup nope nope").startswith(
            ":warning: Give the ClickUp task"
        )
        answer = life.proc(ANALYST, f"link REQ-1 clickup <https://app.clickup.com/t/{task}>")
        assert answer.startswith(f"Linked *REQ-1* to ClickUp task `{task}`")
        again = life.proc(ANALYST, f"link REQ-1 clickup {task}")
        assert again.startswith(f":warning: REQ-1 is linked to ClickUp task `{task}` already")
        fields = clickup.task(task)["custom_fields"]
        assert [f.get("value") for f in fields if f["id"] == REQ_FIELD] == ["REQ-1"]

        clickup.delete_task_as(task, DANA)
        with caplog.at_level(logging.ERROR, logger="bot.slack.worker"):
            life.proc(ANALYST, "qualify 1")
        parked = [r for r in caplog.records if "parked" in r.getMessage()]
        assert len(parked) == 1 and "task_deleted" in parked[0].getMessage()
        notes = [m.text for m in life.thread() if "was deleted in ClickUp" in m.text]
        assert len(notes) == 1
        calls = len(clickup.calls)
        life.proc(ANALYST, "assign 1 <@U0BUY0001>")
        assert len(clickup.calls) == calls  # nothing more for a deleted task
        with bot.db.reading() as session:
            assert session.scalars(select(ClickUpLink.state)).one() == "deleted"
            kinds = session.scalars(
                select(OutboxRow.last_error).where(OutboxRow.status == "parked")
            ).all()
        assert kinds and set(kinds) == {"task_deleted"}
