"""Issue 25 item 6: mention escalations reach an em as one digest per working day, never for
the em's own mentions, and not for mentions by someone in no POD unless configured (SPEC §5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.clock import ManualClock
from bot.config import Config, parse_config
from bot.jobs import JOBS
from slackfake.web_api import Message
from tests.commands.conftest import blocks_text
from tests.conftest import TEST_CONFIG, RunningBot
from tests.jobs.conftest import run_job

BETA = "C0BETA001"
ANALYST, BUYER, EM = "U0ANA0002", "U0BUY0002", "U0EM00002"
OTHER_ANALYST = "U0BUY0001"  # POD Beta's second analyst (Alpha's buyer)
GUEST = "U0GUEST01"  # in no POD
EST = timedelta(hours=5)  # New York is UTC-5 from November to March


def ny(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC) + EST


@pytest.fixture
def test_config(request: pytest.FixtureRequest) -> Config:
    """The test configuration; `[reminders] escalate_outsider_mentions` as the test asks."""
    text = TEST_CONFIG.read_text()
    if getattr(request, "param", False):
        text = text.replace(
            "[[pods]]", "[reminders]\nescalate_outsider_mentions = true\n\n[[pods]]", 1
        )
    return parse_config(text, TEST_CONFIG)


def mention(bot: RunningBot, clock: ManualClock, author: str, text: str, n: int) -> None:
    """`author` posts a top-level message in POD Beta's channel (Monday 23 November 10:00)."""
    clock.set(ny(23, 10))
    ts = f"1763910000.{n:06d}"
    event = {
        "type": "message", "channel": BETA, "user": author, "ts": ts, "text": text,
        "channel_type": "channel",
    }  # fmt: skip
    bot.slack.event(event, event_id=f"EvMENTION{n}")
    bot.wait_idle()


def remind(bot: RunningBot, now: datetime) -> str:
    return run_job(bot.runtime, JOBS["reminders"], bot.runtime.config.pod("beta"), now=now)


def dms(bot: RunningBot, user: str) -> list[Message]:
    return [m for m in bot.api.messages(f"D{user[1:]}") if not m.thread_ts]


def buttons(dm: Message) -> list[str]:
    return [e["action_id"] for b in dm.blocks if b["type"] == "actions" for e in b["elements"]]


def test_many_unanswered_mentions_reach_the_em_as_one_digest_per_working_day(
    bot: RunningBot, clock: ManualClock
) -> None:
    for n in range(1, 52):  # 51 messages, each mentioning a member: more than a DM holds
        member = BUYER if n % 2 else OTHER_ANALYST
        mention(bot, clock, ANALYST, f"<@{member}> question {n} about the Zoom renewal", n)
    # Wednesday 10:00 is 48 working hours on: every mention is escalated, in one DM.
    remind(bot, ny(25, 10))
    (digest,) = dms(bot, EM)
    shown = blocks_text(digest.blocks)
    assert digest.text.startswith(":rotating_light: *Unanswered for 48 working hours* — 51 ")
    assert f"<@{BUYER}> has not answered <@{ANALYST}>'s mention" in shown
    assert f"<@{OTHER_ANALYST}> has not answered <@{ANALYST}>'s mention" in shown
    listed = shown.count("has not answered")
    assert 0 < listed < 51 and len(digest.blocks) <= 50
    assert shown.count("🆕") == listed  # every line shown is new today
    assert f"…and {51 - listed} more, each still waiting in its thread." in shown
    assert all(len(b["text"]["text"]) <= 3000 for b in digest.blocks if b["type"] == "section")
    assert buttons(digest) == ["reminder_snooze_hour", "reminder_snooze_tomorrow"]
    # Each mention listed has its own Mark answered.
    marks = [b["accessory"] for b in digest.blocks if "accessory" in b]
    assert len(marks) == listed and {m["action_id"] for m in marks} == {"reminder_mark_answered"}
    # The rest of the day's runs send the em nothing more.
    for hour in (11, 14, 17):
        remind(bot, ny(25, hour))
    assert len(dms(bot, EM)) == 1
    # The next working day (Thursday 26th is a holiday): the still-open ones again, once.
    remind(bot, ny(26, 10))
    remind(bot, ny(27, 9))
    remind(bot, ny(27, 12))
    first, again = dms(bot, EM)
    assert first.ts == digest.ts
    assert "51 mentions" in again.text and "🆕" not in blocks_text(again.blocks)


def test_an_ems_own_announcement_does_not_escalate_to_that_em(
    bot: RunningBot, clock: ManualClock
) -> None:
    announcement = (
        f"<@{BUYER}> <@{ANALYST}> <@{OTHER_ANALYST}> please send me your quarter's numbers"
    )
    mention(bot, clock, EM, announcement, 1)
    mention(bot, clock, ANALYST, f"<@{BUYER}> did Zoom send the renewal terms?", 2)
    remind(bot, ny(25, 10))
    # The em hears of the analyst's unanswered mention only, not of their own three.
    (escalation,) = dms(bot, EM)
    assert f":rotating_light: <@{BUYER}> has not answered <@{ANALYST}>'s mention" in (
        escalation.text
    )
    assert f"<@{EM}>'s mention" not in blocks_text(escalation.blocks)
    # Each member mentioned is still reminded of the em's message in their own digest.
    for member in (BUYER, ANALYST, OTHER_ANALYST):
        assert any(f"<@{EM}> mentioned you" in blocks_text(dm.blocks) for dm in dms(bot, member))


@pytest.mark.parametrize(
    ("test_config", "escalated"), [(False, False), (True, True)], ids=["default", "enabled"],
    indirect=["test_config"],
)  # fmt: skip
def test_mentions_by_someone_outside_every_pod_do_not_escalate_unless_configured(
    bot: RunningBot, clock: ManualClock, escalated: bool
) -> None:
    for n in range(1, 4):
        mention(bot, clock, GUEST, f"<@{BUYER}> can you look at my ticket {n}?", n)
    remind(bot, ny(25, 10))
    # The buyer is reminded either way: the mentions are theirs to answer.
    assert any("3 mentions" in dm.text for dm in dms(bot, BUYER))
    if not escalated:
        assert dms(bot, EM) == []
        return
    (escalation,) = dms(bot, EM)
    assert "3 mentions" in escalation.text
    assert blocks_text(escalation.blocks).count(f"has not answered <@{GUEST}>'s mention") == 3
