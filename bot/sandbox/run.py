"""`podbot sandbox`: start the sandbox in the foreground, print its URL, load demo data."""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import sys
import threading
from datetime import UTC, datetime, time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.blocks.text import plural
from bot.config import Config, ConfigError, load_config
from bot.db.models import Request

__all__ = ["DEFAULT_CONFIG", "DEFAULT_DATABASE", "demo_start", "serve"]

log = logging.getLogger(__name__)

DEFAULT_CONFIG = Path("config/demo.toml")
DEFAULT_DATABASE = "podbot-sandbox.db"


def _database_files(url: str) -> tuple[Path | None, Path]:
    """The SQLite file (None for a server database) and the Web API state file beside it."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        path = Path(parsed.database or "")
        return path, path.with_name(path.name + ".slack.json")
    return None, Path(f"{DEFAULT_DATABASE}.slack.json")


def demo_start(config: Config, now: datetime | None = None) -> datetime:
    """Where a new sandbox's clock starts: today at 10:00 in the first POD's zone."""
    now = now or datetime.now(UTC)
    if not config.pods:
        return now
    zone = config.pods[0].zone
    return datetime.combine(now.astimezone(zone).date(), time(10, 0), tzinfo=zone)


def _port_free(host: str, port: int) -> bool:
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


def serve(
    *,
    config_path: str | None = None,
    database_url: str | None = None,
    host: str = "127.0.0.1",
    port: int = 3000,
    fresh: bool = False,
    demo_data: bool = True,
) -> int:
    """Run the sandbox until Ctrl-C or SIGTERM; returns the exit status."""
    from bot.sandbox.app import Sandbox
    from bot.sandbox.demo import PEOPLE, seed

    path = Path(config_path) if config_path else DEFAULT_CONFIG
    try:
        config = load_config(path)
    except ConfigError as exc:
        print(f"podbot: invalid configuration:\n{exc}", file=sys.stderr)
        return 2
    except FileNotFoundError:
        print(f"podbot: no configuration file {path}", file=sys.stderr)
        return 2
    if port and not _port_free(host, port):
        print(f"podbot: {host}:{port} is already in use; try another --port", file=sys.stderr)
        return 1
    url = database_url or f"sqlite:///{Path.cwd() / DEFAULT_DATABASE}"
    database, state_file = _database_files(url)
    if fresh:
        if database is None:
            print("podbot: --fresh only removes SQLite files; empty that database yourself",
                  file=sys.stderr)  # fmt: skip
            return 2
        for stale in (database, Path(f"{database}-wal"), Path(f"{database}-shm"), state_file):
            stale.unlink(missing_ok=True)
    # A new demo starts today at 10:00 in the first POD's zone; a saved one where it stopped.
    sandbox = Sandbox(
        config, url, host=host, port=port, start=demo_start(config), state_file=state_file,
        names=PEOPLE,
    )  # fmt: skip
    try:
        page = sandbox.start()
    except (OSError, RuntimeError) as exc:
        print(f"podbot: the sandbox could not listen on {host}:{port} ({exc}); "
              "try another --port", file=sys.stderr)  # fmt: skip
        sandbox.api.stop()
        sandbox.clickup.stop()
        return 1
    assert sandbox.runtime is not None
    with sandbox.runtime.db.transaction() as session:
        empty = not session.scalar(select(func.count()).select_from(Request))
    print(f"podbot sandbox: open {page}/ in your browser", flush=True)
    print(f"  config {path} · database {url} · Ctrl-C stops it", flush=True)

    def load() -> None:
        try:
            if demo_data and empty:
                print("  loading demo data…", flush=True)
                problems = seed(sandbox)
                if problems:
                    print(
                        f"  {plural(len(problems), 'demo step')} refused; see the log", flush=True
                    )
                print("  demo data ready", flush=True)
        finally:
            sandbox.ready.set()

    loader = threading.Thread(target=load, name="sandbox-demo", daemon=True)
    loader.start()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        while not stop.wait(0.5):
            pass
    loader.join(timeout=30)
    sandbox.stop()
    print("podbot sandbox stopped; run it again to pick up where you left off", flush=True)
    return 0
