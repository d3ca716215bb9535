"""Helpers for driving `/proc` end to end: who is who, and what Slack received."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from bot.commands.router import SUBCOMMANDS
from bot.db.models import Request
from slackfake.web_api import Message
from tests.conftest import RunningBot

ALPHA = "C0ALPHA01"
BETA = "C0BETA001"
EM = "U0EM00001"
BUYER = "U0BUY0001"
ANALYST = "U0ANA0001"
CSM = "U0CSM0001"
BETA_EM = "U0EM00002"
BETA_BUYER = "U0BUY0002"
BETA_ANALYST = "U0ANA0002"
STRANGER = "U0NOBODY1"


# What a deferred subcommand's ack says (`/proc stats`: "Working out the stats…").
DEFERRED_ACKS = {sub.deferred for sub in SUBCOMMANDS.values() if sub.deferred}


@dataclass
class Proc:
    """Types `/proc …` as a user and reads what came back: the ack, or — for a command
    answered after its ack (the ack only says it is working on it) — what podbot posted to
    the command's response_url."""

    bot: RunningBot

    def __call__(self, user: str, text: str, channel: str = ALPHA) -> str:
        answer = self.answer(user, text, channel)
        assert answer["response_type"] == "ephemeral"
        return str(answer["text"])

    def answer(self, user: str, text: str, channel: str = ALPHA) -> dict[str, Any]:
        before = len(self.bot.api.calls_to("response_url"))
        response = self.bot.slack.slash_command(text, user_id=user, channel_id=channel)
        assert response.status == 200, response.text
        self.bot.wait_idle()
        ack = dict(response.json())
        later = self.bot.api.calls_to("response_url")[before:]
        if ack.get("text") not in DEFERRED_ACKS:
            assert later == [], "answered in the ack and again by response_url"
            return ack
        assert len(later) == 1 and not ack.get("blocks"), (ack, later)
        return dict(later[0].params)

    def card(self, number: int) -> Message:
        with self.bot.db.transaction() as session:
            request = session.scalars(select(Request).where(Request.id == number)).one()
            channel, ts = request.card_channel, request.card_ts
        assert channel and ts, "card not posted"
        return self.bot.api.message(channel, ts)

    def thread(self, number: int) -> list[Message]:
        card = self.card(number)
        return self.bot.api.thread(card.channel, card.ts)

    def request_count(self) -> int:
        with self.bot.db.transaction() as session:
            return len(list(session.scalars(select(Request.id))))

    def request(self, number: int) -> Request:
        with self.bot.db.transaction() as session:
            return session.scalars(select(Request).where(Request.id == number)).one()


@pytest.fixture
def proc(bot: RunningBot) -> Proc:
    return Proc(bot)


def blocks_text(blocks: list[dict[str, Any]] | None) -> str:
    """All the text in a list of blocks, for content assertions."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "text" and isinstance(value, str):
                    out.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(blocks or [])
    return "\n".join(out)


def day_token(day: date, timezone: str = "Asia/Kolkata") -> str:
    """What podbot writes for a day in mrkdwn (SPEC "Voice"): a Slack date token at noon in the
    POD's zone (POD Alpha's by default), the POD's date as fallback: `Dec 1, 2026`."""
    noon = datetime.combine(day, time(12, 0), ZoneInfo(timezone))
    return f"<!date^{int(noon.timestamp())}^{{date_short}}|{day:%b} {day.day}, {day.year}>"


def time_token(instant: datetime, timezone: str = "Asia/Kolkata") -> str:
    """What podbot writes for an instant with its time: the token, the POD's as fallback."""
    local = instant.astimezone(ZoneInfo(timezone))
    fallback = f"{local:%b} {local.day}, {local.year} {local:%H:%M} {local.tzname()}"
    return f"<!date^{int(instant.timestamp())}^{{date_short}} {{time}}|{fallback}>"


def instant_day_token(instant: datetime, timezone: str = "Asia/Kolkata") -> str:
    """An instant shown as a day: the token of the instant, the POD's date as fallback."""
    local = instant.astimezone(ZoneInfo(timezone))
    return f"<!date^{int(instant.timestamp())}^{{date_short}}|{local:%b} {local.day}, {local.year}>"
