"""Issue 34's playbooks, driven like Slack does: a won close asks the buyer once which levers
worked (What worked… opens the form; Skip records nothing; one reminder), `/proc playbook`
ranks the levers as the fixture dictates, an em marks a case study from a closed card, and
`assign` posts the tool's playbook for the new request's buyer."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from bot.jobs import JOBS
from tests.commands.conftest import ANALYST, BUYER, EM, Proc, blocks_text
from tests.conftest import RunningBot
from tests.helpers.playbooks import (
    answer,
    answers,
    ask_message,
    opened_view,
    press,
    submit_levers,
    won,
)
from tests.helpers.savings import actions_of, ephemerals_to
from tests.jobs.conftest import run_job

# Thursday 26 November 2026, 10:00 in Kolkata (POD Alpha): past 24 working hours after a
# close on Monday evening.
THURSDAY = datetime(2026, 11, 26, 4, 30, tzinfo=UTC)
FRIDAY = datetime(2026, 11, 27, 4, 30, tzinfo=UTC)


def remind(bot: RunningBot, now: datetime) -> str:
    return run_job(bot.runtime, JOBS["reminders"], bot.runtime.config.pod("alpha"), now=now)


def dms(bot: RunningBot, user: str) -> list:  # type: ignore[type-arg]
    return [m for m in bot.api.messages(f"D{user[1:]}") if not m.thread_ts]


def test_a_won_close_asks_the_buyer_once_and_a_skip_records_nothing_but_one_reminder(
    bot: RunningBot, proc: Proc
) -> None:
    number = won(proc, "Acme", "100k", "70k")
    ask = ask_message(proc, number)
    assert ask.thread_ts == proc.card(number).ts
    assert ask.text.startswith(f"<@{BUYER}> :trophy: REQ-{number} was won — which levers worked?")
    assert actions_of(ask) == ["levers_open", "levers_skip"]
    # Nobody but the buyer or an em may answer for it.
    press(bot, ANALYST, "levers_skip", ask)
    assert ephemerals_to(bot, ANALYST)[-1].startswith(
        f":warning: Only REQ-{number}'s buyer (<@{BUYER}>) or an em of POD Alpha may say"
    )
    # …nor open its form (the shared modal opener, with the levers' own check): no modal.
    press(bot, ANALYST, "levers_open", ask)
    assert bot.api.calls_to("views.open") == []
    assert ephemerals_to(bot, ANALYST)[-1].startswith(
        f":warning: Only REQ-{number}'s buyer (<@{BUYER}>) or an em of POD Alpha may say"
    )
    # Skip: the ask says so, its buttons gone; nothing is recorded.
    press(bot, BUYER, "levers_skip", ask)
    skipped = bot.api.message(ask.channel, ask.ts)
    assert actions_of(skipped) == []
    assert skipped.text == (
        f":fast_forward: <@{BUYER}> skipped what worked on REQ-{number} for now; podbot "
        f"reminds <@{BUYER}> once."
    )
    assert answers(bot) == 0

    # A working day later: one reminder, with its own What worked… button; never again.
    remind(bot, THURSDAY)
    (dm,) = [m for m in dms(bot, BUYER) if "What worked?" in m.text]
    assert f"REQ-{number}" in blocks_text(dm.blocks)
    remind(bot, FRIDAY)
    assert len([m for m in dms(bot, BUYER) if "What worked?" in m.text]) == 1

    # The reminder's button opens the form: at least one lever, then recorded once.
    press(bot, BUYER, "levers_open", dm)
    view = opened_view(bot)
    assert view["callback_id"] == "levers"
    assert submit_levers(bot, BUYER, view, []) == {
        "response_action": "errors",
        "errors": {"levers": "Pick at least one lever that worked (or Skip the question)."},
    }
    assert answers(bot) == 0
    submit_levers(bot, BUYER, view, ["multi_year", "price_cap"], "3-year term, 5% cap")
    assert answers(bot) == 1
    assert proc.thread(number)[-1].text == (
        f":toolbox: What worked on REQ-{number}, per <@{BUYER}>: *multi-year, price cap*: "
        "“3-year term, 5% cap”"
    )
    # The reminder's line is settled; the form is not opened again.
    settled = bot.api.message(dm.channel, dm.ts)
    assert "levers_open" not in json.dumps(settled.blocks)
    assert "has its levers named" in blocks_text(settled.blocks)
    opened = len(bot.api.calls_to("views.open"))
    press(bot, BUYER, "levers_open", dm)
    assert len(bot.api.calls_to("views.open")) == opened
    assert ephemerals_to(bot, BUYER)[-1] == (
        f":warning: <@{BUYER}> already said what worked on REQ-{number}; it is asked once."
    )
    assert answers(bot) == 1


def test_an_answer_from_the_thread_shows_in_place_and_is_not_reminded(
    bot: RunningBot, proc: Proc
) -> None:
    number = won(proc, "Acme", "100k", "70k")
    answer(proc, number, ["competing_quote"])
    ask = ask_message_after(proc, number)
    assert ask == (f":toolbox: What worked on REQ-{number}, per <@{BUYER}>: *competing quote*.")
    remind(bot, THURSDAY)
    assert not [m for m in dms(bot, BUYER) if "What worked?" in m.text]
    # A lost close asks nothing.
    proc(ANALYST, "new Globex | Figma | new")
    proc(ANALYST, "qualify 2")
    proc(ANALYST, f"assign 2 <@{BUYER}>")
    proc(BUYER, "close 2 lost")
    assert not [m for m in proc.thread(2) if "levers_skip" in actions_of(m)]


def ask_message_after(proc: Proc, number: int) -> str:
    (message,) = [m for m in proc.thread(number) if m.text.startswith(":toolbox:")]
    return message.text


def fixture_history(proc: Proc) -> list[int]:
    """Four won Figma requests: savings 30 %, 10 %, 25 % and 5 %, each against the mean of the
    other three (13.3, 20, 15, 21.7): the first and third beat the benchmark."""
    first = won(proc, "Acme", "100k", "70k", "Crayon 100 seats × $12 annual 36 months")
    second = won(proc, "Globex", "100k", "90k", "Crayon 100 seats × $14 annual")
    third = won(proc, "Initech", "100k", "75k", "SoftwareOne 100 seats × $1/mo")
    fourth = won(proc, "Hooli", "100k", "95k")
    answer(proc, first, ["multi_year", "competing_quote"], "3-year term for a cap")
    answer(proc, second, ["competing_quote"])
    answer(proc, third, ["multi_year", "price_cap"])
    answer(proc, fourth, ["price_cap", "competing_quote"])
    return [first, second, third, fourth]


def test_the_playbook_ranks_levers_by_above_benchmark_wins(bot: RunningBot, proc: Proc) -> None:
    first, second, third, fourth = fixture_history(proc)
    # The em marks the first as a case study from its closed card; a buyer may not.
    card = proc.card(first)
    assert "card_case_study" in actions_of(card)
    press(bot, BUYER, "card_case_study", card)
    assert ephemerals_to(bot, BUYER)[-1] == (
        ":warning: Only an em of POD Alpha may mark a case study."
    )
    press(bot, EM, "card_case_study", card)
    card = proc.card(first)
    assert "card_case_study" not in actions_of(card)
    assert f":books: *Case study* in the Figma playbook, marked by <@{EM}>" in blocks_text(
        card.blocks
    )

    text = proc(BUYER, "playbook figma")
    assert text.startswith(":books: *Figma playbook* — POD Alpha\n:bar_chart: *Figma* per-seat")
    assert "• 50–249 seats: only 3 deals (a benchmark needs 5)" in text
    lines = text.splitlines()
    assert (
        f"*Won:* 4 requests (REQ-{fourth}, REQ-{third}, REQ-{second}, REQ-{first}) · median "
        "term 12 months"
    ) in lines
    ranked = lines[lines.index(
        "*Levers that worked* (named on 4 of 4 wins, ranked by above-benchmark savings):"
    ) + 1 :][:3]  # fmt: skip
    assert ranked == [
        "1. multi-year — above benchmark in 2 of 2 wins it was named in",
        "2. competing quote — above benchmark in 1 of 3 wins it was named in",
        "3. price cap — above benchmark in 1 of 2 wins it was named in",
    ]
    assert (
        "*Resellers quoted:* Crayon (2 quotes, best $12.00/seat/yr) · SoftwareOne (1 quote, "
        "best $12.00/seat/yr)"
    ) in lines
    assert lines[-2:] == [
        "*Case studies:*",
        f"• REQ-{first} Acme — competing quote, multi-year: “3-year term for a cap” "
        f"(marked by <@{EM}>)",
    ]
    # Another POD has no Figma requests: none of Alpha's customers shown.
    beta = proc("U0EM00002", "playbook Figma", channel="C0BETA001")
    assert beta.startswith(":warning: POD Beta has no requests for Figma yet.\nUsage:")


def test_assign_posts_the_playbook_for_the_buyer(bot: RunningBot, proc: Proc) -> None:
    fixture_history(proc)
    proc(ANALYST, "new Umbrella | Figma | renewal")
    number = proc.request_count()
    proc(ANALYST, f"qualify {number}")
    proc(ANALYST, f"assign {number} <@{BUYER}>")
    thread = [m.text for m in proc.thread(number)]
    assert thread[-2].startswith(":handshake: Assigned to")
    assert thread[-1] == (
        f"<@{BUYER}> :books: *Figma playbook*: 4 won requests · median term 12 months · per "
        "seat: 3 deals (a benchmark needs 5) · levers above benchmark: multi-year (2 of 2), "
        "competing quote (1 of 3), price cap (1 of 2) · best reseller: Crayon (2 quotes, best "
        "$12.00/seat/yr). `/proc playbook Figma` for the whole of it."
    )
    for customer in ("Acme", "Globex", "Initech", "Hooli"):
        assert customer not in thread[-1]
    # A reassignment does not post it again; a tool the POD knows nothing of posts nothing.
    proc(ANALYST, "new Umbrella | Miro | new")
    other = proc.request_count()
    proc(ANALYST, f"qualify {other}")
    proc(ANALYST, f"assign {other} <@{BUYER}>")
    assert not [m for m in proc.thread(other) if ":books:" in m.text]
