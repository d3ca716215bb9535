"""Each approved claim records, in its approval's transaction, what the KPI figures used to
replay from the whole history (issue 26): its tool's benchmark as it stood then, and its
customer's savings to date; a revision's approval takes the claim it revises out of the
customer's running total. `podbot db restate --check` compares the records with a replay from
scratch, `podbot db restate` writes them again.

REQ-1, Acme Corp · Miro, $48,000 → $41,000 (14.58…%) approved Monday; REQ-2, Globex · Miro,
$10,000 → $8,000 (20%) approved after it; REQ-1 revised Tuesday to $39,900 ($8,100 saved)."""

from __future__ import annotations

from decimal import Decimal

from sqlalchemy import update

from bot.clock import ManualClock
from bot.db.models import SavingsClaim
from tests.commands.conftest import ANALYST, BUYER, EM, Proc
from tests.conftest import RunningBot
from tests.helpers.claim_revisions import approve_first, claim_revision, setup
from tests.helpers.commandline import podbot
from tests.helpers.savings import claim_message, claims, click


def recorded(bot: RunningBot) -> list[tuple[str | None, int | None, Decimal | None]]:
    return [(c.tool_benchmark, c.tool_requests, c.customer_to_date) for c in claims(bot)]


def test_an_approval_records_its_benchmark_and_a_revision_restates_the_customers_total(
    bot: RunningBot, proc: Proc, clock: ManualClock
) -> None:
    proc = setup(bot)
    approve_first(bot, proc)
    assert recorded(bot) == [(None, 1, Decimal(7000))]  # no other Miro request yet

    proc(ANALYST, "new Globex | Miro | new | 10000")
    proc(ANALYST, "qualify 2")
    proc(ANALYST, f"assign 2 <@{BUYER}>")
    proc(BUYER, "savings 2 10000 8000")
    click(bot, EM, "savings_approve", claim_message(proc, 2))
    # Judged against REQ-1's 7,000 / 48,000, exactly (as the replay computed it).
    miro = Decimal(7000) * 100 / Decimal(48000)
    assert recorded(bot)[1] == (str(miro), 2, Decimal(2000))
    assert Decimal(str(miro)) == miro

    claim_revision(bot, proc, clock)
    click(bot, EM, "savings_approve", claim_message(proc, 1))
    first, second, revision = recorded(bot)
    # The revised claim no longer counts in Acme's savings; its benchmark stays as it was.
    assert first == (None, 1, None)
    assert second == (str(miro), 2, Decimal(2000))
    # The revision is judged against REQ-2's 20 %; the tool still has two requests.
    assert revision[0] is not None and Decimal(revision[0]) == 20
    assert revision[1:] == (2, Decimal(8100))

    url = bot.db.engine.url.render_as_string(hide_password=False)
    checked = podbot("db", "restate", "--check", "--database-url", url)
    assert (checked.returncode, checked.stdout) == (
        0, "Every approved claim's recorded figures match a replay from scratch.\n"
    )  # fmt: skip

    # A value changed behind podbot's back is found, and written again.
    second_id = claims(bot)[1].id
    with bot.db.transaction() as session:
        session.execute(
            update(SavingsClaim).where(SavingsClaim.id == second_id).values(tool_benchmark="1")
        )
    checked = podbot("db", "restate", "--check", "--database-url", url)
    assert (checked.returncode, checked.stdout) == (1, (
        f"1 approved claim differs from a replay from scratch (ids {second_id}); run "
        "`podbot db restate` to record them again.\n"
    ))  # fmt: skip
    restated = podbot("db", "restate", "--database-url", url)
    assert restated.returncode == 0, restated.stderr
    assert restated.stdout == (
        "Restated 3 approved claims of 1 tool and 2 customers and currencies.\n"
    )
    assert recorded(bot)[1] == (str(miro), 2, Decimal(2000))
    assert podbot("db", "restate", "--check", "--database-url", url).returncode == 0
