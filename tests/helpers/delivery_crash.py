"""Test helpers shared by several test modules: delivery crash."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
from pathlib import Path

from slackfake.signing import SlackClient
from slackfake.web_api import SlackApiServer
from tests.conftest import BOT_TOKEN, SIGNING_SECRET, TEST_CONFIG

# Moved here from tests/slack/test_delivery_crash.py by move_helpers.py (issue 28).


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def serve(
    api: SlackApiServer, database_url: str, port: int, ops_port: int = 0
) -> subprocess.Popen[bytes]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PODBOT_"))},
        "PODBOT_CONFIG": str(TEST_CONFIG),
        "DATABASE_URL": database_url,
        "SLACK_API_URL": api.url,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "PODBOT_CHANNEL_INTERVAL": "0",
        "PORT": str(port),
        "PODBOT_OPS_PORT": str(ops_port),
    }
    return subprocess.Popen(
        [str(Path(sys.executable).parent / "podbot"), "serve", "--no-scheduler", "--host",
         "127.0.0.1"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip


def wait_until_serving(client: SlackClient, process: subprocess.Popen[bytes]) -> None:
    """Poll /healthz until the server answers (bounded; startup, not a race)."""
    pause = threading.Event()
    for _ in range(1200):  # two processes start (serve's delivery process): up to a minute
        if process.poll() is not None:
            raise AssertionError(process.stderr.read().decode() if process.stderr else "exited")
        try:
            if client.get("/healthz").status == 200:
                return
        except OSError:
            pass
        pause.wait(0.05)
    raise AssertionError("podbot serve did not start")
