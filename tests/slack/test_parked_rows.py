"""Issue 29: parked rows are visible and recoverable. A post to a channel Slack does not have is
parked (one log line for the channel, not one per row), counted by /readyz and the metrics,
listed by `podbot outbox list`, and delivered once by `podbot outbox retry` after the channel
appears — never twice, even when Slack had it already."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.db.models import OutboxRow
from bot.slack.outbox import Lane, Outbox
from bot.slack.worker import METADATA_TYPE
from slackfake.web_api import BOT_USER_ID
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEST_CONFIG, RunningBot

LONDON = "C0LONDON9"


@pytest.fixture
def cli_env(bot: RunningBot, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": bot.api.url,
        "DATABASE_URL": bot.db.url,
        "PODBOT_CONFIG": str(TEST_CONFIG),
        "PODBOT_CHANNEL_INTERVAL": "0",
    }.items():
        monkeypatch.setenv(name, value)


def queue(bot: RunningBot, texts: list[str], channel: str = LONDON) -> list[int]:
    outbox = Outbox(bot.runtime)
    with bot.db.transaction() as session:
        ids = [
            outbox.message(session, Lane.RUN.of(f"t{n}"), channel, text)
            for n, text in enumerate(texts)
        ]
    outbox.deliver()
    bot.wait_idle()
    return ids


def statuses(bot: RunningBot, ids: list[int]) -> list[str]:
    with bot.db.reading() as session:
        return list(
            session.scalars(
                select(OutboxRow.status).where(OutboxRow.id.in_(ids)).order_by(OutboxRow.id)
            )
        )


def scrape_parked(bot: RunningBot) -> float:
    text = bot.ops.get("/metrics").text
    (line,) = [x for x in text.splitlines() if x.startswith("podbot_deliveries_parked ")]
    return float(line.split()[1])


def test_a_post_to_an_unknown_channel_is_parked_listed_and_delivered_once_by_retry(
    bot: RunningBot,
    cli_env: None,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG, logger="bot.slack.worker")
    ids = queue(bot, ["Aging report — Dec 9", "Aging report — Dec 10", "Weekly digest"])
    assert statuses(bot, ids) == ["parked"] * 3

    # One error line for the channel and reason, not one per row.
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1
    assert f"Slack refused it for good (channel_not_found) in {LONDON}" in errors[0]
    assert "`podbot outbox list --parked`" in errors[0]

    ready = bot.ops.get("/readyz").json()
    assert (ready["status"], ready["parked_deliveries"]) == ("ready", 3)
    assert scrape_parked(bot) == 3

    assert main(["outbox", "list", "--parked"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["ID", "KIND", "STATUS", "WHERE", "AGE", "REASON", "SUMMARY"]
    assert out[1].split()[:4] == [str(ids[0]), "message", "parked", LONDON]
    assert out[1].split()[5:] == ["channel_not_found", "Aging", "report", "—", "Dec", "9"]
    assert out[3].endswith("channel_not_found    Weekly digest")
    assert out[4].startswith("3 parked rows: fix the cause (`podbot doctor`), then")
    assert main(["outbox", "list", "--channel", "C0ELSEWHERE"]) == 0
    assert capsys.readouterr().out == "Nothing queued or parked for C0ELSEWHERE.\n"

    # The channel appears; one row had in fact reached Slack (tagged with its row, as every
    # post is): it is recorded, not posted again.
    bot.api.add_channel(LONDON, "pod-london")
    tag = {"event_type": METADATA_TYPE, "event_payload": {"delivery": ids[2]}}
    bot.api.add_message(LONDON, "Weekly digest", BOT_USER_ID, metadata=tag)
    assert main(["outbox", "retry", "--parked", "--channel", LONDON, "--wait", "10"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"Queued 3 parked rows again: {ids[0]}, {ids[1]}, {ids[2]}.",
        "outbox retry: 3 delivered.",
    ]
    bot.wait_idle()
    assert statuses(bot, ids) == ["delivered"] * 3
    assert [m.text for m in bot.api.messages(LONDON)] == [
        "Weekly digest",
        "Aging report — Dec 9",
        "Aging report — Dec 10",
    ]
    posted = [c for c in bot.api.calls_to("chat.postMessage") if c.params["channel"] == LONDON]
    assert len([c for c in posted if not c.failed]) == 5  # 3 refused, then 2: never twice

    assert main(["outbox", "retry", "--parked", "--wait", "1"]) == 0
    assert capsys.readouterr().out == "Nothing parked.\n"
    assert bot.ops.get("/readyz").json()["parked_deliveries"] == 0


def test_retry_one_row_and_drop_another_with_confirmation(
    bot: RunningBot,
    cli_env: None,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    keep, lose = queue(bot, ["Renewal calendar", "A post nobody needs"])
    bot.api.add_channel(LONDON)

    assert main(["outbox", "retry", str(keep), "--wait", "10"]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == "outbox retry: 1 delivered."
    assert main(["outbox", "retry", str(keep)]) == 1
    assert f"outbox row {keep} is delivered, not parked" in capsys.readouterr().err

    monkeypatch.setattr("builtins.input", lambda _prompt: "n")
    assert main(["outbox", "drop", str(lose)]) == 1
    assert capsys.readouterr().out.splitlines()[-1] == "Kept it."
    assert statuses(bot, [lose]) == ["parked"]
    monkeypatch.setattr("builtins.input", lambda _prompt: "y")
    assert main(["outbox", "drop", str(lose)]) == 0
    assert capsys.readouterr().out.splitlines()[-1] == f"Dropped outbox row {lose}."
    assert statuses(bot, [lose]) == []
    assert main(["outbox", "drop", str(lose), "--yes"]) == 1
    assert f"there is no outbox row {lose}" in capsys.readouterr().err
    assert [m.text for m in bot.api.messages(LONDON)] == ["Renewal calendar"]
