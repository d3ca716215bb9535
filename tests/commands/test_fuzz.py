"""SPEC §3 "Bad input", fuzzed: whatever anyone types after `/proc`, podbot answers and stays sane.

Every input is acked with one non-empty ephemeral answer; a refusal posts and edits nothing and
leaves the database byte for byte as it was. One bot serves every example: restarting it per
example would be too slow, and comparing dumps per example keeps each example's check exact.
"""

from __future__ import annotations

import logging

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands.router import SUBCOMMANDS
from bot.domain.grammar import TYPES
from tests.commands.conftest import (
    ALPHA,
    ANALYST,
    BETA,
    BETA_ANALYST,
    BETA_BUYER,
    BETA_EM,
    BUYER,
    CSM,
    DEFERRED_ACKS,
    EM,
    STRANGER,
)
from tests.conftest import RunningBot
from tests.helpers import refusals

# The realistic state of the refusal table: requests in every stage, in both PODs.
world = refusals.world
db_dump = refusals.db_dump

USERS = [ANALYST, EM, BUYER, CSM, BETA_ANALYST, BETA_BUYER, BETA_EM, STRANGER]
CHANNELS = [ALPHA, BETA, "D0DM00001"]

OTHER_WORDS = ["contract", "aging", "renewals", "frobnicate", "QUALIFY", "Close", "help"]
names = sorted({*SUBCOMMANDS, *OTHER_WORDS})
# Keys of requests that exist (REQ-1..REQ-8 and whatever the examples open), and broken ones.
keys = st.one_of(
    st.integers(min_value=1, max_value=9).map(str),
    st.integers(min_value=1, max_value=9).map(lambda n: f"REQ-{n}"),
    st.sampled_from(["req-3", "#6", "REQ-999", "REQ-x", "REQ-", "0", "-1", "1" * 25, "٣"]),
)
amounts = st.sampled_from(
    [
        *("48000", "48,000", "$48,000.50", "48k", "1.2m", "EUR 40k", "40k EUR", "0", "9" * 13),
        *("48kk", "-5", "1e9", "48.000", "4,80,000", "UDS 40k", "$ EUR 5", "٤٨", "48.005"),
    ]
)
mentions = st.one_of(
    st.sampled_from(USERS).map(lambda u: f"<@{u}>"),
    st.sampled_from(USERS).map(lambda u: f"<@{u}|{u.lower()}>"),
    st.sampled_from(
        ["@dana", "<@U0BUY0001", "<#C0ALPHA01|alpha>", "<!here>", "&lt;@U0BUY0001&gt;"]
    ),
)
dates = st.sampled_from(["2027-01-31", "2026-13-01", "2026-02-30", "20270131", "next", "2027Q1"])
words = st.one_of(
    st.sampled_from(names),
    keys,
    amounts,
    mentions,
    dates,
    st.sampled_from(["|", "new", "renewal", "won", "lost", "cancelled", "maybe", "avoidance"]),
    st.text(max_size=12),
)
separators = st.sampled_from([" ", " ", " ", "  ", " | ", "\n", "\t", "\u00a0"])
# `<subcommand> [REQ] words…`: mostly a key where one belongs, so the rules behind it run.
grammar_shaped = st.builds(
    lambda head, key, rest, sep: sep.join([head, *key, *rest]),
    st.sampled_from(names),
    st.one_of(st.just([]), st.lists(keys, min_size=1, max_size=2)),
    st.lists(words, max_size=6),
    separators,
)
# `new <customer> | <tool> | <type> [| <amount>] [| <date>]` with any field possibly wrong.
fields = st.one_of(
    st.sampled_from(["Acme", "Globex", "Figma", "Slack", "new", "renewal", "NEW", ""]),
    amounts,
    dates,
    mentions,
    st.text(max_size=20),
)
new_shaped = st.lists(fields, max_size=7).map(lambda parts: "new " + " | ".join(parts))
# Commands written right, with any key, person or amount: the role and stage rules decide.
notes = st.text(min_size=1, max_size=30)
well_formed = st.one_of(
    st.builds("qualify {}".format, keys),
    st.builds("disqualify {} {}".format, keys, notes),
    st.builds("assign {} {}".format, keys, mentions),
    st.builds("update {} {}".format, keys, notes),
    st.builds("quote {} {} {}".format, keys, st.sampled_from(["SHI", "CDW Direct"]), amounts),
    st.builds("close {} {} {}".format, keys, st.sampled_from(["won", "lost", "cancelled"]), notes),
    st.builds("savings {} {} {}".format, keys, amounts, amounts),
    st.builds("status {}".format, keys),
    st.sampled_from(["mine", "help", ""]),
    st.builds("new {} | {} | {} | {}".format, fields, fields, st.sampled_from(TYPES), amounts),
)
command_text = st.one_of(st.text(), grammar_shaped, new_shaped, well_formed)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(user=st.sampled_from(USERS), channel=st.sampled_from(CHANNELS), text=command_text)
def test_any_text_is_answered_and_a_refusal_changes_nothing(
    world: RunningBot, caplog: pytest.LogCaptureFixture, user: str, channel: str, text: str
) -> None:
    bot = world
    before = db_dump(bot)
    calls_before = len(bot.api.calls)
    logged_before = len(caplog.records)

    response = bot.slack.slash_command(text, user_id=user, channel_id=channel)
    bot.wait_idle()

    assert response.status == 200, response.text
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    if answer["text"] in DEFERRED_ACKS:  # answered after the ack, by the command's response_url
        (later,) = [c for c in bot.api.calls[calls_before:] if c.method == "response_url"]
        answer = later.params
    reply = answer["text"]
    assert isinstance(reply, str) and reply.strip(), answer
    # Whatever a user types, podbot itself never fails: no ":x: Something went wrong",
    # and nothing it decided to post was refused by Slack.
    assert not reply.startswith(":x:"), reply
    errors = [r for r in caplog.records[logged_before:] if r.levelno >= logging.ERROR]
    assert errors == [], [r.getMessage() for r in errors]
    if reply.startswith(":warning:"):
        new_calls = [c for c in bot.api.calls[calls_before:] if c.method != "response_url"]
        assert new_calls == [], (reply, [c.method for c in new_calls])
        # The database as it was, but for the outbox row that carried a deferred answer.
        assert _without_answers(db_dump(bot)) == _without_answers(before), reply


def _without_answers(dump: str) -> str:
    """A database dump without its `respond` outbox rows (answers after an ack)."""
    return "\n".join(
        line
        for line in dump.splitlines()
        if not (line.startswith('INSERT INTO "deliveries"') and "'respond'" in line)
    )
