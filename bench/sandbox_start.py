"""How long `podbot sandbox --fresh` takes to serve its page with the demo data seeded.

The README says the sandbox is up "within seconds"; the test of it (tests/sandbox/test_sandbox.py)
only waits for readiness, with a generous bound on a hang. This prints the figure: the seconds
from starting the process to `/sandbox/state` saying ready, over `--runs` runs (median and max),
beside the seconds to a bare `python -c "import bot.sandbox.app"` (the imports alone).

Run from the repository root: `.venv/bin/python bench/sandbox_start.py [--runs 3]`.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HANG = 600.0


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def ready(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/sandbox/state", timeout=5) as answer:
            return bool(json.loads(answer.read()).get("ready"))
    except OSError:
        return False


def one_start(folder: Path) -> float:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PODBOT_"))}
    env.pop("DATABASE_URL", None)
    command = [
        str(Path(sys.executable).parent / "podbot"), "sandbox", "--port", str(port),
        "--database-url", f"sqlite:///{folder / 'demo.db'}", "--fresh",
    ]  # fmt: skip
    started = time.monotonic()
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while not ready(f"http://127.0.0.1:{port}"):
            if time.monotonic() - started > HANG or process.poll() is not None:
                raise SystemExit("the sandbox did not become ready")
            time.sleep(0.05)
        return time.monotonic() - started
    finally:
        process.terminate()
        process.wait(timeout=30)


def imports_only() -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-c", "import bot.sandbox.app"], cwd=ROOT, check=True)
    return time.monotonic() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    starts, imports = [], []
    for _ in range(args.runs):
        imports.append(imports_only())
        with tempfile.TemporaryDirectory() as folder:
            starts.append(one_start(Path(folder)))
    print(f"sandbox --fresh to ready: median {statistics.median(starts):.1f} s, "
          f"max {max(starts):.1f} s over {args.runs} runs")  # fmt: skip
    print(f"imports alone (baseline): median {statistics.median(imports):.2f} s; "
          f"ratio {statistics.median(starts) / statistics.median(imports):.1f}×")  # fmt: skip


if __name__ == "__main__":
    main()
