"""`/proc status` shows a request's card and timeline to its POD's members, and to others only
where it is and whom to ask: customers, quotes and negotiation notes stay inside the POD."""

from __future__ import annotations

import json

import pytest

from tests.commands.conftest import (
    ALPHA,
    ANALYST,
    BETA,
    BETA_ANALYST,
    BETA_EM,
    BUYER,
    CSM,
    EM,
    STRANGER,
    Proc,
    blocks_text,
)
from tests.conftest import RunningBot

SECRETS = ["Acme Corp", "Figma", "our walk-away is 33k", "SHI International", "29,500"]


@pytest.fixture
def negotiating(proc: Proc) -> int:
    """POD Alpha's REQ-1, under negotiation with a buyer's notes and a competing quote."""
    for user, text in [
        (ANALYST, "new Acme Corp | Figma | new | $48,000"),
        (ANALYST, "qualify 1"),
        (ANALYST, f"assign 1 <@{BUYER}>"),
        (BUYER, "update 1 vendor opened at 40k; our walk-away is 33k"),
        (BUYER, "quote 1 SHI International 29,500"),
    ]:
        answer = proc(user, text)
        assert not answer.startswith((":warning:", ":x:")), f"{text!r}: {answer}"
    return 1


@pytest.mark.parametrize("member", [EM, BUYER, ANALYST, CSM])
def test_members_of_the_requests_pod_see_the_card_and_timeline(
    proc: Proc, negotiating: int, member: str
) -> None:
    answer = proc.answer(member, f"status {negotiating}", BETA)
    shown = answer["text"] + "\n" + blocks_text(answer["blocks"])
    for secret in SECRETS:
        assert secret in shown, secret


@pytest.mark.parametrize(
    "outsider", [BETA_EM, BETA_ANALYST, STRANGER], ids=["other_pods_em", "other_pods", "no_pod"]
)
def test_others_see_only_where_it_is_and_whom_to_ask(
    bot: RunningBot, proc: Proc, negotiating: int, outsider: str
) -> None:
    calls_before = len(bot.api.calls)
    answer = proc.answer(outsider, f"status REQ-{negotiating}", ALPHA)
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == (
        "REQ-1 is in POD Alpha, stage :handshake: Negotiating. Its card and timeline are for "
        "POD Alpha's members: ask <@U0BUY0001> (its buyer), <@U0ANA0001> (its analyst) "
        "or <@U0EM00001> (POD Alpha's em)."
    )
    everything = json.dumps(answer, ensure_ascii=False)
    for secret in SECRETS:
        assert secret not in everything, secret
    assert bot.api.calls[calls_before:] == []


def test_an_intake_request_without_an_analyst_points_to_the_em(proc: Proc) -> None:
    assert not proc(CSM, "new Initech | Jira | new | 30k").startswith(":warning:")
    answer = proc.answer(BETA_EM, "status 1", BETA)
    assert answer["text"] == (
        "REQ-1 is in POD Alpha, stage :inbox_tray: Intake. Its card and timeline are for "
        "POD Alpha's members: ask <@U0EM00001> (POD Alpha's em)."
    )


def test_a_member_of_both_pods_sees_the_other_pods_request(proc: Proc) -> None:
    # U0BUY0001 is a buyer in Alpha and an analyst in Beta.
    assert not proc(BETA_ANALYST, "new Wayne | Asana | new | 9k", BETA).startswith(":warning:")
    answer = proc.answer(BUYER, "status 1", ALPHA)
    assert "Wayne" in answer["text"] + blocks_text(answer["blocks"])


def test_an_unknown_request_is_unknown_to_everyone(proc: Proc) -> None:
    assert proc(STRANGER, "status 999") == (
        ":warning: There is no request REQ-999; `/proc mine` lists yours.\n"
        "Usage: `/proc status REQ`"
    )
