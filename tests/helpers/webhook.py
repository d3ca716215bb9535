"""Test helpers shared by several test modules: webhook."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.models import ClickUpLink, Request
from clickupfake.api import ClickUpApiServer
from slackfake.web_api import Message
from tests.commands.conftest import ALPHA
from tests.conftest import RunningBot
from tests.helpers.simulated import SimulatedTime

# Moved here from tests/clickup/test_webhook.py by move_helpers.py (issue 28).


class Life:
    """podbot and the ClickUp stand-in on one simulated delivery clock."""

    def __init__(self, bot: RunningBot, clickup: ClickUpApiServer, time: SimulatedTime) -> None:
        self.bot, self.clickup, self.time = bot, clickup, time

    def proc(self, user: str, text: str) -> str:
        response = self.bot.slack.slash_command(text, user_id=user, channel_id=ALPHA)
        assert response.status == 200
        self.settle()
        return str(response.json()["text"])

    def settle(self) -> None:
        worker = self.bot.runtime.outbox_worker
        self.time.run_until(lambda: worker.pending() == 0, limit=60)

    def task_id(self) -> str:
        with self.bot.db.reading() as session:
            found = session.scalar(select(ClickUpLink.task_id))
        assert found is not None
        return found

    def thread(self) -> list[Message]:
        with self.bot.db.reading() as session:
            request = session.scalars(select(Request)).one()
            channel, ts = request.card_channel, request.card_ts
        assert channel and ts
        return self.bot.api.thread(channel, ts)

    def deliver(self, index: int) -> int | None:
        status = self.clickup.deliver(index)
        self.settle()
        return status
