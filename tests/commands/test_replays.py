"""A Slack request counts once: the same signed slash command, click or modal submission (same
trigger_id) sent again — a replay inside the signature's five minutes, or Slack resending —
changes nothing and answers without a traceback."""

from __future__ import annotations

import threading
from collections.abc import Callable

from sqlalchemy import func, select

from bot.db.models import Quote, Request, RequestEvent
from slackfake.signing import Response
from tests.commands.conftest import ALPHA, ANALYST, BUYER, EM, Proc
from tests.conftest import RunningBot
from tests.helpers.modals import INTAKE, fill, opened_view
from tests.helpers.savings import claim_message, click


def count(bot: RunningBot, what: object) -> int:
    with bot.db.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(what)) or 0)


def negotiating(proc: Proc) -> None:
    proc(ANALYST, "new Acme | Figma | new")
    proc(ANALYST, "qualify REQ-1")
    proc(ANALYST, f"assign REQ-1 <@{BUYER}>")


def test_a_replayed_quote_records_one_quote(start_bot: Callable, database_url: str) -> None:
    bot = start_bot(database_url)
    proc = Proc(bot)
    negotiating(proc)
    first = bot.slack.slash_command("quote REQ-1 SHI 41000", user_id=BUYER, channel_id=ALPHA)
    assert first.json()["text"].startswith("Quote from SHI")
    bot.wait_idle()
    thread_before = len(proc.thread(1))
    events_before = count(bot, RequestEvent)

    again = bot.slack.replay()
    assert again.status == 200
    answer = again.json()
    assert answer["response_type"] == "ephemeral"
    assert answer["text"].startswith(":information_source: Already done: `/proc quote REQ-1")
    bot.wait_idle()
    assert count(bot, Quote) == 1
    assert count(bot, RequestEvent) == events_before
    assert len(proc.thread(1)) == thread_before


def test_a_replayed_new_and_update_change_nothing(start_bot: Callable, database_url: str) -> None:
    bot = start_bot(database_url)
    proc = Proc(bot)
    bot.slack.slash_command("new Acme | Figma | new", user_id=ANALYST, channel_id=ALPHA)
    assert "Already done" in bot.slack.replay().json()["text"]
    bot.wait_idle()
    assert proc.request_count() == 1
    proc(ANALYST, "qualify REQ-1")
    proc(ANALYST, f"assign REQ-1 <@{BUYER}>")
    updates = len(proc.thread(1))
    bot.slack.slash_command("update REQ-1 Vendor at 45k", user_id=BUYER, channel_id=ALPHA)
    assert "Already done" in bot.slack.replay().json()["text"]
    bot.wait_idle()
    assert len(proc.thread(1)) == updates + 1
    # A new invocation (a new trigger) of the same text, confirmed, is a second request.
    bot.slack.slash_command("new Acme | Figma | new | again", user_id=ANALYST, channel_id=ALPHA)
    bot.wait_idle()
    assert proc.request_count() == 2


def test_a_replayed_status_shows_it_again(bot: RunningBot, proc: Proc) -> None:
    proc(ANALYST, "new Acme | Figma | new")
    first = bot.slack.slash_command("status REQ-1", user_id=ANALYST, channel_id=ALPHA).json()
    assert bot.slack.replay().json()["text"] == first["text"]  # reads record nothing


def test_a_replayed_intake_submission_makes_one_request(
    start_bot: Callable, database_url: str
) -> None:
    bot = start_bot(database_url)
    proc = Proc(bot)
    proc(ANALYST, "new")
    _, view = opened_view(bot)
    first = bot.slack.view_submission(
        "intake", fill(view, INTAKE), ANALYST, private_metadata=view["private_metadata"]
    )
    assert first.status == 200 and not first.body
    bot.wait_idle()
    posts = len(bot.api.calls_to("chat.postMessage"))
    ephemerals = len(bot.api.calls_to("chat.postEphemeral"))

    again = bot.slack.replay()
    assert again.status == 200 and not again.body  # a bare ack: the modal closes
    bot.wait_idle()
    assert proc.request_count() == 1
    assert len(bot.api.calls_to("chat.postMessage")) == posts
    assert len(bot.api.calls_to("chat.postEphemeral")) == ephemerals


def test_two_racing_intake_submissions_make_one_request(
    start_bot: Callable, database_url: str
) -> None:
    """The same submission arriving twice at once: on PostgreSQL both run side by side, and
    the database's key decides which one counts."""
    bot = start_bot(database_url)
    proc = Proc(bot)
    proc(ANALYST, "new")
    _, view = opened_view(bot)
    trigger = bot.slack.trigger_id()
    results: list[Response] = []
    start = threading.Barrier(2)

    def submit() -> None:
        start.wait()
        results.append(
            bot.slack.view_submission(
                "intake",
                fill(view, INTAKE),
                ANALYST,
                private_metadata=view["private_metadata"],
                trigger_id=trigger,
                view={"id": "V0RACE0001", "hash": "1.race"},
            )
        )

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    bot.wait_idle()
    assert [r.status for r in results] == [200, 200]
    assert all(not r.body for r in results)  # both close the modal, neither shows an error
    with bot.db.transaction() as session:
        (request,) = session.scalars(select(Request)).all()
    cards = [c for c in bot.api.calls_to("chat.postMessage") if not c.params.get("thread_ts")]
    assert len(cards) == 1 and request.card_ts is not None
    assert len(bot.api.calls_to("chat.postEphemeral")) == 1


def test_a_form_refused_on_its_fields_can_be_corrected_and_sent(
    bot: RunningBot, proc: Proc
) -> None:
    """A refused submission records nothing, so the same form's next submission still counts."""
    proc(ANALYST, "new")
    _, view = opened_view(bot)
    trigger = bot.slack.trigger_id()
    refused = bot.slack.view_submission(
        "intake",
        fill(view, {**INTAKE, "customer": ""}),
        ANALYST,
        private_metadata=view["private_metadata"],
        trigger_id=trigger,
    )
    assert refused.json()["response_action"] == "errors"
    fixed = bot.slack.view_submission(
        "intake",
        fill(view, INTAKE),
        ANALYST,
        private_metadata=view["private_metadata"],
        trigger_id=trigger,
    )
    assert fixed.status == 200 and not fixed.body
    bot.wait_idle()
    assert proc.request_count() == 1


def test_a_replayed_click_changes_and_posts_nothing(start_bot: Callable, database_url: str) -> None:
    bot = start_bot(database_url)
    proc = Proc(bot)
    negotiating(proc)
    proc(BUYER, "savings REQ-1 48000 39500")
    click(bot, EM, "savings_approve", claim_message(proc, 1))
    events, calls = count(bot, RequestEvent), len(bot.api.calls)

    assert bot.slack.replay().status == 200
    bot.wait_idle()
    assert count(bot, RequestEvent) == events
    # Not even "this claim was already approved": the click was carried out, once.
    assert bot.api.calls[calls:] == []
