"""SQLite writers queue across processes on `<database>.writer.lock` (SPEC §7: `serve` beside
`podbot jobs run` or `serve --workers` on one SQLite file), held for the whole transaction."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.db.session import Database

pytest.importorskip("fcntl")

# Another process asks for the lock without waiting: exit 0 if it got it, 3 if it is held.
PROBE = """
import fcntl, sys
with open(sys.argv[1], "a+b") as handle:
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        sys.exit(3)
"""


def another_process_gets_the_lock(path: Path) -> bool:
    probe = subprocess.run([sys.executable, "-c", PROBE, str(path)], check=False, timeout=30)
    assert probe.returncode in (0, 3), probe
    return probe.returncode == 0


def test_a_transaction_holds_the_writer_lock_until_it_ends(sqlite_url: str) -> None:
    db = Database(sqlite_url)
    lock = Path(f"{db.engine.url.database}.writer.lock")
    try:
        assert another_process_gets_the_lock(lock)
        with db.transaction() as session:
            session.execute(text("select 1"))
            assert not another_process_gets_the_lock(lock)
            with db.transaction():  # re-entered by the same thread: still one holder
                pass
            assert not another_process_gets_the_lock(lock)
        assert another_process_gets_the_lock(lock)
        with pytest.raises(RuntimeError), db.transaction():
            raise RuntimeError("a failed action lets go of the lock too")
        assert another_process_gets_the_lock(lock)
    finally:
        db.dispose()
