"""SPEC §3 "Bad input": every refused `/proc` answers one ephemeral message and changes nothing.

Each refusal goes through signed HTTP into podbot, a real SQLite file and the Slack Web API
test server. "Changes nothing" is checked byte for byte: the database dump and the list of Web
API calls are the same before and after.
"""

from __future__ import annotations

import logging
import re
import shutil
import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy.engine import make_url

from bot.config import Config, load_config
from bot.db.models import Request
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
    Proc,
)
from tests.conftest import TEST_CONFIG, RunningBot
from tests.helpers import refusals
from tests.helpers.refusals import _BUILT, db_dump

world = refusals.world

DM = "D0DM00001"
# Analyst in both PODs, so `new` outside a POD channel cannot tell which POD is meant.
TWO_POD_ANALYST = "U0ANA0009"


@pytest.fixture
def test_config() -> Config:
    """The shared two-POD configuration, plus one analyst who is in both PODs."""
    config = load_config(TEST_CONFIG)
    pods = tuple(
        replace(pod, members={**pod.members, TWO_POD_ANALYST: "analyst"}) for pod in config.pods
    )
    return replace(config, pods=pods)


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path, request: pytest.FixtureRequest) -> str:
    """A fresh migrated database; for a test in the world, a copy of it once it is built."""
    path = tmp_path / "podbot.db"
    in_world = {"world", "refusal_world"} & set(request.fixturenames)
    uses_copy = bool(in_world) and "world" in _BUILT
    shutil.copyfile(_BUILT["world"][0] if uses_copy else sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def refusal_world(world: RunningBot) -> RunningBot:
    """The world, for a refusal: it changes nothing in it."""
    return world


def usage(line: str) -> str:
    return f"\nUsage: `/proc {line}`"


# Each subcommand's usage line, as SPEC §3 gives it: a refusal with no usage line of its own
# ends with the one of the subcommand that was tried.
USAGE = {
    "new": "new <customer> | <tool> | new|renewal [| <amount>] [| <YYYY-MM-DD>] [| again]",
    "qualify": "qualify REQ",
    "disqualify": "disqualify REQ <reason>",
    "assign": "assign REQ @buyer",
    "update": "update REQ <text>",
    "quote": "quote REQ <vendor or reseller> <amount>",
    "close": "close REQ won|lost|cancelled [note]  ·  close REQ won | <annual amount> | "
    "<renewal YYYY-MM-DD> [| monthly|annual]",
    "status": "status REQ",
    "mine": "mine",
}


TARGET = "target <YYYYQn|next> pod|@member <amount>"
STATS = "stats [YYYYQn] [@member | <customer> | pod]"

# An unknown request points at the invoker's own requests.
UNKNOWN = "There is no request REQ-999; `/proc mine` lists yours."

# (user, text, channel, what the answer must say, the usage line it must end with or None)
REFUSALS = [
    # --- grammar ---------------------------------------------------------------------------
    pytest.param(
        ANALYST, "frobnicate 1", ALPHA, "`frobnicate` is not a /proc command.",
        "\nUsage: `/proc help` lists them all", id="unknown_subcommand",
    ),
    pytest.param(
        ANALYST, "qualfy 1", ALPHA, "`qualfy` is not a /proc command. Did you mean `qualify`?",
        usage("qualify REQ"), id="a_typo_suggests_the_nearest_subcommand",
    ),
    pytest.param(
        ANALYST, "disq 5 dup", ALPHA, "`disq` is not a /proc command. Did you mean `disqualify`?",
        usage("disqualify REQ <reason>"), id="a_prefix_of_one_subcommand_suggests_it",
    ),
    # --- a renewal date in the past (the world's today is 2026-11-23 in every POD) ---------
    pytest.param(
        ANALYST, "new Acme | Figma | renewal | 48k | 2025-02-01", ALPHA,
        "The renewal date 2025-02-01 is in the past (today is 2026-11-23); give the next "
        "renewal date.", None, id="new_with_a_renewal_22_months_ago",
    ),
    pytest.param(
        ANALYST, "new Acme | Figma | renewal | 48k | 2026-11-22", ALPHA,
        "The renewal date 2026-11-22 is in the past", None, id="new_with_yesterdays_renewal",
    ),
    pytest.param(
        ANALYST, "contract add Acme | Figma | 48k | 2025-02-01", ALPHA,
        "The renewal date 2025-02-01 is in the past",
        usage("contract add <customer> | <tool> | <annual amount> | <renewal YYYY-MM-DD> "
              "[| monthly|annual]"),
        id="contract_add_with_a_past_renewal",
    ),
    pytest.param(
        EM, "close 3 won | 25k | 2026-01-31", ALPHA,
        "The renewal date 2026-01-31 is in the past", None, id="close_won_with_a_past_new_term",
    ),
    pytest.param(
        ANALYST, "qualify", ALPHA, "The request key is missing.", usage("qualify REQ"),
        id="qualify_without_a_key",
    ),
    pytest.param(
        ANALYST, "qualify 1 2", ALPHA, "Unexpected text after the request key: `2`.",
        usage("qualify REQ"), id="qualify_with_two_keys",
    ),
    pytest.param(
        ANALYST, "qualify REQ-x", ALPHA, "`REQ-x` is not a request key",
        usage("qualify REQ"), id="qualify_with_a_key_that_is_not_a_number",
    ),
    pytest.param(
        ANALYST, "new Acme | Figma", ALPHA,
        "Give at least the customer, the tool and the type, separated by `|`.",
        usage("new <customer> | <tool> | new|renewal [| <amount>] [| <YYYY-MM-DD>] [| again]"),
        id="new_with_two_fields",
    ),
    pytest.param(
        ANALYST, "new Acme | Figma | upgrade", ALPHA, "`upgrade` is not a request type",
        usage("new <customer> | <tool> | new|renewal [| <amount>] [| <YYYY-MM-DD>] [| again]"),
        id="new_with_a_bad_type",
    ),
    pytest.param(
        ANALYST, "new Acme | Figma | new | 48kk", ALPHA, "`48kk` is not an amount",
        usage("new <customer> | <tool> | new|renewal [| <amount>] [| <YYYY-MM-DD>] [| again]"),
        id="new_with_a_bad_amount",
    ),
    pytest.param(
        ANALYST, "new Acme | Figma | renewal | 48k | 2026-13-01", ALPHA,
        "`2026-13-01` is not a date; write it as YYYY-MM-DD.",
        usage("new <customer> | <tool> | new|renewal [| <amount>] [| <YYYY-MM-DD>] [| again]"),
        id="new_with_a_bad_date",
    ),
    pytest.param(
        ANALYST, "new Acme | Figma | renewal | 48k | 2027-01-31 | urgent", ALPHA,
        "There are more than five `|`-separated fields (six with `again` at the end).",
        usage("new <customer> | <tool> | new|renewal [| <amount>] [| <YYYY-MM-DD>] [| again]"),
        id="new_with_six_fields",
    ),
    pytest.param(
        EM, "new  ACME corp |figma | renewal", ALPHA,
        "REQ-1 (POD Alpha, intake, opened by <@U0ANA0001>) is already open for Acme Corp · "
        "Figma; to open another anyway, end the command with `| again`.", None,
        id="new_for_a_customer_and_tool_already_open",
    ),
    pytest.param(
        ANALYST, "assign 2 @dana", ALPHA, "`@dana` is not a mention Slack recognised",
        usage("assign REQ @buyer"), id="assign_with_a_plain_at_name",
    ),
    pytest.param(
        ANALYST, f"assign 2 <@{BUYER}> <@{EM}>", ALPHA, "Mention exactly one buyer.",
        usage("assign REQ @buyer"), id="assign_with_two_mentions",
    ),
    pytest.param(
        ANALYST, "assign 2", ALPHA, "Mention the buyer to assign",
        usage("assign REQ @buyer"), id="assign_without_a_buyer",
    ),
    pytest.param(
        BUYER, "quote 3 SHI", ALPHA, "Give the vendor or reseller and the quoted amount.",
        usage("quote REQ <vendor or reseller> <amount>"), id="quote_without_an_amount",
    ),
    pytest.param(
        BUYER, "quote 3 SHI International", ALPHA, "`International` is not an amount",
        usage("quote REQ <vendor or reseller> <amount>"), id="quote_with_words_for_an_amount",
    ),
    pytest.param(
        BUYER, "quote 3 SHI $$29,500", ALPHA,
        "`$$29,500` writes the currency more than once; write it once, like $48,000 or EUR 40k.",
        usage("quote REQ <vendor or reseller> <amount>"), id="quote_with_a_doubled_dollar_sign",
    ),
    pytest.param(
        BUYER, "savings 3 $$$1m 40k", ALPHA, "`$$$1m` writes the currency more than once",
        usage("savings REQ <baseline> <final> [avoidance] [| additional] [right-sizing]"),
        id="savings_with_a_tripled_dollar_sign",
    ),
    pytest.param(
        BUYER, "close 3 maybe", ALPHA, "`maybe` is not an outcome; write won, lost or cancelled.",
        usage(
            "close REQ won|lost|cancelled [note]  ·  close REQ won | <annual amount> | "
            "<renewal YYYY-MM-DD> [| monthly|annual]"
        ),
        id="close_with_outcome_maybe",
    ),
    pytest.param(
        ANALYST, "disqualify 1", ALPHA, "The reason is missing.",
        usage("disqualify REQ <reason>"), id="disqualify_without_a_reason",
    ),
    pytest.param(
        ANALYST, "mine extra", ALPHA, "This command takes no arguments, but got `extra`.",
        usage("mine"), id="mine_with_an_argument",
    ),
    pytest.param(
        BUYER, "status", ALPHA, "The request key is missing.", usage("status REQ"),
        id="status_without_a_key",
    ),
    # --- arguments in the wrong order: the command as meant, people by name ----------------
    pytest.param(
        ANALYST, f"assign <@{BUYER}|dana> REQ-2", ALPHA,
        "The request key comes first. Did you mean `/proc assign REQ-2 @dana`?",
        usage("assign REQ @buyer"), id="assign_with_the_buyer_before_the_request",
    ),
    pytest.param(
        BUYER, "quote SHI REQ-3 25k", ALPHA,
        "The request key comes first. Did you mean `/proc quote REQ-3 SHI 25k`?",
        usage("quote REQ <vendor or reseller> <amount>"), id="quote_with_the_vendor_first",
    ),
    pytest.param(
        ANALYST, f"qualify <@{BUYER}|dana>", ALPHA,
        "`@dana` is not a request key; write it like REQ-12 or 12.",
        usage("qualify REQ"), id="a_mention_for_a_request_key_is_shown_by_name",
    ),
    pytest.param(
        EM, f"target <@{BUYER}|dana> 2027Q1 120k", ALPHA,
        "The quarter comes first. Did you mean `/proc target 2027Q1 @dana 120k`?",
        usage(TARGET), id="target_with_the_member_before_the_quarter",
    ),
    pytest.param(
        EM, "target pod Q1 2027 500k", ALPHA,
        "The quarter comes first. Did you mean `/proc target 2027Q1 pod 500k`?",
        usage(TARGET), id="target_with_pod_before_the_quarter",
    ),
    # --- a quarter that cannot be placed -----------------------------------------------------
    pytest.param(
        EM, "target Q1 pod 500k", ALPHA, "`Q1` has no year; write the quarter like 2026Q1.",
        usage(TARGET), id="target_for_a_quarter_without_its_year",
    ),
    pytest.param(
        EM, f"target <@{BUYER}|dana> q1 120k", ALPHA,
        "`q1` has no year; write the quarter like 2026Q1.",
        usage(TARGET), id="target_swapped_and_without_the_year",
    ),
    pytest.param(
        ANALYST, "renewals 27Q1", ALPHA,
        "`27Q1` has a two-digit year; write the quarter like 2027Q1.",
        usage("renewals [next|YYYYQn]"), id="renewals_for_a_two_digit_year",
    ),
    pytest.param(
        ANALYST, "renewals soon", ALPHA,
        "`soon` is not a quarter; write the quarter like 2026Q4, or `next`.",
        usage("renewals [next|YYYYQn]"), id="renewals_for_a_word_that_is_no_quarter",
    ),
    # --- unknown request -------------------------------------------------------------------
    pytest.param(
        ANALYST, "qualify REQ-999", ALPHA, UNKNOWN, None,
        id="qualify_an_unknown_request",
    ),
    pytest.param(
        BUYER, "status 999", ALPHA, UNKNOWN, None,
        id="status_of_an_unknown_request",
    ),
    pytest.param(
        BUYER, "update req-999 called them", ALPHA, UNKNOWN, None,
        id="update_an_unknown_request",
    ),
    # --- wrong stage -----------------------------------------------------------------------
    pytest.param(
        ANALYST, "qualify 4", ALPHA, "REQ-4 is closed: it is already finished.",
        None, id="qualify_a_closed_request",
    ),
    pytest.param(
        ANALYST, f"assign 1 <@{BUYER}>", ALPHA, "REQ-1 is in intake: qualify it first.", None,
        id="assign_an_intake_request",
    ),
    pytest.param(
        ANALYST, f"assign 3 <@{BUYER}>", ALPHA, "REQ-3 is already assigned to <@U0BUY0001>.",
        None, id="assign_to_the_buyer_it_already_has",
    ),
    pytest.param(
        EM, "update 2 called the vendor", ALPHA,
        "REQ-2 is qualified: updates are for requests under negotiation.", None,
        id="update_a_qualified_request",
    ),
    pytest.param(
        ANALYST, "close 1 won", ALPHA,
        "REQ-1 is in intake: only a request under negotiation can be closed won or lost.", None,
        id="close_won_an_intake_request",
    ),
    pytest.param(
        ANALYST, "disqualify 3 duplicate of REQ-1", ALPHA,
        "REQ-3 is under negotiation: only an intake request can be disqualified", None,
        id="disqualify_a_negotiating_request",
    ),
    pytest.param(
        EM, "close 4 cancelled customer withdrew", ALPHA,
        "REQ-4 is closed: it is already finished.", None, id="cancel_a_closed_request",
    ),
    pytest.param(
        EM, "close 5 cancelled", ALPHA, "REQ-5 is disqualified: it is already finished.", None,
        id="cancel_a_disqualified_request",
    ),
    pytest.param(
        BUYER, "quote 1 SHI 40k", ALPHA,
        "REQ-1 is in intake: quotes are recorded once a request is qualified.", None,
        id="quote_an_intake_request",
    ),
    # --- not permitted ---------------------------------------------------------------------
    pytest.param(
        BUYER, "qualify 1", ALPHA, "Only an analyst or em may do that; in POD Alpha you are buyer.",
        None, id="buyer_cannot_qualify",
    ),
    pytest.param(
        CSM, f"assign 2 <@{BUYER}>", ALPHA,
        "Only an analyst or em may do that; in POD Alpha you are csm.", None,
        id="csm_cannot_assign",
    ),
    pytest.param(
        ANALYST, "update 3 chased the vendor", ALPHA,
        "Only the assigned buyer or an em may do that; in POD Alpha you are analyst.", None,
        id="analyst_cannot_post_an_update",
    ),
    pytest.param(
        BUYER, "update 6 chased the vendor", ALPHA,
        "REQ-6 is assigned to <@U0EM00001>: only the assigned buyer or an em may do that.", None,
        id="buyer_who_is_not_the_assigned_buyer_cannot_post_an_update",
    ),
    pytest.param(
        BUYER, "close 6 won", ALPHA,
        "REQ-6 is assigned to <@U0EM00001>: only the assigned buyer (won or lost), an analyst "
        "or an em may do that.", None,
        id="buyer_who_is_not_the_assigned_buyer_cannot_close_won",
    ),
    pytest.param(
        BUYER, "close 3 cancelled", ALPHA,
        "Only an analyst or em may do that; in POD Alpha you are buyer.", None,
        id="assigned_buyer_cannot_cancel",
    ),
    pytest.param(
        BUYER, "close 6 cancelled", ALPHA,
        "Only an analyst or em may do that; in POD Alpha you are buyer.", None,
        id="buyer_cannot_cancel_a_request_assigned_to_someone_else",
    ),
    pytest.param(
        CSM, "quote 3 SHI 25k", ALPHA, "Only a buyer or em may do that; in POD Alpha you are csm.",
        None, id="csm_cannot_record_a_quote",
    ),
    pytest.param(
        ANALYST, f"assign 2 <@{CSM}>", ALPHA,
        "<@U0CSM0001> is not a buyer in POD Alpha, so cannot be assigned; POD Alpha's buyers: "
        "<@U0BUY0001>.", None,
        id="assign_to_a_csm_of_the_pod",
    ),
    pytest.param(
        ANALYST, f"assign 2 <@{BETA_BUYER}>", ALPHA,
        "<@U0BUY0002> is not a buyer in POD Alpha, so cannot be assigned; POD Alpha's buyers: "
        "<@U0BUY0001>.", None,
        id="assign_to_a_buyer_of_another_pod",
    ),
    pytest.param(
        BETA_ANALYST, "qualify 1", BETA,
        "REQ-1 belongs to POD Alpha, and you are not a member of it.", None,
        id="beta_analyst_cannot_qualify_an_alpha_request",
    ),
    pytest.param(
        BETA_EM, "close 3 cancelled", BETA,
        "REQ-3 belongs to POD Alpha, and you are not a member of it.", None,
        id="beta_em_cannot_cancel_an_alpha_request",
    ),
    pytest.param(
        BUYER, "qualify 1", BETA, "Only an analyst or em may do that; in POD Alpha you are buyer.",
        None, id="beta_analyst_role_does_not_qualify_alpha_requests",
    ),
    pytest.param(
        BUYER, "disqualify 1 duplicate", DM,
        "Only an analyst or em may do that; in POD Alpha you are buyer.", None,
        id="beta_analyst_role_does_not_disqualify_alpha_requests",
    ),
    pytest.param(
        BUYER, f"assign 2 <@{BUYER}>", BETA,
        "Only an analyst or em may do that; in POD Alpha you are buyer.", None,
        id="beta_analyst_role_does_not_assign_alpha_requests",
    ),
    pytest.param(
        BETA_BUYER, "update 3 heard back", BETA,
        "REQ-3 belongs to POD Alpha, and you are not a member of it.", None,
        id="beta_buyer_cannot_update_an_alpha_request",
    ),
    # --- who may open a request, and where --------------------------------------------------
    pytest.param(
        BUYER, "new Acme | Figma | new", ALPHA,
        "Only an analyst, em or csm may do that; in POD Alpha you are buyer.", None,
        id="buyer_cannot_open_a_request",
    ),
    pytest.param(
        BETA_ANALYST, "new Acme | Figma | new", ALPHA,
        "You are not a member of POD Alpha, whose channel this is.", None,
        id="new_in_the_channel_of_a_pod_the_user_is_not_in",
    ),
    pytest.param(
        BUYER, "new Acme | Figma | new", ALPHA,
        "Only an analyst, em or csm may do that; in POD Alpha you are buyer.", None,
        id="new_in_a_pod_channel_uses_the_role_there_not_elsewhere",
    ),
    pytest.param(
        BETA_BUYER, "new Acme | Figma | new", DM,
        "Only an analyst, em or csm may do that; in POD Beta you are buyer.", None,
        id="buyer_of_one_pod_cannot_open_a_request_from_a_dm",
    ),
    pytest.param(
        TWO_POD_ANALYST, "new Acme | Figma | new", DM,
        "You are in several PODs (POD Alpha, POD Beta): run this in the channel of the POD it "
        "is for.", None,
        id="new_outside_a_pod_channel_when_it_could_go_to_several_pods",
    ),
    # --- in no POD at all ------------------------------------------------------------------
    pytest.param(
        STRANGER, "new Acme | Figma | new", ALPHA,
        "You are not a member of any procurement POD", None, id="no_pod_user_runs_new",
    ),
    pytest.param(
        STRANGER, "new", DM, "You are not a member of any procurement POD", None,
        id="no_pod_user_opens_the_intake_form",
    ),
    pytest.param(
        STRANGER, "mine", DM,
        "You are not a member of any procurement POD yet; ask your POD's analyst to add you to "
        "podbot's configuration.", None,
        id="no_pod_user_runs_mine",
    ),
    pytest.param(
        STRANGER, "qualify 1", ALPHA, "You are not a member of any procurement POD", None,
        id="no_pod_user_runs_qualify",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("user", "text", "channel", "says", "usage_line"), REFUSALS)
def test_a_refusal_answers_once_and_changes_nothing(
    refusal_world: RunningBot,
    proc: Proc,
    user: str,
    text: str,
    channel: str,
    says: str,
    usage_line: str | None,
) -> None:
    bot = refusal_world
    before = db_dump(bot)
    calls_before = len(bot.api.calls)

    answer = proc.answer(user, text, channel)

    assert answer["response_type"] == "ephemeral"
    reply = answer["text"]
    assert reply.startswith(":warning: "), reply
    assert says in reply, reply
    # One sentence, then the usage line: the refusal's own, else the subcommand's.
    expected = usage_line or usage(USAGE[text.split()[0]])
    assert reply.endswith(expected), reply
    assert reply.count("\n") == 1, reply
    assert not SLACK_MARKUP.search(reply), reply
    bot.wait_idle()
    assert bot.api.calls[calls_before:] == []
    assert db_dump(bot) == before


# Slack's markup for a person or channel as typed (`<@U0BUY0001|dana>`): never shown back.
SLACK_MARKUP = re.compile(r"<[@#][A-Z0-9]+\|")

# `/proc stats` refusals come after the ack, by the command's response_url (SPEC §3): the same
# one sentence and usage line, and nothing written but the outbox row carrying them.
DEFERRED_REFUSALS = [
    pytest.param(
        ANALYST, "stats Q4", "`Q4` has no year; write the quarter like 2026Q4.",
        id="stats_for_a_quarter_without_its_year",
    ),
    pytest.param(
        EM, "stats q4 pod", "`q4` has no year; write the quarter like 2026Q4.",
        id="stats_for_the_pod_in_a_quarter_without_its_year",
    ),
    pytest.param(
        EM, "stats 26Q4 Acme Corp", "`26Q4` has a two-digit year; write the quarter like 2026Q4.",
        id="stats_for_a_two_digit_year",
    ),
    pytest.param(
        EM, f"stats <@{BUYER}|dana> 2026-Q4",
        "The quarter comes first. Did you mean `/proc stats 2026Q4 @dana`?",
        id="stats_with_the_member_before_the_quarter",
    ),
    pytest.param(
        EM, "stats Acme Corp Q4 2026",
        "The quarter comes first. Did you mean `/proc stats 2026Q4 Acme Corp`?",
        id="stats_with_the_customer_before_the_quarter",
    ),
    pytest.param(
        EM, "stats Acme Corp q4", "`q4` has no year; write the quarter like 2026Q4.",
        id="stats_with_a_quarter_without_its_year_after_the_customer",
    ),
]  # fmt: skip


@pytest.mark.parametrize(("user", "text", "says"), DEFERRED_REFUSALS)
def test_a_refusal_after_the_ack_answers_once_and_writes_only_its_answer(
    refusal_world: RunningBot, proc: Proc, user: str, text: str, says: str
) -> None:
    bot = refusal_world
    before = db_dump(bot)
    calls_before = len(bot.api.calls)

    reply = proc(user, text)

    assert reply == f":warning: {says}{usage(STATS)}"
    bot.wait_idle()
    assert [call.method for call in bot.api.calls[calls_before:]] == ["response_url"]
    # The database is as it was, but for the (delivered) outbox row of the answer.
    assert without_deliveries(db_dump(bot)) == without_deliveries(before)


def without_deliveries(dump: str) -> list[str]:
    return [line for line in dump.splitlines() if "deliveries" not in line]


def test_a_buyer_here_and_analyst_there_opens_from_a_dm_in_the_pod_where_they_may(
    world: RunningBot, proc: Proc
) -> None:
    # U0BUY0001 is a buyer in Alpha (may not open requests) and an analyst in Beta (may):
    # outside any POD channel the only POD where they may open one is unambiguous.
    reply = proc(BUYER, "new Acme Corp | Slack | new", DM)
    assert reply.startswith("Created *REQ-9* — Acme Corp · Slack (new).")
    assert f"<#{BETA}>" in reply
    with world.db.transaction() as session:
        assert session.get(Request, 9).pod.key == "beta"
    assert proc.card(9).channel == BETA


def test_the_analyst_role_in_beta_still_qualifies_beta_requests(
    world: RunningBot, proc: Proc
) -> None:
    # The refusal above is about the request's POD, not about the user.
    assert proc(BUYER, "qualify 7", BETA).startswith("REQ-7 is qualified.")
    assert proc.request(7).stage == "qualified"


def test_an_unexpected_error_is_acked_with_a_reference_that_is_in_the_log(
    world: RunningBot, proc: Proc, caplog: pytest.LogCaptureFixture
) -> None:
    bot = world
    path = make_url(bot.db.url).database
    assert path
    with sqlite3.connect(path) as connection:
        connection.execute("DROP TABLE request_events")
    connection.close()
    before = db_dump(bot)
    calls_before = len(bot.api.calls)

    with caplog.at_level(logging.INFO):
        response = bot.slack.slash_command("qualify 1", user_id=ANALYST, channel_id=ALPHA)
        bot.wait_idle()

    assert response.status == 200
    answer = response.json()
    assert answer["response_type"] == "ephemeral"
    reply = answer["text"]
    assert reply.startswith(":x: Something went wrong"), reply
    match = re.search(r"ref `([0-9a-f]{8})`", reply)
    assert match, reply
    ref = match.group(1)
    logged = [r for r in caplog.records if ref in r.getMessage()]
    assert len(logged) == 1
    (record,) = logged
    assert record.levelno == logging.ERROR
    assert record.exc_info is not None
    assert "request_events" in caplog.text
    assert "Traceback" not in reply and "request_events" not in reply
    assert bot.api.calls[calls_before:] == []
    assert db_dump(bot) == before
    assert proc.request(1).stage == "intake"


# --- what must not be refused --------------------------------------------------------------


@pytest.mark.parametrize(
    ("user", "text", "reply"),
    [
        pytest.param(ANALYST, "qualify\n1", "REQ-1 is qualified.", id="newline_after_subcommand"),
        pytest.param(
            ANALYST, "new Acme | Figma | renewal | 48k | 2026-11-23", "Created *REQ-9*",
            id="a_renewal_today_is_not_past",
        ),
        pytest.param(ANALYST, "qualify\t1", "REQ-1 is qualified.", id="tab_after_subcommand"),
        pytest.param(
            ANALYST, "qualify\u00a01", "REQ-1 is qualified.", id="pasted_non_breaking_space"
        ),
        pytest.param(
            BUYER, "quote 3\nSHI 25k", "Quote from SHI ($25,000) recorded on REQ-3.",
            id="newline_after_the_key_of_a_quote",
        ),
        pytest.param(
            BUYER, "close 3 won\nsigned at 25k", "REQ-3 is closed (won).",
            id="newline_after_the_outcome",
        ),
        pytest.param(
            ANALYST, "disqualify 1\nduplicate of REQ-2", "REQ-1 is disqualified.",
            id="newline_after_the_key_of_a_disqualify",
        ),
    ],
)  # fmt: skip
def test_any_whitespace_separates_words_like_a_space(
    world: RunningBot, proc: Proc, user: str, text: str, reply: str
) -> None:
    assert proc(user, text).startswith(reply)


def test_a_multi_line_update_keeps_its_lines(world: RunningBot, proc: Proc) -> None:
    # Shift-Enter in Slack's composer puts a newline straight after the key.
    text = "update REQ-3\nVendor came back at 27k\nNext: call their CFO on Tuesday"
    assert proc(BUYER, text) == "Update posted in REQ-3's thread."
    assert proc.thread(3)[-1].text == (
        ":memo: *Update* from <@U0BUY0001>:\n>Vendor came back at 27k\n"
        ">Next: call their CFO on Tuesday"
    )
