"""The grammar of `/proc people` and of `/proc account … sentiment`, and the single-threaded
rule (issue 35)."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.grammar import GrammarError
from bot.domain.people_matrix import (
    Contact,
    MatrixRole,
    PeopleCommand,
    Sentiment,
    SentimentCommand,
    parse_people_command,
    parse_sentiment_command,
    single_threaded,
    why_single_threaded,
)


def test_people_forms() -> None:
    assert parse_people_command("Acme  Corp") == PeopleCommand("Acme Corp")
    assert parse_people_command("Add Co add Jo Bloggs role Approver escalation 2") == (
        PeopleCommand("Add Co", "add", "Jo Bloggs", MatrixRole.APPROVER, 2)
    )
    assert parse_people_command("Acme remove <mailto:a@acme.com|a@acme.com>") == (
        PeopleCommand("Acme", "remove", "a@acme.com")
    )
    assert parse_people_command("Acme contacted Jo 2026-11-02") == (
        PeopleCommand("Acme", "contacted", "Jo", contacted=date(2026, 11, 2))
    )
    assert parse_people_command("Acme contacted Jo") == PeopleCommand("Acme", "contacted", "Jo")


@pytest.mark.parametrize(
    ("args", "says"),
    [
        ("", "Name the customer"),
        ("Acme add Jo", "Give the person's role"),
        ("Acme add role user", "Name the person"),
        ("Acme add Jo role chief", "`chief` is not a role"),
        ("Acme add Jo role user escalation 9", "only `escalation 1` or `escalation 2`"),
        ("Acme remove", "Name the person"),
    ],
)
def test_people_refusals(args: str, says: str) -> None:
    with pytest.raises(GrammarError, match=says.replace("(", r"\(")):
        parse_people_command(args)


def test_sentiment_form_and_what_is_no_sentiment() -> None:
    assert parse_sentiment_command("Acme Corp sentiment Negative  late  again") == (
        SentimentCommand("Acme Corp", Sentiment.NEGATIVE, "late  again")
    )
    assert parse_sentiment_command("Acme Corp") is None
    assert parse_sentiment_command("Acme health at-risk sentiment is low") is None
    with pytest.raises(GrammarError, match="Say why"):
        parse_sentiment_command("Acme sentiment positive")


def test_single_threaded() -> None:
    jo = Contact("Jo", "user", None, None)
    boss = Contact("Boss", "decision-maker", 1, None)
    assert single_threaded([]) and why_single_threaded([]) == "0 contacts"
    assert single_threaded([boss]) and why_single_threaded([boss]) == "1 contact"
    assert single_threaded([jo, jo]) and why_single_threaded([jo, jo]) == "no escalation contact"
    assert not single_threaded([jo, boss])
