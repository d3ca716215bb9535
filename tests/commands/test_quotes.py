"""SPEC §4: quotes that mean what they say. A vendor's later quote on a request revises its
earlier one (the vendor matched by name key) and competing quotes count vendors; a quote or
claim far from the request's current spend is confirmed before anything is written; the
benchmark line says what it compares against, and is current once a claim is approved."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.db.models import Quote, SavingsClaim
from tests.commands.conftest import ALPHA, ANALYST, BUYER, EM, Proc, blocks_text
from tests.conftest import RunningBot
from tests.helpers.card_actions import opened_view, submit
from tests.helpers.modals import fill
from tests.helpers.savings import claim_message, claims, click, ephemerals_to


def negotiating(
    proc: Proc, customer: str = "Acme Corp", tool: str = "Miro", *, again: bool = False
) -> int:
    """A request for $48,000 of current spend, with the buyer negotiating (`again`: beside an
    open request for the same customer and tool, confirmed)."""
    proc(ANALYST, f"new {customer} | {tool} | new | 48000" + (" | again" if again else ""))
    number = proc.request_count()
    proc(ANALYST, f"qualify {number}")
    proc(ANALYST, f"assign {number} <@{BUYER}>")
    return number


def quotes(bot: RunningBot) -> list[tuple[str, str, int]]:
    with bot.db.reading() as session:
        rows = session.scalars(select(Quote).order_by(Quote.id))
        return [(q.vendor, q.currency, int(q.amount)) for q in rows]


def thread_texts(proc: Proc, number: int) -> list[str]:
    return [m.text for m in proc.thread(number)]


def confirm(bot: RunningBot, user: str, answer: dict[str, Any]) -> None:
    """Click "Yes, log it" on the ephemeral answer (it has no ts: Slack sends its blocks)."""
    message = {"type": "message", "text": answer["text"], "blocks": answer["blocks"]}
    response = bot.slack.block_action("confirm_amount", None, user, ALPHA, None, message=message)
    assert response.status == 200
    bot.wait_idle()


def test_a_vendors_two_quotes_count_as_one_competitor(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    proc(BUYER, f"quote {number} Crayon 41.5k")
    # The same vendor, typed otherwise, in another currency: a revision, not a competitor.
    assert proc(BUYER, f"quote {number} CRAYON  EUR 41.5k") == (
        "CRAYON's quote on REQ-1 revised: $41,500 → €41,500."
    )
    proc(BUYER, f"quote {number} SoftwareOne 40k")
    assert thread_texts(proc, number)[-3:] == [
        f":receipt: *Quote* recorded by <@{BUYER}>: *Crayon* — $41,500 (1 competing quote so far)",
        f":receipt: *Quote* revised by <@{BUYER}>: *CRAYON* revised $41,500 → €41,500 "
        "(1 competing quote so far)",
        f":receipt: *Quote* recorded by <@{BUYER}>: *SoftwareOne* — $40,000 "
        "(2 competing quotes so far)",
    ]
    # Every quote is kept (the timeline shows them); the claim counts two competitors.
    assert quotes(bot) == [("Crayon", "USD", 41500), ("CRAYON", "EUR", 41500),
                           ("SoftwareOne", "USD", 40000)]  # fmt: skip
    proc(BUYER, f"savings {number} 48000 39900")
    assert ":receipt: 2 competing quotes recorded." in blocks_text(
        claim_message(proc, number).blocks
    )


def test_a_25x_quote_is_not_written_until_confirmed(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    posted = len(thread_texts(proc, number))
    answer = proc.answer(BUYER, f"quote REQ-{number} Crayon 1.2m")
    assert answer["text"] == (
        ":warning: A quote of $1,200,000 from Crayon is 25× REQ-1's current spend ($48,000); "
        "nothing is logged yet.\n"
        "Log it as typed, or fix the amount and run it again: `/proc quote REQ-1 Crayon 1.2m`"
    )
    (button,) = [e for b in answer["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (button["text"]["text"], button["action_id"]) == ("Yes, log it", "confirm_amount")
    assert quotes(bot) == []
    assert len(thread_texts(proc, number)) == posted

    confirm(bot, BUYER, answer)
    assert quotes(bot) == [("Crayon", "USD", 1_200_000)]
    assert thread_texts(proc, number)[-1] == (
        f":receipt: *Quote* recorded by <@{BUYER}>: *Crayon* — $1,200,000 "
        "(1 competing quote so far)"
    )
    assert ephemerals_to(bot, BUYER)[-1] == "Quote from Crayon ($1,200,000) recorded on REQ-1."
    # A second click of the same button logs nothing more.
    confirm(bot, BUYER, answer)
    assert quotes(bot) == [("Crayon", "USD", 1_200_000)]
    # Within 10× either way, a quote is logged at once.
    assert proc(BUYER, f"quote {number} Canva 4.8k").startswith("Quote from Canva")


def test_a_claim_far_from_the_spend_is_confirmed_before_it_is_written(
    bot: RunningBot, proc: Proc
) -> None:
    number = negotiating(proc)
    answer = proc.answer(BUYER, f"savings {number} 4k 3k")
    assert answer["text"].startswith(
        ":warning: A baseline of $4,000 is 1/12 of REQ-1's current spend ($48,000); nothing is "
        "claimed yet.\n"
    )
    assert answer["text"].endswith("`/proc savings REQ-1 4k 3k`")
    assert claims(bot) == []
    confirm(bot, BUYER, answer)
    ((status, baseline),) = [(c.status, int(c.baseline)) for c in claims(bot)]
    assert (status, baseline) == ("pending", 4000)
    assert ephemerals_to(bot, BUYER)[-1].startswith("Savings claim of $1,000 (25.0%) on REQ-1")


def test_the_log_quote_form_asks_for_the_same_confirmation(bot: RunningBot, proc: Proc) -> None:
    number = negotiating(proc)
    click(bot, BUYER, "card_quote", proc.card(number))
    view = opened_view(bot)
    # The form closes; nothing is written; the clicker is asked.
    assert submit(bot, BUYER, view, fill(view, {"vendor": "Crayon & Co", "amount": "1.2m"})) is None
    assert quotes(bot) == []
    (asked,) = [
        c.params for c in bot.api.calls_to("chat.postEphemeral") if "25×" in c.params["text"]
    ]
    blocks = asked["blocks"]
    blocks = blocks if isinstance(blocks, list) else json.loads(blocks)
    assert asked["text"].endswith("`/proc quote 1 Crayon &amp; Co 1.2m`")
    confirm(bot, BUYER, {"text": asked["text"], "blocks": blocks})
    assert quotes(bot) == [("Crayon & Co", "USD", 1_200_000)]


def test_the_benchmark_line_says_what_it_compares_against_and_follows_approvals(
    bot: RunningBot, proc: Proc
) -> None:
    acme = negotiating(proc, "Acme Corp", "Miro")
    globex = negotiating(proc, "Globex", "miro")
    acme_again = negotiating(proc, "ACME corp", "Miro", again=True)
    proc(BUYER, f"savings {globex} 48000 40000")  # pending: 16.7 %
    waiting = claim_message(proc, globex)
    assert "Benchmark for miro: no other approved miro claims yet." in blocks_text(waiting.blocks)
    proc(BUYER, f"savings {acme} 48000 43200")  # 10 %
    click(bot, EM, "savings_approve", claim_message(proc, acme))
    # The pending claim's message is current at once, not when next edited.
    shown = blocks_text(bot.api.message(waiting.channel, waiting.ts).blocks)
    assert (
        "Benchmark for miro: 10.0% average of 1 approved claim for miro across 1 customer · "
        "this claim is 166.7% of it." in shown
    )
    proc(BUYER, f"savings {acme_again} 48000 38400")  # 20 %
    click(bot, EM, "savings_approve", claim_message(proc, acme_again))
    shown = blocks_text(bot.api.message(waiting.channel, waiting.ts).blocks)
    assert (
        "Benchmark for miro: 15.0% average of 2 approved claims for miro across 1 customer · "
        "this claim is 111.1% of it." in shown
    )
    with bot.db.reading() as session:
        assert session.scalars(
            select(SavingsClaim.status).where(SavingsClaim.request_id == globex)
        ).all() == ["pending"]
