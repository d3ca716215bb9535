"""Issue 29: `podbot doctor` against the Slack stand-in — all good exits 0; a broken channel,
a channel without podbot, a deactivated member and a missing scope each exit 1 with the one
line that says what to do; `serve` logs the same problems as it starts, and serves."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import Settings, load_config
from bot.doctor import warn_at_start
from bot.manifest import BOT_SCOPES
from bot.runtime import make_web_client
from slackfake.web_api import SlackApiServer

CONFIG = """\
[defaults]
timezone = "Europe/London"

[[pods]]
key = "london"
name = "POD London"
channel = "C07LONDON"
members = { U07EM0001 = "em", U07BUY001 = "buyer", U07ANA001 = "analyst" }
fallback_approvers = ["U07EM0002"]

[[pods]]
key = "paris"
name = "POD Paris"
channel = "G07PARIS1"
timezone = "Europe/Paris"
members = { U07EM0002 = "em", U07BUY001 = "buyer" }
"""


@pytest.fixture
def api() -> Iterator[SlackApiServer]:
    with SlackApiServer(valid_tokens={"xoxb-live"}) as server:
        server.add_channel("C07LONDON", "pod-london")
        server.add_channel("G07PARIS1", "pod-paris")
        for user, name in (
            ("U07EM0001", "Ada Lovelace"),
            ("U07EM0002", "Blaise Pascal"),
            ("U07BUY001", "Charles Babbage"),
            ("U07ANA001", "Grace Hopper"),
        ):
            server.add_user(user, real_name=name, display_name="")
        yield server


@pytest.fixture
def world(
    api: SlackApiServer, tmp_path: Path, sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> Path:
    config = tmp_path / "podbot.toml"
    config.write_text(CONFIG)
    for name, value in {
        "SLACK_BOT_TOKEN": "xoxb-live",
        "SLACK_SIGNING_SECRET": "shh",
        "SLACK_API_URL": api.url,
        "DATABASE_URL": sqlite_url,
    }.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("SLACK_APP_TOKEN", raising=False)
    return config


def doctor(config: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str]]:
    status = main(["doctor", "--config", str(config)])
    return status, capsys.readouterr().out.splitlines()


def problems(out: list[str]) -> list[str]:
    return [line.removeprefix("  FIX  ") for line in out if line.startswith("  FIX  ")]


def test_all_good_exits_0_naming_each_person_and_the_next_runs(
    world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status, out = doctor(world, capsys)
    assert status == 0, out
    assert problems(out) == []
    assert out[0] == f"podbot doctor: {world}"
    assert f"  ok   config {world}: 2 PODs, 4 people" in out
    assert "  ok   SLACK_SIGNING_SECRET is set (HTTP mode)" in out
    assert any(line.startswith("  ok   database sqlite:///") for line in out)
    assert "  ok   token works: @podbot in Podbot Test (https://example.slack.com/)" in out
    assert f"  ok   scopes: all {len(BOT_SCOPES)} the manifest asks for" in out
    assert "  ok   #pod-london (C07LONDON): POD London's channel, @podbot is in it" in out
    assert "  ok   #pod-paris (G07PARIS1): POD Paris's channel, @podbot is in it" in out
    # Each person once, named beside the id, with everything they are.
    assert "  ok   U07BUY001 Charles Babbage: buyer of london, buyer of paris" in out
    assert "  ok   U07EM0002 Blaise Pascal: fallback approver of london, em of paris" in out
    runs = out[out.index("next runs:") + 1 :]
    assert runs[0].startswith("  london (Europe/London): aging-report ")
    assert runs[1].startswith("  paris (Europe/Paris): aging-report ")
    assert out[-1] == "All good."


def test_a_channel_slack_does_not_have_is_one_line_naming_key_and_line(
    world: Path, api: SlackApiServer, capsys: pytest.CaptureFixture[str]
) -> None:
    world.write_text(CONFIG.replace("C07LONDON", "C07NOWHERE"))
    status, out = doctor(world, capsys)
    assert status == 1
    assert problems(out) == [
        "pods[0].channel (line 7): Slack has no channel C07NOWHERE for @podbot: put the POD's "
        "channel id there (channel details, at the bottom); a private channel shows only once "
        "@podbot is in it: `/invite @podbot` there"
    ]
    assert out[-1] == "1 problem: podbot would not work as configured."


def test_a_channel_without_podbot_says_invite_it(
    world: Path, api: SlackApiServer, capsys: pytest.CaptureFixture[str]
) -> None:
    api.add_channel("C07LONDON", "pod-london", member=False)
    status, out = doctor(world, capsys)
    assert status == 1
    assert problems(out) == [
        "invite @podbot to #pod-london: `/invite @podbot` in #pod-london (POD London, C07LONDON)"
    ]
    api.join("C07LONDON")
    assert doctor(world, capsys)[0] == 0


def test_a_deactivated_member_is_named_with_what_to_do(
    world: Path, api: SlackApiServer, capsys: pytest.CaptureFixture[str]
) -> None:
    api.change_user("U07ANA001", deleted=True)
    status, out = doctor(world, capsys)
    assert status == 1
    assert problems(out) == [
        "U07ANA001 Grace Hopper (analyst of london) is deactivated in Slack: remove them from "
        "pods[0].members.U07ANA001 (line 8), or give their role to someone active"
    ]


def test_an_approver_of_an_approval_rule_is_checked_like_a_member(
    world: Path, api: SlackApiServer, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 30: the people `approval_rules` name decide claims too, so Slack must know them."""
    api.add_user("U07HEAD01", real_name="Alan Turing", display_name="")
    world.write_text(
        CONFIG.replace(
            'fallback_approvers = ["U07EM0002"]\n',
            'fallback_approvers = ["U07EM0002"]\n'
            'approval_rules = [{ above = "50k", then = ["U07HEAD01"] }]\n',
        )
    )
    status, out = doctor(world, capsys)
    assert status == 0, out
    assert "  ok   U07HEAD01 Alan Turing: approver above $50,000 in london" in out
    api.change_user("U07HEAD01", deleted=True)
    status, out = doctor(world, capsys)
    assert status == 1
    assert problems(out) == [
        "U07HEAD01 Alan Turing (approver above $50,000 in london) is deactivated in Slack: "
        "remove them from pods[0].approval_rules (line 10), or give their role to someone active"
    ]


