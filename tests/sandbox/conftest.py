"""The sandbox started in-process on a free port, on a fresh SQLite file and a set clock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.config import load_config
from bot.sandbox.app import Sandbox
from bot.sandbox.demo import PEOPLE, seed
from slackfake.web_api import Ephemeral

ROOT = Path(__file__).resolve().parents[2]
DEMO_CONFIG = ROOT / "config" / "demo.toml"
# Monday 23 November 2026, 10:00 in Bengaluru (04:30 UTC).
MONDAY_MORNING = datetime(2026, 11, 23, 4, 30, tzinfo=UTC)

BENGALURU = "C0BLR0001"
ANALYST = "U0PRIYA01"  # Priya Sharma, analyst in Bengaluru and New York
BUYER = "U0ROHAN01"  # Rohan Mehta, buyer in Bengaluru
OTHER_BUYER = "U0KAVYA01"  # Kavya Iyer, buyer in Bengaluru
EM = "U0ANANYA1"  # Ananya Rao, em in Bengaluru
CSM = "U0ARJUN01"  # Arjun Nair, csm in Bengaluru

# The tests that read the seeded demo share one (`demo`, seeded once per worker). The
# xdist_group mark keeps them on one worker under `--dist loadgroup` (the Makefile's), so the
# demo is seeded once per run (tests/conftest.py makes pytest-xdist 3.8's grouping work on
# pytest 9.2).
READS_THE_DEMO = pytest.mark.xdist_group("seeded-demo")


def shots_folder(name: str) -> Path:
    """An empty folder of one browser test's own under test-output/browser/, for its
    screenshots: tests on other xdist workers write beside it, never into it."""
    folder = ROOT / "test-output" / "browser" / name
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob("*.png"):
        old.unlink()
    return folder


@pytest.fixture
def start_sandbox(tmp_path: Path) -> Iterator[Callable[..., Sandbox]]:
    """Start sandboxes (demo config, no demo data unless seeded); all are stopped afterwards."""
    started: list[Sandbox] = []

    def start(
        config: Path = DEMO_CONFIG,
        *,
        at: datetime = MONDAY_MORNING,
        database: Path | None = None,
        state_file: Path | None = None,
    ) -> Sandbox:
        sandbox = Sandbox(
            load_config(config),
            f"sqlite:///{database or tmp_path / 'sandbox.db'}",
            port=0,
            start=at,
            state_file=state_file,
            names=PEOPLE,
        )
        started.append(sandbox)
        sandbox.start()
        sandbox.ready.set()
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()


@pytest.fixture
def sandbox(start_sandbox: Callable[..., Sandbox]) -> Sandbox:
    """One sandbox on the demo configuration with an empty database."""
    return start_sandbox()


@dataclass(frozen=True)
class SeededDemo:
    """The demo sandbox after `seed()`: what it returned and the ephemerals left right after."""

    sandbox: Sandbox
    problems: list[str]
    ephemerals: list[Ephemeral]
    seeded_at: datetime
    home_publishes: Counter[str]  # views.publish calls per user during the seeding


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SeededDemo]:
    """ONE sandbox with the demo data, seeded once per worker, shared by tests that only read it
    (or type read-only commands such as `/proc stats`). A test that changes anything (a
    request, the clock, Slack's state) seeds its own with `start_sandbox` + `seed`. Mark the
    tests that use it `READS_THE_DEMO`."""
    database = tmp_path_factory.mktemp("demo") / "sandbox.db"
    sandbox = Sandbox(
        load_config(DEMO_CONFIG), f"sqlite:///{database}", port=0, start=MONDAY_MORNING,
        names=PEOPLE,
    )  # fmt: skip
    sandbox.start()
    sandbox.ready.set()
    try:
        problems = seed(sandbox)
        publishes = Counter(
            str(c.params.get("user_id")) for c in sandbox.api.calls_to("views.publish")
        )
        yield SeededDemo(
            sandbox, problems, sandbox.api.ephemerals(), sandbox.clock.now(), publishes
        )
    finally:
        sandbox.stop()
