"""Duplicates caught at the door (SPEC §3): `/proc new` and the intake form, for a customer and
tool that already have an open request (by name key, in any POD), write nothing until the
opener confirms; the refusal says which request is open, in which POD, how far and whose. A
confirmed one is opened, and both threads say so. The card spells the names as the SaaS stack
or the account does."""

from __future__ import annotations

from typing import Any

from tests.commands.conftest import (
    ALPHA,
    ANALYST,
    BETA,
    BETA_ANALYST,
    BUYER,
    EM,
    Proc,
    blocks_text,
)
from tests.conftest import RunningBot
from tests.helpers.accounts import add_account
from tests.helpers.modals import opened_view, submit
from tests.helpers.refusals import db_dump

NEW_USAGE = (
    "\nUsage: `/proc new <customer> | <tool> | new|renewal [| <amount>] [| <YYYY-MM-DD>] [| again]`"
)


def negotiating_in_alpha(proc: Proc) -> None:
    """REQ-1: Nilgiri Foods · Notion, under negotiation by POD Alpha's buyer."""
    proc(ANALYST, "new Nilgiri Foods | Notion | renewal | 48k")
    proc(ANALYST, "qualify 1")
    proc(ANALYST, f"assign 1 <@{BUYER}>")


def test_a_second_new_for_the_same_customer_and_tool_writes_nothing_until_confirmed(
    bot: RunningBot, proc: Proc
) -> None:
    negotiating_in_alpha(proc)
    bot.wait_idle()
    before, calls = db_dump(bot), len(bot.api.calls)

    # Another POD, other capitals and spacing: the same customer and tool.
    refused = proc(BETA_ANALYST, "new  NILGIRI   FOODS |notion| renewal", BETA)

    assert refused == (
        ":warning: REQ-1 (POD Alpha, negotiating, buyer <@U0BUY0001>) is already open for "
        "Nilgiri Foods · Notion; to open another anyway, end the command with `| again`."
        + NEW_USAGE
    )
    bot.wait_idle()
    assert [c.method for c in bot.api.calls[calls:]] == []
    assert db_dump(bot) == before

    confirmed = proc(BETA_ANALYST, "new  NILGIRI   FOODS |notion| renewal | Again", BETA)

    assert confirmed.startswith(
        "Created *REQ-2* — NILGIRI FOODS · notion (renewal). Its card is in <#C0BETA001>.\n"
        ":warning: REQ-1 is already open for NILGIRI FOODS · notion: parallel negotiation?"
    )
    assert proc.request(1).stage == "negotiating" and proc.request(2).stage == "intake"
    assert proc.card(2).channel == BETA
    told = proc.thread(1)[-1].text
    assert told.startswith(":warning: <@U0ANA0001> <@U0EM00001> Parallel negotiation?")
    assert "<@U0ANA0002> just opened REQ-2 for the same customer and tool" in told
    assert [m.text for m in proc.thread(2)] == [
        ":information_source: <@U0ANA0002> opened REQ-2 on purpose beside REQ-1 (POD Alpha, "
        "negotiating, buyer <@U0BUY0001>), open for the same customer and tool."
    ]


def test_every_open_duplicate_is_named_with_its_owner(bot: RunningBot, proc: Proc) -> None:
    negotiating_in_alpha(proc)
    proc(BETA_ANALYST, "new Nilgiri Foods | Notion | new | again", BETA)
    proc(EM, "new Nilgiri Foods | Figma | new")  # another tool: no duplicate
    proc(EM, "new nilgiri foods | notion | new")
    assert proc.request_count() == 3
    assert proc(ANALYST, "new Nilgiri Foods | Notion | new").startswith(
        ":warning: REQ-1 (POD Alpha, negotiating, buyer <@U0BUY0001>) and REQ-2 (POD Beta, "
        "intake, opened by <@U0ANA0002>) are already open for Nilgiri Foods · Notion;"
    )
    # Whoever asks is `you`: their own open request, or the one they buy.
    assert proc(BUYER, "new Nilgiri Foods | Notion | new", BETA).startswith(
        ":warning: REQ-1 (POD Alpha, negotiating, buyer: you) and REQ-2"
    )
    assert proc.request_count() == 3


def intake(bot: RunningBot, proc: Proc, user: str, answers: dict[str, str]) -> Any:
    proc(user, "new")
    _, view = opened_view(bot)
    return view, submit(bot, user, view, answers)


def test_the_intake_form_writes_a_duplicate_only_once_its_box_is_ticked(
    bot: RunningBot, proc: Proc
) -> None:
    negotiating_in_alpha(proc)
    answers = {"customer": "nilgiri  FOODS", "tool": "NOTION", "type": "renewal"}
    view, _ = intake(bot, proc, EM, answers)
    bot.wait_idle()
    before, calls = db_dump(bot), len(bot.api.calls)

    refused = submit(bot, EM, view, answers)

    # A form's error is plain text, where Slack renders no mention: the owner by their part.
    assert refused == {
        "response_action": "errors",
        "errors": {
            "again": "REQ-1 (POD Alpha, negotiating, its buyer) is already open for "
            "Nilgiri Foods · Notion. Tick this box to open another anyway."
        },
    }
    assert bot.api.calls[calls:] == [] and db_dump(bot) == before

    assert submit(bot, EM, view, {**answers, "again": "again"}) is None

    assert proc.request_count() == 2 and proc.card(2).channel == ALPHA
    assert "Parallel negotiation?" in proc.thread(1)[-1].text
    assert [m.text for m in proc.thread(2)] == [
        ":information_source: <@U0EM00001> opened REQ-2 on purpose beside REQ-1 (POD Alpha, "
        "negotiating, buyer <@U0BUY0001>), open for the same customer and tool."
    ]


def test_the_card_spells_the_names_as_the_contract_or_the_account_does(
    bot: RunningBot, proc: Proc
) -> None:
    proc(ANALYST, "contract add Nilgiri Foods | Notion | 48k | 2027-03-31")
    add_account(bot, "Kaveri Fintech")
    created = proc(ANALYST, "new NILGIRI FOODS | notion | renewal")
    assert created.startswith("Created *REQ-1* — Nilgiri Foods · Notion (renewal).")
    # An account and no contract: the account's customer, the tool as typed.
    proc(ANALYST, "new kaveri   FINTECH | miro | new")
    # Neither: as typed.
    proc(ANALYST, "new deccan health | Miro | new")
    names = [(proc.request(n).customer, proc.request(n).tool) for n in (1, 2, 3)]
    assert names == [
        ("Nilgiri Foods", "Notion"),
        ("Kaveri Fintech", "miro"),
        ("deccan health", "Miro"),
    ]
    assert "Nilgiri Foods · Notion" in blocks_text(proc.card(1).blocks)
    assert "NILGIRI" not in blocks_text(proc.card(1).blocks)
