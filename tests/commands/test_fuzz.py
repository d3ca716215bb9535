"""SPEC §3 "Bad input", fuzzed: whatever anyone types after `/proc`, podbot answers and stays sane.

Every input is acked with one non-empty ephemeral answer; a refusal posts and edits nothing and
leaves the database byte for byte as it was. One bot serves every example: restarting it per
example would be too slow, and comparing dumps per example keeps each example's check exact.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.commands.router import SUBCOMMANDS
from tests.commands import test_refusals
from tests.commands.conftest import (
    ALPHA,
    ANALYST,
    BETA,
    BETA_ANALYST,
    BETA_BUYER,
    BETA_EM,
    BUYER,
    CSM,
    EM,
    STRANGER,
)
from tests.conftest import RunningBot

# The realistic state of the refusal table: requests in every stage, in both PODs.
world = test_refusals.world
db_dump = test_refusals.db_dump

USERS = [ANALYST, EM, BUYER, CSM, BETA_ANALYST, BETA_BUYER, BETA_EM, STRANGER]
CHANNELS = [ALPHA, BETA, "D0DM00001"]
REFUSED = (":warning:", ":x:")

names = [*sorted(SUBCOMMANDS), "contract", "savings", "aging", "renewals", "frobnicate", "QUALIFY"]
keys = st.one_of(
    st.integers(min_value=-2, max_value=12).map(str),
    st.sampled_from(["REQ-1", "req-3", "#6", "REQ-999", "REQ-x", "REQ-", "0", "1" * 25]),
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
words = st.one_of(
    st.sampled_from(names),
    keys,
    amounts,
    mentions,
    st.sampled_from(["|", "new", "renewal", "won", "lost", "cancelled", "maybe", "avoidance"]),
    st.sampled_from(["2027-01-31", "2026-13-01", "2026-02-30", "20270131", "next", "2027Q1"]),
    st.text(max_size=12),
)
grammar_shaped = st.builds(
    lambda head, rest, sep: head + sep + sep.join(rest),
    st.sampled_from(names),
    st.lists(words, max_size=8),
    st.sampled_from([" ", " ", " ", "  ", " | ", "\n", "\t"]),
)
command_text = st.one_of(st.text(), grammar_shaped, st.sampled_from(names).map(lambda n: f"{n} "))


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(user=st.sampled_from(USERS), channel=st.sampled_from(CHANNELS), text=command_text)
def test_any_text_is_answered_and_a_refusal_changes_nothing(
    world: RunningBot, user: str, channel: str, text: str
) -> None:
    bot = world
    before = db_dump(bot)
    calls_before = len(bot.api.calls)

    response = bot.slack.slash_command(text, user_id=user, channel_id=channel)
    bot.wait_idle()

    assert response.status == 200, response.text
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    reply = answer["text"]
    assert isinstance(reply, str) and reply.strip(), answer
    # An internal error is never the right answer to something a user typed.
    assert not reply.startswith(":x:"), reply
    new_calls = bot.api.calls[calls_before:]
    if reply.startswith(REFUSED):
        assert new_calls == [], (reply, [c.method for c in new_calls])
        assert db_dump(bot) == before, reply
    else:
        assert all(not c.failed for c in new_calls), [(c.method, c.params) for c in new_calls]
