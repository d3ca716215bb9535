"""The demo's customer updates (issue 32): drafts in the analysts' DMs with their .eml, one
marked sent; no update — stored or drafted now for any demo account — says what a customer
must not read (banned words, ids, another customer's name)."""

from __future__ import annotations

from sqlalchemy import select

from bot.db.customer_updates import other_customers, update_facts
from bot.db.models import Account, CustomerUpdate, PodRow, PreapprovalAsk
from bot.domain.customer_update import draft, wording_problems
from tests.sandbox.conftest import READS_THE_DEMO, SeededDemo

pytestmark = READS_THE_DEMO


def test_every_demo_update_is_fit_for_its_customer(demo: SeededDemo) -> None:
    assert demo.problems == []
    runtime = demo.sandbox.runtime
    assert runtime is not None
    config = runtime.config
    checked = 0
    with runtime.db.reading() as session:
        stored = list(session.scalars(select(CustomerUpdate)))
        statuses = sorted(row.status for row in stored)
        pods = len(config.pods)
        assert statuses == ["drafted"] * pods + ["marked"] * pods, statuses
        for row in stored:
            others = other_customers(session, row.account)
            assert wording_problems(row.body_text, others) == [], row.body_text
            assert wording_problems(row.subject, others) == []
            assert row.recipients.count("@") == 2
        for account in session.scalars(select(Account)):
            pod_key = session.scalar(select(PodRow.key).where(PodRow.id == account.pod_id))
            pod = config.pod(str(pod_key))
            facts = update_facts(
                session, account, demo.seeded_at, pod.timezone,
                dict(config.procurement_stages), config.email.signature,
            )  # fmt: skip
            text = draft(facts).text
            assert wording_problems(text, other_customers(session, account)) == [], text
            checked += 1
    assert checked == 18
    eml = [f for f in demo.sandbox.api.files.values() if f.filename.endswith(".eml")]
    assert len(eml) >= 2 * len(config.pods)


def test_the_demo_shows_a_customer_channel_with_its_canvas_and_an_answered_preapproval(
    demo: SeededDemo,
) -> None:
    assert demo.problems == []
    sandbox = demo.sandbox
    assert sandbox.runtime is not None
    assert len(sandbox.customer_channels) == len(sandbox.runtime.config.pods)
    for room, (_name, customer) in sandbox.customer_channels.items():
        canvas = sandbox.api.canvas_markdown(room)
        assert canvas is not None and canvas.startswith(f"# {customer}: your procurement")
        assert "## Waiting on you" in canvas
        asks = [m for m in sandbox.api.messages(room) if m.text.startswith("Pre-approval")]
        assert len(asks) == 1 and "Approved by" in str(asks[0].blocks), asks
    with sandbox.runtime.db.reading() as session:
        answers = session.scalars(select(PreapprovalAsk.answer)).all()
    assert answers == ["approved"] * len(sandbox.customer_channels)
    # The page shows the channel, its canvas, and lets a person act as the customer.
    guest = next(p for p in sandbox.people if not p.roles)
    state = sandbox.state(guest.id)
    [room] = [c for c in state["channels"] if c.get("canvas") and c["member"]][:1]
    assert room["topic"].startswith("Slack Connect with ")
    assert any(p["roles"] == "customer (Slack Connect)" for p in state["people"])
