"""Engines and transactions: one transaction per user action, SQLite tuned for a small server."""

from __future__ import annotations

import contextlib
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, bindparam, create_engine, event, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from bot.db.models import ProcessedEvent
from bot.db.visible import hide_unfinished_imports
from bot.errors import AlreadyDone

try:
    import fcntl
except ImportError:  # Windows: threads of one process still queue
    fcntl = None  # type: ignore[assignment]  # the module is absent, the name stays

log = logging.getLogger(__name__)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and write-intent BEGINs."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        connect_args = {"check_same_thread": False, "timeout": 30}
        engine = create_engine(url, connect_args=connect_args, **kwargs)
        _tune_sqlite(engine, in_memory=parsed.database in (None, "", ":memory:"))
        return engine
    # No pre-ping: it would add a round trip to every transaction. A connection the server
    # dropped fails its statement once, SQLAlchemy then discards the whole pool, and the
    # action is run again on a fresh connection (`again_if_disconnected`).
    return create_engine(url, **kwargs)


T = TypeVar("T")


# Transactions committed in this context: an action is only run again if it committed none.
_commits: ContextVar[int] = ContextVar("podbot_commits", default=0)


def again_if_disconnected(action: Callable[[], T]) -> T:
    """Run a transactional action; if the database had dropped the pooled connection it used
    (a server restart) before the action committed anything, run it once more on a fresh
    connection. The failed try was rolled back, so nothing is done twice."""
    before = _commits.get()
    try:
        return action()
    except DBAPIError as exc:
        if not exc.connection_invalidated or _commits.get() != before:
            raise
        log.warning("the database connection was lost; trying again on a fresh connection")
        return action()


_READ_ONLY = "podbot_read_only"


@dataclass
class _SlackRequest:
    """The Slack request an action is running for, and whether its key is recorded yet."""

    key: str
    at: datetime
    recorded: bool = False  # by a committed transaction of this action
    wrote: bool = False  # the running transaction has executed an INSERT, UPDATE or DELETE


_slack_request: ContextVar[_SlackRequest | None] = ContextVar("podbot_slack_request", default=None)


@contextmanager
def once_per_slack_request(key: str | None, at: datetime | None = None) -> Iterator[None]:
    """Run the action in this block at most once per Slack request `key` (`trigger:<id>`).

    Slack signs a request for five minutes, so a captured one can be sent again, and Slack
    itself may resend one. The first transaction of the block that changes anything records
    the key in `processed_events` as part of that change; a transaction of a request whose
    key is recorded raises AlreadyDone and writes nothing. Read-only transactions record
    nothing, so a repeated `status` shows the status again. No key: no protection.
    """
    if key is None:
        yield
        return
    token = _slack_request.set(_SlackRequest(key, at or datetime.now(UTC)))
    try:
        yield
    finally:
        _slack_request.reset(token)


_HAS_STATISTICS = "SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"
_TABLES = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
_KEY_RECORDED = select(ProcessedEvent.event_id).where(ProcessedEvent.event_id == bindparam("k"))
# ON CONFLICT DO NOTHING: on PostgreSQL a racing twin's uncommitted key makes this wait for it;
# once it commits, nothing is inserted and this transaction is rolled back. Built once per
# dialect: every command that changes something runs it before its ack.
_RECORD_KEY = {
    dialect.dialect().name: dialect.insert(ProcessedEvent.__table__)
    .values(event_id=bindparam("k"), received_at=bindparam("at"))
    .on_conflict_do_nothing(index_elements=["event_id"])
    .returning(ProcessedEvent.__table__.c.event_id)  # (psycopg reports no rowcount for it)
    for dialect in (postgresql, sqlite)
}


def _refuse_replay(session: Session, request: _SlackRequest) -> None:
    # A cheap look first, so a replay does not even take a request number from the sequence.
    # Core, not the ORM: nothing is pending in a transaction that has just begun.
    if session.connection().execute(_KEY_RECORDED, {"k": request.key}).first() is not None:
        raise AlreadyDone(request.key)
    request.wrote = False