def test_a_member_slack_does_not_know(world: Path, capsys: pytest.CaptureFixture[str]) -> None:
    world.write_text(CONFIG.replace("U07ANA001", "U07NOBODY"))
    status, out = doctor(world, capsys)
    assert status == 1
    assert problems(out) == [
        "pods[0].members.U07NOBODY (line 8): Slack has no member U07NOBODY (analyst of london): "
        "put their member id there (their profile → ⋯ → Copy member ID)"
    ]


def test_a_missing_scope_is_named_with_how_to_add_it(
    world: Path, api: SlackApiServer, capsys: pytest.CaptureFixture[str]
) -> None:
    api.set_scopes(scope for scope in BOT_SCOPES if scope != "channels:read")
    status, out = doctor(world, capsys)
    assert status == 1
    assert problems(out) == [
        "the token lacks the channels:read scope, for `podbot doctor` checking each public POD "
        "channel exists and has podbot in it: add it under OAuth & Permissions → Bot Token "
        "Scopes (or paste `podbot manifest` into the app's manifest), then reinstall the app to "
        "the workspace",
        # Slack refuses conversations.info for the public channel with missing_scope.
        "C07LONDON (POD London) not checked: the token lacks channels:read (see above)",
    ]


def test_placeholders_a_bad_token_a_missing_secret_and_an_old_database(
    world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    world.write_text(CONFIG.replace("C07LONDON", "C0ALPHA01"))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-revoked")
    monkeypatch.delenv("SLACK_SIGNING_SECRET")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    status, out = doctor(world, capsys)
    assert status == 1
    found = problems(out)
    assert found[0].startswith(
        'pods[0].channel (line 7): "C0ALPHA01" is the example config\'s placeholder'
    )
    assert found[1].startswith("SLACK_SIGNING_SECRET is not set: export the signing secret")
    assert found[2] == f"no database at {tmp_path / 'none.db'}: run `podbot db upgrade` to make it"
    assert found[3].startswith("Slack refuses SLACK_BOT_TOKEN (invalid_auth): copy the Bot User")
    assert len(found) == 4  # nothing more is asked of Slack with a token it refuses
    assert not (tmp_path / "none.db").exists()


def test_serve_logs_each_problem_as_one_warning_line(
    world: Path, api: SlackApiServer, caplog: pytest.LogCaptureFixture
) -> None:
    api.add_channel("C07LONDON", "pod-london", member=False)
    api.change_user("U07ANA001", deleted=True)
    config = load_config(world)
    client = make_web_client(Settings.from_env())
    caplog.set_level(logging.INFO, logger="bot.doctor")
    warn_at_start(config, client, wait=True)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        "doctor: invite @podbot to #pod-london: `/invite @podbot` in #pod-london (POD London, "
        "C07LONDON)",
        "doctor: U07ANA001 Grace Hopper (analyst of london) is deactivated in Slack: remove them "
        "from pods[0].members.U07ANA001 (line 8), or give their role to someone active",
    ]


