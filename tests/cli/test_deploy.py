"""Issue 29 item 6: what docs/DEPLOY.md ships — the systemd unit — is a unit systemd accepts."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

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
