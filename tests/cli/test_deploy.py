"""Issue 29 item 6: what docs/DEPLOY.md ships — the systemd unit — is a unit systemd accepts."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from slackfake.web_api import SlackApiServer
from tests.conftest import BOT_TOKEN, TEST_CONFIG
from tests.helpers.commandline import podbot

ROOT = Path(__file__).resolve().parents[2]
UNIT = ROOT / "deploy" / "podbot.service"


def test_the_systemd_unit_verifies(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed here")
    # The unit as installed from this checkout (the guide's /opt/podbot is this directory).
    unit = tmp_path / "podbot.service"
    unit.write_text(UNIT.read_text().replace("/opt/podbot", str(ROOT)))
    result = subprocess.run(
        ["systemd-analyze", "verify", str(unit)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert "podbot.service" not in result.stderr, result.stderr


def test_the_unit_upgrades_the_schema_before_serving() -> None:
    lines = UNIT.read_text().splitlines()
    pre = lines.index("ExecStartPre=/opt/podbot/.venv/bin/podbot db upgrade")
    start = next(n for n, line in enumerate(lines) if line.startswith("ExecStart="))
    assert pre < start and "podbot serve" in lines[start]


def test_socket_mode_that_cannot_connect_is_one_line_not_a_traceback(
    slack_api: SlackApiServer, sqlite_url: str, tmp_path: Path
) -> None:
    """`make run` with SLACK_APP_TOKEN set serves Socket Mode; a Slack that will not open a
    Socket Mode connection (here the test server, which has none) is said in one line."""
    env = {
        "PODBOT_CONFIG": str(TEST_CONFIG), "DATABASE_URL": sqlite_url,
        "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_APP_TOKEN": "xapp-1-test",
        "SLACK_API_URL": slack_api.url, "PODBOT_OPS_PORT": "0",
    }  # fmt: skip
    result = podbot("serve", "--socket-mode", "--no-scheduler", env=env, cwd=tmp_path)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    (line,) = [line for line in result.stderr.splitlines() if line.startswith("podbot:")]
    assert line.startswith("podbot: Socket Mode could not connect to Slack (unknown_method)")
    assert slack_api.calls_to("apps.connections.open")
