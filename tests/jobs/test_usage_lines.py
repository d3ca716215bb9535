"""Issue 34, item 3: a customer's imported seat usage on the 90/60-day renewal reminder and on
the renewal request's card ("120 seats · 71 active (59 %) as of Nov 20 · right-size target
79", ⚠️ under 80 % use), asserting on what the Slack stand-in received."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from bot.config import ConfigError, parse_config
from bot.db.usage import import_usage
from bot.domain.usage import parse_usage_csv
from tests.commands.conftest import Proc, blocks_text
from tests.conftest import RunningBot
from tests.helpers.renewal_calendar import add_contract
from tests.helpers.renewal_reminders import ANALYSTS, dms, ny, remind

BETA = "C0BETA001"
TODAY = date(2026, 11, 23)  # a Monday
LINE = ":warning: 120 seats · 71 active (59 %) as of Nov 20 · right-size target 79"


def _import(bot: RunningBot, text: str) -> None:
    rows, errors = parse_usage_csv("customer,tool,as_of,seats_assigned,seats_active\n" + text)
    assert errors == []
    with bot.db.transaction() as session:
        import_usage(session, rows, ny(TODAY, 9))


def test_the_right_size_line_on_the_reminder_and_the_renewal_card(
    bot: RunningBot, proc: Proc
) -> None:
    add_contract(bot.db, "beta", "Globex", "Zoom", "24000", TODAY + timedelta(days=90))
    add_contract(bot.db, "beta", "Initech", "Zoom", "9000", TODAY + timedelta(days=90))
    # Two days of Globex's history (the latest is shown; names compare as names do), and
    # Initech's well-used seats (no ⚠️).
    _import(
        bot,
        "Globex,Zoom,2026-10-31,120,100\nGLOBEX ,zoom,2026-11-20,120,71\n"
        "Initech,Zoom,2026-11-20,50,45\nHooli,Zoom,2026-11-20,10,2\n",
    )
    assert "2 renewal reminders" in remind(bot, ny(TODAY))
    for analyst in ANALYSTS:
        globex, initech = sorted(dms(bot, analyst), key=lambda m: "Initech" in m.text)
        assert globex.text.endswith(f"\n*Usage:* {LINE}")
        assert f"*Usage:* {LINE}" in blocks_text(globex.blocks)
        # 45 of 50 is 90 %; 45 × 1.10 = 49.5 → 50.
        assert initech.text.endswith(
            "\n*Usage:* :busts_in_silhouette: 50 seats · 45 active (90 %) as of Nov 20 · "
            "right-size target 50"
        )

    proc(ANALYSTS[0], "new Globex | Zoom | renewal", BETA)
    assert f"*Usage:* {LINE}" in blocks_text(proc.card(1).blocks)
    # A new purchase shows no usage line, whatever was imported.
    proc(ANALYSTS[0], "new Hooli | Zoom | new", BETA)
    assert "*Usage:*" not in blocks_text(proc.card(2).blocks)


def test_headroom_is_configurable() -> None:
    text = '[[pods]]\nkey = "a"\nchannel = "C0A0000001"\n'
    assert parse_config(text).usage_headroom == Decimal("0.10")
    assert parse_config(text + "[usage]\nheadroom = 0.25\n").usage_headroom == Decimal("0.25")
    assert parse_config(text + "[usage]\nheadroom = 0\n").usage_headroom == Decimal(0)
    for wrong in ("1.5", '"10 %"', "-0.1"):
        with pytest.raises(ConfigError, match=r"usage\.headroom"):
            parse_config(text + f"[usage]\nheadroom = {wrong}\n")


def test_an_import_refreshes_the_open_renewals_card(bot: RunningBot, proc: Proc) -> None:
    """The usage imported after a renewal request opened: its card is edited to show it (the
    `UsageImported` row of the consequences table); a re-import of the same file edits none."""
    from bot.actions.usage import ImportUsage, load_usage
    from bot.consequences import perform

    proc(ANALYSTS[0], "new Globex | Zoom | renewal", BETA)
    assert "*Usage:*" not in blocks_text(proc.card(1).blocks)
    rows, _ = parse_usage_csv(
        "customer,tool,as_of,seats_assigned,seats_active\nGlobex,Zoom,2026-11-20,120,71\n"
        "Globex,Slack,2026-11-20,10,10\n"
    )
    outbox, loaded = perform(bot.runtime, load_usage, "import", ImportUsage(rows))
    outbox.deliver()
    bot.wait_idle()
    assert (loaded.inserted, loaded.cards) == (2, 1)
    assert f"*Usage:* {LINE}" in blocks_text(proc.card(1).blocks)
    _outbox, again = perform(bot.runtime, load_usage, "import", ImportUsage(rows))
    assert (again.unchanged, again.cards) == (2, 0)
