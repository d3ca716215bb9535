"""SPEC §7: the podbot command line, run as an operator runs it."""

from __future__ import annotations

import os
import re
import socket
import subprocess
from pathlib import Path

import pytest
import yaml

from bot.cli import main
from tests.helpers import commandline
from tests.helpers.cli import ROOT
from tests.helpers.commandline import podbot

EXAMPLE = ROOT / "config" / "podbot.example.toml"


def test_help_lists_each_verb_with_one_line() -> None:
    # The installed console script itself, as an operator runs it.
    result = commandline.run_process(["--help"], commandline.clean_env(), ROOT)
    assert result.returncode == 0
    for verb in ("serve", "db", "manifest", "config"):
        assert any(line.strip().startswith(verb) for line in result.stdout.splitlines()), verb


def test_serve_without_tokens_names_the_missing_variable(tmp_path: Path) -> None:
    result = podbot("serve", env={"PODBOT_CONFIG": str(EXAMPLE)}, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("podbot: SLACK_BOT_TOKEN is not set")


def test_serve_over_http_also_needs_the_signing_secret(tmp_path: Path) -> None:
    env = {"PODBOT_CONFIG": str(EXAMPLE), "SLACK_BOT_TOKEN": "xoxb-1"}
    result = podbot("serve", env=env, cwd=tmp_path)
    assert result.stderr.strip().startswith("podbot: SLACK_SIGNING_SECRET is not set")
    socket = podbot("serve", "--socket-mode", env=env, cwd=tmp_path)
    assert socket.stderr.strip().startswith("podbot: SLACK_APP_TOKEN is not set")


def test_serve_workers_must_be_a_count_and_is_for_http(tmp_path: Path) -> None:
    env = {"PODBOT_CONFIG": str(EXAMPLE), "SLACK_BOT_TOKEN": "xoxb-1"}
    zero = podbot("serve", "--workers", "0", env=env, cwd=tmp_path)
    assert zero.returncode == 2
    assert "--workers: expected a whole number of at least 1, not '0'" in zero.stderr
    socket = podbot("serve", "--socket-mode", "--workers", "2", env=env, cwd=tmp_path)
    assert socket.stderr.strip() == (
        "podbot: --workers is for HTTP mode; Socket Mode runs one connection per process"
    )


def test_serve_says_so_when_slack_cannot_be_reached(tmp_path: Path) -> None:
    with socket.socket() as closed:  # a port nothing listens on once this block ends
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    env = {
        "PODBOT_CONFIG": str(EXAMPLE),
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "SLACK_API_URL": f"http://127.0.0.1:{port}/",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'podbot.db'}",
    }
    assert podbot("db", "upgrade", env=env, cwd=tmp_path).returncode == 0

    result = podbot("serve", env=env, cwd=tmp_path)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(f"podbot: Could not reach Slack at http://127.0.0.1:{port}/"), last
    assert last.endswith("check the network, or SLACK_API_URL.")


def test_an_unreachable_database_is_one_line_with_the_password_hidden(tmp_path: Path) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    url = f"postgresql+psycopg://podbot:s3cret@127.0.0.1:{port}/podbot"
    env = {
        "PODBOT_CONFIG": str(EXAMPLE),
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "DATABASE_URL": url,
    }
    for verb in (["db", "upgrade"], ["serve"], ["scheduler"]):
        result = podbot(*verb, env=env, cwd=tmp_path)
        assert result.returncode == 2, verb
        assert "s3cret" not in result.stderr and "Traceback" not in result.stderr, verb
        assert result.stderr.strip().splitlines() == [
            f"podbot: could not use the database at postgresql+psycopg://podbot:***@127.0.0.1:"
            f'{port}/podbot: connection failed: connection to server at "127.0.0.1", port'
            f" {port} failed: Connection refused"
        ], verb


@pytest.mark.parametrize("url", ["podbot.db", "mysql+nosuchdriver://host/db"])
def test_a_database_url_podbot_cannot_use_is_one_line(tmp_path: Path, url: str) -> None:
    result = podbot("db", "upgrade", env={"DATABASE_URL": url}, cwd=tmp_path)
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("podbot: DATABASE_URL is not a database URL")
    assert lines[0].endswith("sqlite:///podbot.db or postgresql+psycopg://user@host/dbname")


