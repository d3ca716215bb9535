"""`/proc help kpis` is built from the definitions beside the rules (`bot.domain.kpis`), so it
cannot drift from what a scorecard prints: every KPI a scorecard can print is explained, with
the bar its rule judges by, and nothing is explained that no scorecard prints."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

from bot.blocks.help import kpi_help_blocks, kpi_help_text
from bot.blocks.limits import MAX_MESSAGE_BLOCKS, SECTION_TEXT
from bot.blocks.stats import EXTRA_LABELS, LABELS, STATUS_MARK, bar_words
from bot.domain.kpis import DEFINITIONS, TAT_DAYS, AccountFact, KpiStatus, definition
from bot.domain.money import Money
from bot.domain.quarters import Quarter
from bot.domain.scorecard import EXTRA_EXPLAINS, KpiFacts, Scorecard, pod_scorecards
from bot.domain.working_time import WorkCalendar

CLOCKS = {"reply_hours": 24, "qualification_hours": 24, "tat_new": 15, "tat_renewal": 60}
# Someone in every role, so every member scorecard is drawn.
MEMBERS = {"U0BUY0001": "buyer", "U0EM00001": "em", "U0ANA0001": "analyst", "U0CSM0001": "csm"}


def every_scorecard() -> list[Scorecard]:
    """Every scorecard of a POD's quarter (the POD's, each role's, a customer's)."""
    calendar = WorkCalendar.from_names("Asia/Kolkata", ("mon", "tue", "wed", "thu", "fri"), ())
    account = AccountFact("1", "Acme Corp", date(2026, 1, 5), msg=Money(Decimal(1000), "USD"))
    facts = KpiFacts(
        quarter=Quarter(2026, 4),
        as_of=datetime(2026, 11, 23, 15, 0, tzinfo=UTC),
        calendar=calendar,
        currency="USD",
        tat_days=TAT_DAYS,
        qualification_hours=24,
        reply_hours=24,
        requests=(),
        updates=(),
        claims=(),
        mentions=(),
        accounts=(account,),
        contracts=(),
        targets=(),
        pod_target=None,
    )
    return pod_scorecards(facts, "alpha", MEMBERS)


def test_every_kpi_a_scorecard_can_print_is_explained_with_the_bar_its_rule_uses() -> None:
    text = kpi_help_text("/proc", **CLOCKS)
    printed: set[str] = set()
    extras: set[str] = set()
    for card in every_scorecard():
        for kpi in card.lines:
            explained = definition(kpi.name)
            assert explained is not None, f"{kpi.name} has no explanation"
            assert explained.bar == kpi.bar, kpi.name
            assert f"• *{LABELS[kpi.name]}* (bar {bar_words(kpi.name, kpi.bar)}): " in text
            printed.add(kpi.name)
        for name, _value in card.extras:
            assert name in EXTRA_EXPLAINS, f"{name} has no explanation"
            assert f"• *{EXTRA_LABELS[name]}*: {EXTRA_EXPLAINS[name]}" in text
            extras.add(name)
    # Nothing explained that no scorecard prints.
    assert printed == {d.name for _, group in DEFINITIONS for d in group}
    assert extras == set(EXTRA_EXPLAINS)


def test_the_words_of_every_line_are_explained() -> None:
    text = kpi_help_text("/proc", **CLOCKS)
    for status in KpiStatus:
        assert f"\n{STATUS_MARK[status]} " in text, status
    for words in ("*bar*", "*Counted apart*", "*no account*", "cost avoidance"):
        assert words in text, words
    # The configured clocks, not placeholders.
    assert "{" not in text
    assert "15 calendar days from assignment for a new purchase, 60 for a renewal" in text


def test_the_explanation_fits_one_message() -> None:
    blocks = [b.to_dict() for b in kpi_help_blocks(kpi_help_text("/proc", **CLOCKS))]
    assert 1 < len(blocks) <= MAX_MESSAGE_BLOCKS
    assert all(len(b["text"]["text"]) <= SECTION_TEXT for b in blocks)
