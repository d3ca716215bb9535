"""Customers and tools match by `name_key`, not by the database's `lower()` (which SQLite folds
for ASCII only): the parallel-negotiation warning, the tool's benchmark and the SaaS stack's
upsert see `Ärzte GmbH`, `ÄRZTE GMBH`, `Ärzte\u200b GmbH` and full-width letters as one name."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import select

from bot.db.models import Contract
from tests.commands.conftest import ANALYST, BUYER, EM, Proc, blocks_text
from tests.helpers.savings import claim_message, click


def negotiating(proc: Proc, customer: str, tool: str) -> int:
    proc(ANALYST, f"new {customer} | {tool} | new")
    number = proc.request_count()
    proc(ANALYST, f"qualify {number}")
    proc(ANALYST, f"assign {number} <@{BUYER}>")
    return number


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("Ärzte GmbH | Übersetzer", "Ärzte GmbH | Übersetzer"),  # typed identically
        ("ärzte gmbh | übersetzer", "ÄRZTE GMBH | ÜBERSETZER"),
        ("Acme | Figma", "Acme | Fig\u200bma"),  # a zero-width space
        ("Acme | Figma", "ACME | Ｆｉｇｍａ"),  # full-width letters
    ],
)
def test_the_same_customer_and_tool_is_a_parallel_negotiation(
    start_bot: Callable, database_url: str, first: str, second: str
) -> None:
    proc = Proc(start_bot(database_url))
    proc(ANALYST, f"new {first} | new")
    reply = proc(EM, f"new {second} | renewal | again")
    assert reply.startswith("Created *REQ-2*")
    assert "REQ-1 is already open for" in reply and "parallel negotiation?" in reply
    warning = proc.thread(1)[-1].text
    assert "Parallel negotiation?" in warning and "REQ-2" in warning


def test_other_names_are_not_a_parallel_negotiation(proc: Proc) -> None:
    proc(ANALYST, "new Ärzte GmbH | Figma | new")
    reply = proc(ANALYST, "new Arzte GmbH | Figma | new")
    assert reply.startswith("Created *REQ-2*") and "parallel negotiation" not in reply


def test_a_tool_with_non_ascii_capitals_gets_its_benchmark(
    start_bot: Callable, database_url: str
) -> None:
    bot = start_bot(database_url)
    proc = Proc(bot)
    number = negotiating(proc, "Acme", "Übersetzer Pro")
    proc(BUYER, f"savings {number} 100 90")  # 10%
    click(bot, EM, "savings_approve", claim_message(proc, number))
    number = negotiating(proc, "Globex", "Übersetzer Pro")
    proc(BUYER, f"savings {number} 100 80")  # 20%
    shown = blocks_text(claim_message(proc, number).blocks)
    assert (
        "Benchmark for Übersetzer Pro: 10.0% average of 1 approved claim for Übersetzer Pro "
        "across 1 customer" in shown
    )


def test_the_saas_stack_keeps_one_contract_per_name_key(
    start_bot: Callable, database_url: str
) -> None:
    bot = start_bot(database_url)
    proc = Proc(bot)
    added = proc(ANALYST, "contract add ärzte gmbh | Figma | 12000 | 2027-03-31")
    assert added.startswith("Added ärzte gmbh · Figma")
    updated = proc(ANALYST, "contract add ÄRZTE GMBH | Fig\u200bma | 15000 | 2027-03-31")
    assert updated.startswith("Updated ÄRZTE GMBH · Fig\u200bma")
    with bot.db.transaction() as session:
        (contract,) = session.scalars(select(Contract)).all()
        assert (contract.customer_key, contract.tool_key) == ("ärzte gmbh", "figma")