def test_serve_with_the_example_placeholders_warns_in_one_line_and_serves(
    tmp_path: Path, sqlite_url: str
) -> None:
    import os
    import signal
    import socket
    import subprocess
    import sys
    import urllib.request

    example = Path(__file__).parents[2] / "config" / "podbot.example.toml"
    with SlackApiServer(valid_tokens={"xoxb-live"}) as api, socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
        free.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PODBOT_"))}
        env.update(
            PODBOT_CONFIG=str(example), SLACK_BOT_TOKEN="xoxb-live", SLACK_SIGNING_SECRET="s",
            SLACK_API_URL=api.url, DATABASE_URL=sqlite_url, PODBOT_OPS_PORT="0",
        )  # fmt: skip
        serve = subprocess.Popen(
            [str(Path(sys.executable).parent / "podbot"), "--log-format", "text", "serve",
             "--host", "127.0.0.1", "--port", str(port), "--no-scheduler"],
            env=env, cwd=tmp_path, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        seen: list[str] = []
        try:
            assert serve.stderr is not None
            for line in serve.stderr:  # until it says it serves (or stops)
                seen.append(line)
                if "Uvicorn running on" in line:
                    break
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz") as answer:
                assert answer.status == 200
        finally:
            serve.send_signal(signal.SIGINT)
            rest = serve.communicate(timeout=30)[1]
    err = "".join(seen) + rest
    placeholders = [line for line in err.splitlines() if "placeholder ids" in line]
    assert len(placeholders) == 1, err
    assert "pods[0].channel (line 37), pods[0].members.U0EM00001" in placeholders[0]
    # Nothing about the placeholders' channels and people from the checks at start.
    assert "C0ALPHA01" not in err.replace(placeholders[0], "")


def test_an_id_of_the_wrong_shape_stops_the_doctor_at_the_config(
    world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world.write_text(CONFIG.replace('"C07LONDON"', '"#pod-london"').replace("U07ANA001", "grace"))
    status, out = doctor(world, capsys)
    assert status == 1
    assert problems(out) == [
        f'{world}: pods[0].channel (line 7): "#pod-london" is not a Slack channel id (C or G, '
        'then capitals and digits, like "C024BE91L"; not the #name)',
        f'{world}: pods[0].members.grace (line 8): "grace" is not a Slack user id (U or W, then '
        'capitals and digits, like "U024BE7LH") or an email',
    ]
    assert out[-1] == "2 problems: fix the config first (`podbot config check`)"
