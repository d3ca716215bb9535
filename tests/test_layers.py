"""The layers a reader relies on, checked on the source so they stay that way.

* `bot.domain` (the POD's rules and words) imports nothing of podbot's but itself;
* `bot.blocks` (Block Kit builders, text helpers, Slack's limits) imports no database, no Slack
  transport and no handler: only the domain, `bot.errors` and itself;
* `slackfake` (the Slack stand-in) imports nothing of `bot`;
* Block Kit is built only in `bot/blocks/`: elsewhere, `slack_sdk.models` gives type names
  (`Block`, `View`) and nothing to build with;
* podbot's modules import each other without a cycle, counting every import (a lazy import
  inside a function or under TYPE_CHECKING still makes two modules that need each other).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def modules(package: str) -> dict[str, Path]:
    return {module_name(p): p for p in sorted((ROOT / package).rglob("*.py"))}


def imports(name: str, path: Path) -> Iterator[tuple[int, str]]:
    """Every module `path` imports, anywhere in the file, with its line."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            yield node.lineno, base
            # `from bot.db import models` imports the module bot.db.models.
            for alias in node.names:
                yield node.lineno, f"{base}.{alias.name}"


def podbot_imports(name: str, path: Path, known: set[str]) -> set[str]:
    return {target for _, target in imports(name, path) if target in known}


def within(target: str, *packages: str) -> bool:
    return any(target == p or target.startswith(p + ".") for p in packages)


def offences(package: str, allowed: tuple[str, ...], forbidden_roots: tuple[str, ...]) -> list[str]:
    found = []
    for name, path in modules(package).items():
        for line, target in imports(name, path):
            if within(target, *forbidden_roots) and not within(target, *allowed):
                found.append(f"{path.relative_to(ROOT)}:{line} imports {target}")
    return sorted(set(found))


def test_the_domain_imports_nothing_of_podbot_but_itself() -> None:
    assert offences("bot/domain", ("bot.domain",), ("bot", "slackfake")) == []


def test_blocks_import_no_database_no_transport_no_handlers() -> None:
    assert (
        offences("bot/blocks", ("bot.domain", "bot.blocks", "bot.errors"), ("bot", "slackfake"))
        == []
    )


def module_offences(name: str, forbidden_roots: tuple[str, ...]) -> list[str]:
    path = ROOT / (name.replace(".", "/") + ".py")
    return sorted(
        f"{path.relative_to(ROOT)}:{line} imports {target}"
        for line, target in imports(name, path)
        if within(target, *forbidden_roots)
    )


def test_the_consequences_table_imports_no_handler_and_no_bolt() -> None:
    # Events and their consequences sit under every surface: handlers record events, never
    # the other way round.
    forbidden = ("bot.commands", "bot.events", "bot.jobs", "bot.app", "slack_bolt")
    assert module_offences("bot.consequences", forbidden) == []


def test_use_cases_import_no_transport_no_handler_no_bolt() -> None:
    # A use case (bot/actions/) touches no payload, outbox or runtime: surfaces call it.
    forbidden = (
        "bot.slack", "bot.commands", "bot.events", "bot.jobs", "bot.app", "bot.runtime",
        "bot.consequences", "slack_bolt", "json",
    )  # fmt: skip
    assert offences("bot/actions", (), forbidden) == []


def test_no_job_imports_another_job() -> None:
    # What several jobs read (open items, breaches) lives in bot/db/open_items.py.
    from bot.jobs import JOB_MODULES

    jobs = tuple(f"bot.jobs.{name}" for name in JOB_MODULES)
    found = [
        f"{name}: {offence}"
        for name in jobs
        for offence in module_offences(name, tuple(j for j in jobs if j != name))
    ]
    assert found == []


def test_slackfake_imports_nothing_of_bot() -> None:
    assert offences("slackfake", (), ("bot",)) == []


def test_block_kit_is_built_only_in_blocks() -> None:
    found = []
    for name, path in modules("bot").items():
        if within(name, "bot.blocks"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "slack_sdk.models"
            ):
                built = {alias.name for alias in node.names} - {"Block", "View"}
                if built:
                    found.append(f"{path.relative_to(ROOT)}:{node.lineno} imports {sorted(built)}")
    assert found == []


def test_the_layering_check_sees_a_forbidden_import(tmp_path: Path) -> None:
    # The checker itself: a relative and an absolute import are both resolved.
    path = tmp_path / "x.py"
    path.write_text("from ..db import models\nimport bot.slack.outbox\n")
    found = {target for _, target in imports("bot.domain.x", path)}
    assert {"bot.db", "bot.db.models", "bot.slack.outbox"} <= found


def cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle in `graph`, as the list of modules around it, or None."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                return [*stack[stack.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt)):
                return found
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (found := visit(node)):
            return found
    return None


def test_podbot_has_no_import_cycle() -> None:
    found = modules("bot")
    known = set(found)
    graph = {
        # A package's __init__ importing its own submodules is how a package is assembled, and
        # a submodule naming its package means the package's other names: neither is a cycle
        # between two files a reader opens.
        name: {
            t
            for t in podbot_imports(name, path, known)
            if t != name and not name.startswith(t + ".") and not t.startswith(name + ".")
        }
        for name, path in found.items()
    }
    assert cycle(graph) is None


@pytest.mark.parametrize(
    ("graph", "expected"),
    [({"a": {"b"}, "b": {"a"}}, ["a", "b", "a"]), ({"a": {"b"}, "b": set()}, None)],
)
def test_the_cycle_check_finds_a_cycle(
    graph: dict[str, set[str]], expected: list[str] | None
) -> None:
    assert cycle(graph) == expected


def _calls(package: str, names: set[str]) -> list[str]:
    """`module:line callee` (as written: `runtime.outbox_worker.start`) for every call of a
    function or method named in `names`."""
    found = []
    for name, path in modules(package).items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in names:
                found.append(f"{name}:{node.lineno} {ast.unparse(func)}")
    return sorted(found)


def test_a_process_is_started_and_stopped_in_one_place() -> None:
    # bot/process.py builds the Bolt app and starts the worker, the scheduler and the
    # listeners: serve, scheduler, the sandbox and the tests' fixture all go through it.
    from bot.runtime import Runtime

    started = [
        c
        for c in _calls("bot", {"build_app", "BackgroundServer"})
        if not c.startswith("bot.process:")
    ]
    assert started == []
    workers = [c for c in _calls("bot", {"start"}) if c.endswith("outbox_worker.start")]
    assert [c for c in workers if not c.startswith("bot.process:")] == []
    assert workers  # the check sees the one place
    assert Runtime.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_the_surfaces_write_nothing_themselves() -> None:
    # A change is a use case (bot/actions/) run by `perform`: no command module or Events API
    # listener opens a transaction or writes a timeline row or an event's consequences by
    # hand; what they read (a modal's prefill, `/proc status`, a report) they read in a
    # read-only session (`Database.reading`).
    writes = {"transaction", "record_event", "record", "saving_upserts"}
    assert _calls("bot/commands", writes) == []
    assert _calls("bot/events", writes) == []
    assert _calls("bot/commands", {"reading"})  # the check sees the reads
