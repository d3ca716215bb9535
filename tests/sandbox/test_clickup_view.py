"""The sandbox's ClickUp (issue 31): the stand-in beside the Slack one, the demo workspace made
of the demo's people, and each POD's list with the statuses its mapping names."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.request import Request, urlopen

import pytest

from bot.config import load_config
from bot.sandbox.app import Sandbox, SandboxError, people_for
from bot.sandbox.clickup import SERVICE_USER, TOKEN, SandboxClickUp, list_statuses
from bot.sandbox.demo import PEOPLE

ROOT = Path(__file__).resolve().parents[2]
DEMO_CONFIG = ROOT / "config" / "demo.toml"
T0 = 1_795_500_000.0


@pytest.fixture
def clickup() -> Iterator[SandboxClickUp]:
    config = load_config(DEMO_CONFIG)
    stand_in = SandboxClickUp(config, people_for(config, PEOPLE), lambda: T0)
    stand_in.start()
    yield stand_in
    stand_in.stop()


def get(url: str, token: str) -> dict[str, object]:
    with urlopen(Request(url, headers={"Authorization": token}), timeout=5) as answer:
        data: dict[str, object] = json.loads(answer.read())
        return data


def test_a_lists_statuses_are_those_its_mapping_names_in_order() -> None:
    mapping = {
        "intake": "New",
        "qualified": "qualifying",
        "negotiating": "in progress",
        "hold": "on hold",
        "closed-won": "won",
        "closed-lost": "lost",
        "disqualified": "lost",
    }
    assert list_statuses(mapping) == [
        {"status": "new", "type": "open"},
        {"status": "qualifying", "type": "custom"},
        {"status": "in progress", "type": "custom"},
        {"status": "on hold", "type": "custom"},
        {"status": "won", "type": "closed"},
        {"status": "lost", "type": "closed"},
    ]
    assert list_statuses({}) == [
        {"status": "to do", "type": "open"},
        {"status": "in progress", "type": "custom"},
        {"status": "complete", "type": "closed"},
    ]


def test_the_demo_workspace_has_the_demos_people_with_their_slack_emails(
    clickup: SandboxClickUp,
) -> None:
    teams = get(clickup.api.url + "/team", TOKEN)["teams"]
    assert isinstance(teams, list) and len(teams) == 1
    members = {m["user"]["email"]: m["user"] for m in teams[0]["members"]}
    assert members["podbot@example.com"]["id"] == SERVICE_USER
    # The emails the Slack stand-in gives the same people (`users.info`): podbot matches by them.
    for person in clickup.people:
        assert members[f"{person.handle}@example.com"]["username"] == person.name
    service = {k: v for k, v in members["podbot@example.com"].items() if k != "role"}
    assert get(clickup.api.url + "/user", TOKEN)["user"] == {
        **service,
        "week_start_day": 0,
        "global_font_support": True,
        "timezone": "UTC",
    }


# -- in the running sandbox ------------------------------------------------------------------------

BENGALURU = "C0BLR0001"
BENGALURU_LIST = "901500010001"
ANALYST = "U0PRIYA01"  # Priya Sharma, analyst in Bengaluru
BUYER = "U0ROHAN01"  # Rohan Mehta, buyer in Bengaluru


def test_a_comment_made_in_clickup_on_the_page_arrives_in_the_cards_thread(
    start_sandbox: Callable[..., Sandbox],
) -> None:
    # podbot refuses webhook bodies a day older than the real now: start the sandbox there.
    sandbox = start_sandbox(at=datetime.now(UTC).replace(microsecond=0))
    sandbox.command(ANALYST, "/proc new Kaveri Fintech | Figma | new", BENGALURU)
    # The task waits for the card's permalink (another lane): until the worker has made it.
    assert sandbox.runtime is not None
    made = sandbox.runtime.outbox_worker.wait_until(
        lambda: bool(sandbox.clickup.api.tasks(BENGALURU_LIST)), timeout=30
    )
    assert made
    [view] = [v for v in sandbox.state(ANALYST)["clickup"]["lists"] if v["pod"] == "bengaluru"]
    assert view["list_id"] == BENGALURU_LIST
    assert view["statuses"][:3] == ["new request", "qualifying", "negotiating"]
    [task] = view["tasks"]
    assert task["name"] == "Kaveri Fintech · Figma (REQ-1)"
    assert (task["status"], task["req"]) == ("new request", "REQ-1")
    # podbot's own webhook on the list, with its secret kept by podbot.
    [hook] = [w for w in sandbox.clickup.api.webhooks() if w["list_id"] == int(BENGALURU_LIST)]
    assert hook["endpoint"] == f"{sandbox.url}/clickup/webhook"

    outcome = sandbox.clickup_act(
        {"as": BUYER, "action": "comment", "task_id": task["id"], "text": "Vendor sent 20% off"}
    )
    assert outcome == "Rohan Mehta commented on Kaveri Fintech · Figma (REQ-1) in ClickUp"
    events = [e for e in sandbox.clickup.api.events if e.event == "taskCommentPosted"]
    assert [e.deliveries[-1].status for e in events] == [200]
    card = sandbox.api.messages(BENGALURU)[0]
    thread = [m.text for m in sandbox.api.messages(BENGALURU) if m.thread_ts == card.ts]
    assert sum("via ClickUp" in t and "Vendor sent 20% off" in t for t in thread) == 1
    comments = sandbox.state(BUYER)["clickup"]["lists"][0]["tasks"][0]["comments"]
    assert [(c["name"], c["text"]) for c in comments][-1] == ("Rohan Mehta", "Vendor sent 20% off")
    with pytest.raises(SandboxError, match="type a comment first"):
        sandbox.clickup_act({"as": BUYER, "action": "comment", "task_id": task["id"], "text": ""})
    moved = sandbox.clickup_act(
        {"as": BUYER, "action": "status", "task_id": task["id"], "status": "qualifying"}
    )
    assert moved == "Rohan Mehta moved Kaveri Fintech · Figma (REQ-1) to 'qualifying' in ClickUp"
    assert sandbox.clickup.api.task(task["id"])["status"]["status"] == "qualifying"  # type: ignore[index]
    statuses = [e for e in sandbox.clickup.api.events if e.event == "taskStatusUpdated"]
    assert statuses[-1].deliveries[-1].status == 200  # podbot took it
    with pytest.raises(SandboxError, match="cannot move"):
        sandbox.clickup_act(
            {"as": BUYER, "action": "status", "task_id": task["id"], "status": "shipped"}
        )
