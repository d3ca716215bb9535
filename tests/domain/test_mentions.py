"""Slack user mentions in `/proc assign REQ @buyer` and in POD channel messages."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.domain.mentions import (
    MentionError,
    as_read,
    defuse_broadcasts,
    find_user_mentions,
    is_user_id,
    parse_user_mention,
)


@pytest.mark.parametrize(
    ("text", "user_id"),
    [
        ("<@U123ABC>", "U123ABC"),
        ("<@U123ABC|priya>", "U123ABC"),
        ("<@U0BUY0001|priya.sharma>", "U0BUY0001"),
        ("<@W123ABC>", "W123ABC"),
        ("<@W0ENT0001|dana>", "W0ENT0001"),
        ("  <@U0BUY0001>  ", "U0BUY0001"),
        ("<@U12|>", "U12"),
    ],
)
def test_parse_user_mention_accepts(text: str, user_id: str) -> None:
    assert parse_user_mention(text) == user_id


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "A person is missing"),
        ("@priya", "pick the person from the @ menu"),
        ("U123ABC", "is not a person"),
        ("<@U1>", "is not a person"),
        ("<@u123abc>", "is not a person"),
        ("<@B123ABC>", "is not a person"),
        ("<#C123ABC|general>", "is not a person"),
        ("<!subteam^S123|buyers>", "is not a person"),
        ("<@U123ABC", "is not a person"),
        ("<@U123ABC> <@U456DEF>", "is not a person"),
        ("<@U123ABC> thanks", "is not a person"),
        ("hi <@U123ABC>", "is not a person"),
    ],
)
def test_parse_user_mention_rejects(text: str, message: str) -> None:
    with pytest.raises(MentionError) as caught:
        parse_user_mention(text)
    assert message in str(caught.value)


def test_mention_error_is_a_value_error() -> None:
    assert issubclass(MentionError, ValueError)


@pytest.mark.parametrize(
    ("text", "user_ids"),
    [
        ("", []),
        ("no mentions here", []),
        ("<@U0BUY0001> can you send the quote?", ["U0BUY0001"]),
        (
            "<@U0ANA0001> and <@W0EM00001|dana>, then <@U0ANA0001> again",
            ["U0ANA0001", "W0EM00001"],
        ),
        ("cc <@U2>, <#C0ALPHA01|alpha>, <!here>, <@B0BOT0001>", []),
        ("<@U0BUY0001><@U0ANA0001>", ["U0BUY0001", "U0ANA0001"]),
    ],
)
def test_find_user_mentions_in_order_without_duplicates(text: str, user_ids: list[str]) -> None:
    assert find_user_mentions(text) == user_ids


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("U0BUY0001", True),
        ("W123", True),
        ("U12", True),
        ("U1", False),
        ("u0buy0001", False),
        ("B0BOT0001", False),
        ("C0ALPHA01", False),
        ("<@U0BUY0001>", False),
        (" U0BUY0001", False),
        ("U0BUY0001\n", False),
        ("", False),
    ],
)
def test_is_user_id(text: str, expected: bool) -> None:
    assert is_user_id(text) is expected


USER_IDS = st.from_regex(r"[UW][A-Z0-9]{2,12}", fullmatch=True)
NAMES = st.text(st.characters(blacklist_characters=">"), max_size=20)


@given(user_id=USER_IDS, name=st.none() | NAMES)
def test_a_mention_slack_writes_parses_back_to_its_id(user_id: str, name: str | None) -> None:
    mention = f"<@{user_id}>" if name is None else f"<@{user_id}|{name}>"
    assert is_user_id(user_id)
    assert parse_user_mention(mention) == user_id
    assert find_user_mentions(f"hey {mention}, see {mention}") == [user_id]


@given(user_ids=st.lists(USER_IDS, max_size=6), filler=st.sampled_from([" ", ", ", " and "]))
def test_find_user_mentions_keeps_first_mention_order(user_ids: list[str], filler: str) -> None:
    text = filler.join(f"<@{user_id}>" for user_id in user_ids + user_ids[::-1])
    assert find_user_mentions(text) == list(dict.fromkeys(user_ids))


@given(text=st.one_of(st.text(), st.text(alphabet="<@>|UWB0123ABC ", max_size=20)))
def test_parse_user_mention_raises_only_mention_error(text: str) -> None:
    try:
        user_id = parse_user_mention(text)
    except MentionError as error:
        assert str(error).endswith(".") and "\n" not in str(error)
    else:
        assert is_user_id(user_id)
    assert all(is_user_id(found) for found in find_user_mentions(text))


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        # Slack's tokens, as slash command text carries a typed @channel or user group.
        ("<!channel> heads up", "@\u2060channel heads up"),
        ("<!here|here> and <!everyone>", "@\u2060here and @\u2060everyone"),
        ("<!channel|@channel>", "@\u2060channel"),
        ("cc <!subteam^S0BUYERS|@buyers>.", "cc @\u2060buyers."),
        ("cc <!subteam^S0BUYERS>", "cc @\u2060group"),
        # The words, as typed in a modal (Slack links them when it parses a post).
        ("@here vendor moved", "@\u2060here vendor moved"),
        ("ping @Channel, @EVERYONE!", "ping @\u2060Channel, @\u2060EVERYONE!"),
        ("@@here", "@@\u2060here"),
    ],
)
def test_defuse_broadcasts_shows_the_word_without_notifying(text: str, shown: str) -> None:
    assert defuse_broadcasts(text) == shown
    assert defuse_broadcasts(shown) == shown  # defusing twice changes nothing


@pytest.mark.parametrize(
    "text",
    [
        "<@U0EM00001> please look",  # a colleague's mention stays
        "<@U0EM00001|dana> and <#C0ALPHA01|alpha>",
        "<!date^1795532400^{date_short}|24 Nov>",
        "write to ops@here.example or sales@channel.io",
        "@hereafter @channels @everyones",
        "&lt;!channel&gt; is escaped already",
        "<!here|<@U0EM00001>",  # not a token: the mention in it stays
        "",
    ],
)
def test_defuse_broadcasts_leaves_everything_else(text: str) -> None:
    assert defuse_broadcasts(text) == text


_PIECES = [
    "<!channel>",
    "<!here|here>",
    "<!everyone>",
    "<!subteam^S1|@g>",
    "@here",
    "@channel",
    "@everyone",
    "<@U0EM00001>",
    "<",
    ">",
    "|",
    "@",
    "!",
    "a",
    " ",
    "\n",
    "é",
]
_LIVE = re.compile(
    r"<!(channel|here|everyone)(\|[^>]*)?>|<!subteam\^[^>]*>|(?<!\w)@(channel|here|everyone)\b",
    re.ASCII | re.IGNORECASE,
)


@given(st.lists(st.sampled_from(_PIECES)).map("".join))
def test_defused_text_has_no_broadcast_and_keeps_mentions(text: str) -> None:
    defused = defuse_broadcasts(text)
    assert _LIVE.search(defused) is None
    assert find_user_mentions(defused) == find_user_mentions(text)


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("`<@U0KAVYA01|kavya>` is not a request key", "`@kavya` is not a request key"),
        ("<#C0ALPHA01|pod-alpha> and <!subteam^S0BUY|@buyers>", "#pod-alpha and @buyers"),
        ("<@U0KAVYA01|> alone", "<@U0KAVYA01> alone"),  # no name: the mention Slack renders
        ("REQ-6 is assigned to <@U0EM00001>.", "REQ-6 is assigned to <@U0EM00001>."),
        (
            "due <!date^1795415400^{date_short}|Nov 23, 2026>",
            "due <!date^1795415400^{date_short}|Nov 23, 2026>",
        ),
    ],
)
def test_typed_markup_is_shown_as_its_reader_saw_it(typed: str, shown: str) -> None:
    assert as_read(typed) == shown