def _record(session: Session, request: _SlackRequest) -> None:
    session.flush()  # the ORM's pending changes count as writes too
    if not request.wrote:
        return
    connection = session.connection()
    statement = _RECORD_KEY[connection.dialect.name]
    inserted = connection.execute(statement, {"k": request.key, "at": request.at})
    if inserted.first() is None:
        raise AlreadyDone(request.key)


def _tune_sqlite(engine: Engine, in_memory: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event emit BEGIN itself (pysqlite's own handling is lazy).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA busy_timeout = 30000")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # IMMEDIATE takes the write lock up front: two writers queue instead of deadlocking.
        # A read-only transaction (`Database.reading`) begins deferred: a snapshot, no lock.
        # Straight to the driver: this runs once per transaction, on every command's path.
        read_only = connection.get_execution_options().get(_READ_ONLY)
        connection.connection.driver_connection.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")


# The session of the transaction running in this context: only the outermost transaction of an
# action answers for its Slack request (a replay is refused there), and the channel pacer
# (`bot.slack.pacing`) never waits on Slack inside one. Outbox rows need no such lookup: the
# outbox writes them with the session it is handed.
_current: ContextVar[Session | None] = ContextVar("podbot_session", default=None)


def current_session() -> Session | None:
    """The session of the innermost `Database.transaction()` open in this context, if any."""
    return _current.get()


class Database:
    """The engine and session factory of one database."""

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)
        event.listen(self.engine, "after_cursor_execute", _note_writes)
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._readers = sessionmaker(
            self.engine.execution_options(**{_READ_ONLY: True}), expire_on_commit=False
        )
        # Rows of an import still being written (or failed) are not there for any reader.
        for sessions in (self._sessions, self._readers):
            event.listen(sessions, "do_orm_execute", hide_unfinished_imports)
        # SQLite has one writer at a time and its busy handler retries with sleeps of up to
        # 100 ms, which starves some writers; queueing them here is fair and fast.
        self._writer: WriterQueue | None = None
        if self.engine.dialect.name == "sqlite":
            path = make_url(url).database
            self._writer = WriterQueue(None if path in (None, "", ":memory:") else path)

    @property
    def dialect(self) -> str:
        """The backend name: sqlite or postgresql."""
        return self.engine.dialect.name

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on any exception."""
        # Only the outermost transaction of an action answers for its Slack request.
        request = _slack_request.get() if _current.get() is None else None
        if request is not None and request.recorded:
            request = None
        with self._writer or contextlib.nullcontext(), self._sessions.begin() as session:
            token = _current.set(session)
            try:
                if request is not None:
                    _refuse_replay(session, request)
                yield session
                if request is not None:
                    _record(session, request)
            finally:
                _current.reset(token)
        _commits.set(_commits.get() + 1)
        if request is not None and request.wrote:
            request.recorded = True

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only (a report's rows). On SQLite it takes a snapshot without
        queueing behind writers or holding them up: WAL lets readers and a writer overlap.
        Queue no outbox rows in it: they are written in the `transaction()` that decided them."""
        with self._readers.begin() as session:
            yield session

    @contextmanager
    def statements(self) -> Iterator[Connection]:
        """A Core connection for a few small writes that need no transaction around them
        (bookkeeping such as channel turns), cheaper than a session: on PostgreSQL each
        statement commits on its own (autocommit: one round trip each, no BEGIN or COMMIT);
        on SQLite they run in one transaction, in the writers' queue."""
        if self._writer is None:
            with self._autocommit.connect() as connection:
                yield connection
            return
        with self._writer, self.engine.begin() as connection:
            yield connection

    def optimize(self, *, starting: bool = False) -> None:
        """Keep the query planner's statistics current. podbot's hot statements are served by
        partial indexes that SQLite's planner, with no statistics, passes over for a walk of
        every open row. On SQLite: a database never analyzed is analyzed (`starting` a
        process), and so is a table that has rows and no statistics (one analyzed while empty:
        `PRAGMA optimize` before SQLite 3.46 never looks at it again); then `PRAGMA optimize`
        re-analyzes the tables that grew enough (SQLite's advice: on closing a connection, or
        every few hours for a long-lived one). Exact statistics, not `analysis_limit`'s
        samples: sampled, the share of pending rows in the outbox came out wrong enough to
        choose the walk again. PostgreSQL's autovacuum analyzes on its own."""
        if self._writer is None:
            return
        with self._writer, self.engine.connect() as connection:
            driver = connection.connection.driver_connection
            assert driver is not None
            if not driver.execute(_HAS_STATISTICS).fetchone():
                driver.execute("ANALYZE" if starting else "PRAGMA optimize")
                return
            # Rows per table when last analyzed (a table's first figure; NULL index: its rows).
            analyzed: dict[str, int] = {}
            for table, stat in driver.execute("SELECT tbl, stat FROM sqlite_stat1").fetchall():
                rows = int(str(stat).split()[0]) if stat else 0
                analyzed[table] = max(analyzed.get(table, 0), rows)
            for (table,) in driver.execute(_TABLES).fetchall():
                if table not in analyzed:
                    if driver.execute(f'SELECT 1 FROM "{table}"').fetchone():
                        driver.execute(f'ANALYZE "{table}"')
                    continue
                # A table ten times the size it was analyzed at (what `PRAGMA optimize` does
                # from SQLite 3.46; before, on a fresh connection, it looks at none): statistics
                # taken when it was small chose a walk of every row over an index lookup.
                grown = driver.execute(
                    f'SELECT 1 FROM "{table}" LIMIT 1 OFFSET ?', (10 * max(analyzed[table], 1),)
                ).fetchone()
                if grown:
                    driver.execute(f'ANALYZE "{table}"')
            driver.execute("PRAGMA optimize")

    def dispose(self) -> None:
        """Close every pooled connection (on SQLite, after `PRAGMA optimize`)."""
        try:
            self.optimize()
        except (DBAPIError, sqlite3.Error) as exc:  # e.g. the file is gone: still close
            log.debug("PRAGMA optimize before closing failed: %s", exc)
        self.engine.dispose()
        if self._writer is not None:
            self._writer.close()


def _note_writes(
    _conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool
) -> None:
    # Whether the transaction of a Slack request changed anything (see once_per_slack_request).
    request = _slack_request.get()
    if request is not None and context is not None and context.is_crud:
        request.wrote = True


class WriterQueue:
    """One SQLite writer at a time: threads of this process queue on a lock, and processes
    sharing the database file (`serve --workers`, `podbot jobs run` beside `serve`) queue on
    an advisory lock of `<database>.writer.lock`, which the kernel hands over as soon as it is
    released (SQLite's own busy handler polls with sleeps instead)."""

    def __init__(self, path: str | None) -> None:
        self._threads = threading.RLock()
        self._depth = 0  # re-entry by the thread holding it (a transaction inside another)
        self._path = f"{path}.writer.lock" if path is not None and fcntl is not None else None
        self._file: Any = None

    def _lock_file(self) -> Any:
        # Opened on first use (kept for the process's life): a database whose folder is
        # missing should fail with SQLite's own error, when it is used, not here.
        if self._file is None and self._path is not None:
            try:
                self._file = open(self._path, "a+b")  # noqa: SIM115
            except OSError:
                return None
        return self._file

    def __enter__(self) -> None:
        self._threads.acquire()
        self._depth += 1
        if self._depth == 1 and self._lock_file() is not None:
            try:
                fcntl.flock(self._file, fcntl.LOCK_EX)
            except BaseException:
                self._depth -= 1
                self._threads.release()
                raise

    def __exit__(self, *_exc: object) -> None:
        self._depth -= 1
        if self._depth == 0 and self._file is not None:
            fcntl.flock(self._file, fcntl.LOCK_UN)
        self._threads.release()

    def close(self) -> None:
        """Let go of the lock file."""
        if self._file is not None:
            self._file.close()
            self._file = None
        self._path = None
