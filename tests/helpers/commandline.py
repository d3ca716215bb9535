"""`podbot` verbs run in the test process: `bot.cli.main` with argv, as the console script runs
it, with the environment, working directory, stdout and stderr of a subprocess.

A subprocess pays ~1 s of CPU importing podbot and its libraries; in the test process they are
imported once. The long-running verbs (`serve`, `scheduler`, `sandbox`) still run as real
processes, and so do the smoke tests that start the installed console script.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
import subprocess
import sys
import traceback
from collections.abc import Iterator, Sequence
from pathlib import Path

from bot.cli import main

ROOT = Path(__file__).resolve().parents[2]
# Verbs that serve or loop until stopped: a process of their own, killed by its timeout.
PROCESS_VERBS = frozenset({"serve", "scheduler", "sandbox"})


def clean_env(env: dict[str, str] | None = None) -> dict[str, str]:
    """This environment without Slack's or podbot's settings, plus `env`."""
    base = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "PODBOT_"))}
    base.pop("DATABASE_URL", None)
    return {**base, **(env or {})}


def run_process(
    args: Sequence[str], env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """The installed console script in a process of its own."""
    return subprocess.run(
        [str(Path(sys.executable).parent / "podbot"), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
    )


@contextlib.contextmanager
def _as_a_process(env: dict[str, str], cwd: Path) -> Iterator[tuple[io.StringIO, io.StringIO]]:
    """The environment, directory, output streams and logging of a fresh process, restored
    afterwards."""
    saved_env, saved_cwd = dict(os.environ), Path.cwd()
    root = logging.getLogger()
    saved_handlers, saved_level = root.handlers[:], root.level
    alembic = logging.getLogger("alembic")
    saved_alembic = alembic.level
    out, err = io.StringIO(), io.StringIO()
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            yield out, err
    finally:
        os.chdir(saved_cwd)
        os.environ.clear()
        os.environ.update(saved_env)
        for handler in root.handlers[:]:
            if handler not in saved_handlers:
                root.removeHandler(handler)
                handler.close()
        for handler in saved_handlers:
            if handler not in root.handlers:
                root.addHandler(handler)
        root.setLevel(saved_level)
        alembic.setLevel(saved_alembic)


def run_in_process(
    args: Sequence[str], env: dict[str, str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    """`podbot ARGS` through `bot.cli.main`: its exit status as the console script's (an
    uncaught exception is status 1 with its traceback on stderr, as Python prints it)."""
    with _as_a_process(env, cwd) as (out, err):
        try:
            code = main(list(args))
        except SystemExit as exit_:  # argparse's usage errors, --help, sys.exit in a verb
            status = exit_.code
            if isinstance(status, str):
                print(status, file=sys.stderr)
            code = 1 if isinstance(status, str) else int(status or 0)
        except Exception:
            traceback.print_exc()
            code = 1
        sys.stdout.flush()
        sys.stderr.flush()
    return subprocess.CompletedProcess(list(args), code, out.getvalue(), err.getvalue())


def podbot(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `podbot ARGS` with a clean Slack environment: in this process, or in one of its own
    for the verbs that serve (PROCESS_VERBS)."""
    run = run_process if args and args[0] in PROCESS_VERBS else run_in_process
    return run(args, clean_env(env), cwd or ROOT)