def test_serve_refuses_a_database_without_the_schema(tmp_path: Path) -> None:
    env = {
        "PODBOT_CONFIG": str(EXAMPLE),
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_SIGNING_SECRET": "s",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'old.db'}",
    }
    result = podbot("serve", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "run `podbot db upgrade` first" in result.stderr


def test_db_upgrade_then_again(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'p.db'}"
    assert main(["db", "upgrade", "--database-url", url]) == 0
    assert "upgraded from empty to" in capsys.readouterr().out
    assert main(["db", "upgrade", "--database-url", url]) == 0
    assert "already at" in capsys.readouterr().out


@pytest.mark.postgres
def test_db_upgrade_on_postgresql(empty_postgres_url: str) -> None:
    result = podbot("db", "upgrade", env={"DATABASE_URL": empty_postgres_url})
    assert result.returncode == 0, result.stderr
    assert "upgraded from empty to" in result.stdout


def test_manifest_declares_command_scopes_interactivity_and_events() -> None:
    result = podbot("manifest", "--url", "https://podbot.acme.test")
    assert result.returncode == 0
    manifest = yaml.safe_load(result.stdout)
    url = "https://podbot.acme.test/slack/events"
    (command,) = manifest["features"]["slash_commands"]
    assert command["command"] == "/proc" and command["url"] == url
    assert command["should_escape"] is True
    scopes = set(manifest["oauth_config"]["scopes"]["bot"])
    assert {"commands", "chat:write", "im:write", "channels:history", "files:write"} <= scopes
    settings = manifest["settings"]
    assert settings["interactivity"] == {"is_enabled": True, "request_url": url}
    assert settings["event_subscriptions"]["request_url"] == url
    assert "message.channels" in settings["event_subscriptions"]["bot_events"]
    assert settings["socket_mode_enabled"] is False


def test_socket_mode_manifest_has_no_urls() -> None:
    manifest = yaml.safe_load(podbot("manifest", "--socket-mode").stdout)
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "request_url" not in manifest["settings"]["interactivity"]
    assert "url" not in manifest["features"]["slash_commands"][0]


def test_manifest_without_a_mode_refuses_naming_the_two_choices() -> None:
    result = podbot("manifest")
    assert result.returncode == 2 and result.stdout == ""
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("podbot: say where Slack reaches podbot:")
    assert "--url https://your-host.example.com" in line and "--socket-mode" in line
    both = podbot("manifest", "--url", "https://podbot.acme.test", "--socket-mode")
    assert both.returncode == 2
    assert both.stderr.strip() == "podbot: choose one: --url (HTTP mode) or --socket-mode, not both"


def test_make_run_serves_socket_mode_when_an_app_token_is_set() -> None:
    """`make run` picks the mode from the environment (a dry run prints its commands)."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PODBOT_"))}
    args = ["make", "--no-print-directory", "-n", "run"]

    def commands(env: dict[str, str]) -> list[str]:
        done = subprocess.run(args, env={**base, **env}, cwd=ROOT, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return [line for line in done.stdout.splitlines() if "bin/podbot" in line]

    assert commands({"SLACK_APP_TOKEN": "xapp-1"})[-2:] == [
        ".venv/bin/podbot db upgrade", ".venv/bin/podbot serve --socket-mode"
    ]  # fmt: skip
    assert commands({})[-1] == ".venv/bin/podbot serve"


def migrated(tmp_path: Path) -> dict[str, str]:
    url = f"sqlite:///{tmp_path / 'jobs.db'}"
    assert main(["db", "upgrade", "--database-url", url]) == 0
    return {
        "PODBOT_CONFIG": str(ROOT / "tests" / "fixtures" / "podbot.test.toml"),
        "DATABASE_URL": url,
    }


def test_jobs_list_shows_each_job_per_pod_with_its_next_run(tmp_path: Path) -> None:
    result = podbot("jobs", "list", env=migrated(tmp_path))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert any(
        line.startswith("aging-report     alpha")
        and "at 09:00 Asia/Kolkata; next 20" in line
        and "+05:30" in line
        for line in lines
    ), lines
    assert any(line.startswith("tat-alerts       beta") for line in lines)
    assert any(
        line.startswith("retention        alpha")
        and "daily at 03:30 UTC, one run for every POD" in line
        for line in lines
    ), lines


def test_jobs_list_shows_token_refresh_in_oauth_mode_only(tmp_path: Path) -> None:
    env = migrated(tmp_path)
    static = podbot("jobs", "list", env=env)
    assert static.returncode == 0, static.stderr
    assert "token-refresh" not in static.stdout
    oauth = {**env, "PODBOT_OAUTH": "1", "SLACK_CLIENT_ID": "1.2", "SLACK_CLIENT_SECRET": "s"}
    listed = podbot("jobs", "list", env=oauth)
    assert listed.returncode == 0, listed.stderr
    # The same lines, and one more: the installations' tokens renewed ahead of expiry.
    # (Their next runs left out: the two listings are seconds apart.)
    assert [line.split("; next")[0] for line in listed.stdout.splitlines()[:-1]] == [
        line.split("; next")[0] for line in static.stdout.splitlines()
    ]
    assert listed.stdout.splitlines()[-1] == (
        "token-refresh    *          every 10 minutes (OAuth mode): renews the bot tokens "
        "expiring within the hour"
    )


def test_jobs_run_dry_run_prints_and_posts_nothing(tmp_path: Path) -> None:
    env = migrated(tmp_path)
    result = podbot(
        "jobs", "run", "aging-report", "--pod", "alpha",
        "--at", "2026-11-23T09:00:00+05:30", "--dry-run", env=env,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "--- post to C0ALPHA01\n" in result.stdout
    assert '"type": "header"' in result.stdout
    assert "aging-report alpha 2026-11-23: queued 0 requests in 1 message" in result.stdout
    assert "jobs run:" not in result.stdout  # nothing was queued, so nothing to deliver
    import sqlite3

    rows = sqlite3.connect(tmp_path / "jobs.db").execute("select count(*) from job_runs")
    assert rows.fetchone() == (0,)  # a dry run records nothing


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["jobs", "run", "payroll"], "no job named 'payroll'"),
        (["jobs", "run", "aging-report", "--at", "tomorrow", "--dry-run"], "is not an ISO-8601"),
        (["jobs", "run", "aging-report", "--at", "2026-11-23T09:00", "--dry-run"], "UTC offset"),
        (["jobs", "run", "aging-report", "--pod", "gamma", "--dry-run"], "no POD with key"),
        (["jobs", "run", "aging-report"], "SLACK_BOT_TOKEN is not set"),
    ],
)
def test_jobs_run_refuses_bad_arguments_in_one_line(
    tmp_path: Path, args: list[str], says: str
) -> None:
    result = podbot(*args, env=migrated(tmp_path))
    assert result.returncode == 2
    assert says in result.stderr and len(result.stderr.strip().splitlines()) == 1


def _readme_scopes_section() -> str:
    """The README's part on the manifest: from "The manifest asks for" to the next heading."""
    return _readme_text().split("The manifest asks for", 1)[1].split("\n#", 1)[0]


def test_readme_scope_and_event_lists_are_the_manifests() -> None:
    manifest = yaml.safe_load(podbot("manifest", "--url", "https://podbot.acme.test").stdout)
    section = _readme_scopes_section()
    # The scope table's rows, in the manifest's order (issue 36: each scope with its why).
    scopes = re.findall(r"^\| `([^`]+)` \|", section, re.MULTILINE)
    assert scopes == manifest["oauth_config"]["scopes"]["bot"]
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    said = " ".join(section.split()).split("The bot events are", 1)[1].split(";", 1)[0]
    assert re.findall(r"`([^`]+)`", said) == events
    shortcuts = [s["name"] for s in manifest["features"]["shortcuts"]]
    readme = " ".join(_readme_text().split())
    assert all(f"*{name}* message shortcut" in readme for name in shortcuts)


def _readme_text() -> str:
    return (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
