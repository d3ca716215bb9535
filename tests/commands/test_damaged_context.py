"""A modal's `private_metadata` and a button's JSON `value` come back from Slack as podbot wrote
them; one that does not (not JSON, not an object, a key missing or of the wrong type: forged,
or damaged) is refused with one sentence and one warning line, never a traceback."""

from __future__ import annotations

import json
import logging

import pytest

from tests.commands.conftest import ALPHA, ANALYST, BUYER, EM, Proc
from tests.conftest import RunningBot
from tests.helpers.refusals import db_dump

# callback id → (the field that shows the refusal, the sentence)
FORMS = {
    "intake": ("customer", "This form is damaged; open the intake form again."),
    "update": ("status", "This form no longer points at a request; run /proc update again."),
    "record_term": ("amount", "This form no longer points at a request."),
    "savings_reject": ("reason", "This form no longer points at a savings claim."),
    "card_disqualify": ("reason", "This form no longer points at a request."),
    "card_quote": ("amount", "This form no longer points at a request."),
    "card_savings": ("final", "This form no longer points at a request."),
    "card_close": ("outcome", "This form no longer points at a request."),
    "card_hold": ("reason", "This form no longer points at a request."),
}


def submit_with(
    bot: RunningBot, caplog: pytest.LogCaptureFixture, callback: str, metadata: str
) -> tuple[dict[str, object], list[logging.LogRecord]]:
    """Submit the form with this metadata; Slack's answer and what was logged meanwhile."""
    caplog.clear()
    with caplog.at_level(logging.INFO):
        response = bot.slack.view_submission(callback, {}, EM, private_metadata=metadata)
        bot.wait_idle()
    assert response.status == 200, response.text
    return response.json(), list(caplog.records)


def assert_refused_quietly(records: list[logging.LogRecord], what: str) -> None:
    """One warning naming the damage; no error, no traceback."""
    assert [r for r in records if r.exc_info or r.levelno >= logging.ERROR] == []
    warnings = [r.getMessage() for r in records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and what in warnings[0], warnings


@pytest.mark.parametrize("callback", FORMS)
def test_a_submission_with_non_json_private_metadata_is_refused_without_a_traceback(
    bot: RunningBot, proc: Proc, caplog: pytest.LogCaptureFixture, callback: str
) -> None:
    proc(ANALYST, "new Acme | Figma | new | 12000")
    before, calls = db_dump(bot), len(bot.api.calls)

    answer, records = submit_with(bot, caplog, callback, "{request: 1")

    field, sentence = FORMS[callback]
    assert answer == {"response_action": "errors", "errors": {field: sentence}}
    assert_refused_quietly(records, "private_metadata: it is not JSON")
    assert bot.api.calls[calls:] == [] and db_dump(bot) == before


@pytest.mark.parametrize(
    ("metadata", "what"),
    [
        ("[1, 2]", "it is JSON but not an object (a list)"),
        ('"REQ-1"', "it is JSON but not an object (a str)"),
        (json.dumps({"channel": ALPHA}), "it has no 'request'"),
        (json.dumps({"request": "1", "channel": ALPHA}), "its 'request' is a str"),
        (json.dumps({"request": True, "channel": ALPHA}), "its 'request' is a bool"),
        (json.dumps({"request": 1, "channel": {"id": ALPHA}}), "its 'channel' is a dict"),
        (json.dumps({"request": 1}), "it has no 'channel'"),
        ("", "it is not JSON"),
    ],
)
@pytest.mark.parametrize("callback", ["update", "card_close"])
def test_private_metadata_that_is_not_what_podbot_wrote_is_refused_without_a_traceback(
    bot: RunningBot,
    proc: Proc,
    caplog: pytest.LogCaptureFixture,
    callback: str,
    metadata: str,
    what: str,
) -> None:
    proc(ANALYST, "new Acme | Figma | new | 12000")
    proc(ANALYST, f"assign REQ-1 <@{BUYER}>")
    before, calls = db_dump(bot), len(bot.api.calls)

    answer, records = submit_with(bot, caplog, callback, metadata)

    field, sentence = FORMS[callback]
    assert answer == {"response_action": "errors", "errors": {field: sentence}}
    assert_refused_quietly(records, f"private_metadata: {what}")
    assert bot.api.calls[calls:] == [] and db_dump(bot) == before


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ("customer=Acme", "it is not JSON"),
        ("[]", "it is JSON but not an object (a list)"),
        (json.dumps({"customer": ["Acme"]}), "its 'customer' is a list"),
    ],
)
def test_a_share_button_with_a_damaged_value_is_refused_to_the_clicker_without_a_traceback(
    bot: RunningBot, proc: Proc, caplog: pytest.LogCaptureFixture, value: str, what: str
) -> None:
    proc(ANALYST, "new Acme | Figma | new | 12000")
    before, calls = db_dump(bot), len(bot.api.calls)
    caplog.clear()

    with caplog.at_level(logging.INFO):
        response = bot.slack.block_action(
            "checkin_share", value, ANALYST, ALPHA, "1700000000.000100"
        )
        bot.wait_idle()

    assert response.status == 200, response.text
    told = [c.params for c in bot.api.calls[calls:]]
    assert [(c["channel"], c["user"], c["text"]) for c in told] == [
        (ALPHA, ANALYST, ":warning: This button does not point at a customer.")
    ]
    assert_refused_quietly(list(caplog.records), f"button's value: {what}")
    assert db_dump(bot) == before
