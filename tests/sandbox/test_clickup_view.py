"""The sandbox's ClickUp (issue 31): the stand-in beside the Slack one, the demo workspace made
of the demo's people, and each POD's list with the statuses its mapping names."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from urllib.request import Request, urlopen

import pytest

from bot.config import load_config
from bot.sandbox.app import people_for
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
