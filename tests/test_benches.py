"""The bench scripts run (their figures are read by people, not asserted: see bench/README)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_kpi_stats_without_reference_runs_skips_the_old_engine_and_its_comparison() -> None:
    done = subprocess.run(
        [sys.executable, "bench/kpi_stats.py", "--scale", "0.01", "--runs", "1",
         "--reference-runs", "0", "--factors", "0,1"],
        cwd=ROOT, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert "Traceback" not in done.stderr, done.stderr
    rows = [line.split() for line in done.stdout.splitlines() if line.strip()[:2] in ("0×", "1×")]
    assert [row[0] for row in rows] == ["0×", "1×"]
    # The "before p50" column says it was not run; the figures still match the hand SQL.
    assert all(row[-2] == "—" for row in rows), done.stdout
    assert "FIGURES DIFFER" not in done.stdout
