"""Shared fixtures: real databases, the Slack Web API test server, and podbot served over HTTP."""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from _pytest.nodeid import coerce_node_id
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.util import LRUCache

from bot.clock import Clock, ManualClock
from bot.config import Config, Settings, load_config
from bot.db.migrate import upgrade
from bot.db.pods import sync_pods
from bot.db.session import Database
from bot.process import Listen, Plan, Serves, open_process
from bot.runtime import Runtime, WorkerOptions
from bot.sandbox.app import TrackedExecutor
from bot.slack.worker import BUSY_SECONDS
from slackfake.signing import SlackClient
from slackfake.web_api import SlackApiServer
from tests.helpers.simulated import SimulatedTime

try:
    import fcntl
except ImportError:  # Windows: each worker migrates its own template
    fcntl = None  # type: ignore[assignment]

FIXTURES = Path(__file__).parent / "fixtures"
TEST_CONFIG = FIXTURES / "podbot.test.toml"
SIGNING_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
BOT_TOKEN = "xoxb-test"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# --- pytest-xdist ------------------------------------------------------------------------


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Let `--dist loadgroup` group: pytest-xdist 3.8 suffixes a grouped test's node id with
    `@<group>` by setting `item._nodeid`, which pytest 9.2 no longer reads (the id is `_id`);
    carry the suffix over, so the tests of one `xdist_group` (the seeded demo's readers)
    run on one worker and its session fixtures are built once, not once per worker."""
    if not config.getoption("loadgroup", default=False):  # set on xdist workers only
        return
    for item in items:
        grouped = item.__dict__.get("_nodeid")
        if isinstance(grouped, str) and grouped != item.nodeid:
            item._id = coerce_node_id(grouped)


class SharedCompiledSql(LRUCache[Any, Any]):
    """SQLAlchemy's compiled-statement cache, one for every engine of the test process.

    A process of podbot has one engine per database and compiles each statement once; a test
    process makes an engine per test, so each would compile every statement again (a Home's
    queries, the outbox's takes: an eighth of an end-to-end test's CPU). SQLAlchemy keys its
    cache by the dialect object; here it is keyed by the dialect's kind and server version, so
    engines of one kind share what they compiled, as one podbot process does."""

    @staticmethod
    def _kind(key: Any) -> Any:
        dialect, *rest = key
        return (type(dialect), dialect.server_version_info, *rest)

    def get(self, key: Any, default: Any = None) -> Any:
        return super().get(self._kind(key), default)

    def __getitem__(self, key: Any) -> Any:
        return super().__getitem__(self._kind(key))

    def __contains__(self, key: object) -> bool:
        return super().__contains__(self._kind(key))

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(self._kind(key), value)


COMPILED_SQL = SharedCompiledSql(5000)


@event.listens_for(Engine, "engine_connect")
def _share_compiled_sql(connection: Connection) -> None:
    if "compiled_cache" not in connection.get_execution_options():  # None: caching off
        connection.execution_options(compiled_cache=COMPILED_SQL)


# --- databases -----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied per test so each starts from a fresh schema quickly;
    migrated once per run: the xdist workers share it (their temp folders' parent)."""
    shared = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        shared = shared.parent
    path = shared / "template.db"
    with (shared / "template.lock").open("w") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)  # one worker migrates; the others wait for it
        if not path.exists():
            building = shared / f"template-{uuid.uuid4().hex}.db"
            db = Database(f"sqlite:///{building}")
            upgrade(db.engine)
            db.dispose()
            building.replace(path)
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, sqlite_template: Path) -> str:
    """A fresh, migrated SQLite database file for one test."""
    path = tmp_path / "podbot.db"
    shutil.copyfile(sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_server_url() -> str:
    """The PostgreSQL to test against; skipped where none is reachable (failed in CI)."""
    url = os.environ.get("PODBOT_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)
    try:
        engine = create_engine(url)
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        engine.dispose()
    except Exception as exc:  # any driver or network failure means "not reachable"
        if os.environ.get("PODBOT_REQUIRE_POSTGRES"):
            pytest.fail(f"PostgreSQL required but not reachable at {url}: {exc}")
        pytest.skip(f"no PostgreSQL reachable at {url} (set PODBOT_TEST_POSTGRES_URL): {exc}")
    return url


@pytest.fixture
def empty_postgres_url(postgres_server_url: str) -> Iterator[str]:
    """A URL whose search_path is a fresh, empty schema, dropped after the test."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def postgres_migrated(postgres_server_url: str) -> Iterator[tuple[str, str]]:
    """One migrated schema per test process (its URL and name), emptied for each test that
    uses it: migrating takes a second or two, emptying milliseconds."""
    schema = f"m_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = make_url(postgres_server_url).update_query_dict({"options": f"-csearch_path={schema}"})
    rendered = url.render_as_string(hide_password=False)
    db = Database(rendered)
    upgrade(db.engine)
    db.dispose()
    try:
        yield rendered, schema
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def postgres_url(postgres_migrated: tuple[str, str]) -> str:
    """A fresh, migrated PostgreSQL schema for one test: the process's migrated schema with
    every table emptied and every sequence restarted (the schema is as migrations left it)."""
    url, schema = postgres_migrated
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            # Fail loudly rather than hang if a connection of an earlier test still holds one.
            connection.execute(text("SET lock_timeout = '30s'"))
            tables = connection.scalars(
                text(
                    "SELECT quote_ident(tablename) FROM pg_tables WHERE schemaname = :schema"
                    " AND tablename <> 'alembic_version'"
                ),
                {"schema": schema},
            ).all()
            sequences = connection.scalars(
                text(
                    "SELECT quote_ident(sequencename) FROM pg_sequences WHERE schemaname = :schema"
                ),
                {"schema": schema},
            ).all()
            connection.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
            for sequence in sequences:
                connection.execute(text(f"ALTER SEQUENCE {sequence} RESTART"))
    finally:
        engine.dispose()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each migrated database kind in turn: the test runs on SQLite and on PostgreSQL."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return request.getfixturevalue(name)


# --- Slack ---------------------------------------------------------------------------------


@pytest.fixture
def test_config() -> Config:
    """The two-POD configuration the end-to-end tests use."""
    return load_config(TEST_CONFIG)


@pytest.fixture
def slack_api(test_config: Config) -> Iterator[SlackApiServer]:
    """The Slack Web API test server, knowing the POD channels."""
    server = SlackApiServer(valid_tokens={BOT_TOKEN})
    for pod in test_config.pods:
        server.add_channel(pod.channel)
    with server:
        yield server


@pytest.fixture
def clock() -> ManualClock:
    """An injected clock: Monday 2026-11-23 10:00 in New York."""
    return ManualClock(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))


def unpaced_clock() -> Callable[[], float]:
    """A Home pacing clock (`WorkerOptions.pace_clock`) on which each reading is more than
    BUSY_SECONDS after the last: no command ever looks recent, so no Home waits for HOME_SHARE's
    pause (they still go one at a time)."""
    return partial(next, itertools.count(0.0, BUSY_SECONDS + 1))


@dataclass
class RunningBot:
    """podbot served over HTTP on a free port, with what tests need to drive and inspect it."""

    url: str
    runtime: Runtime
    slack: SlackClient
    api: SlackApiServer
    executor: TrackedExecutor
    # The operations listener (/healthz, /readyz, /metrics), unsigned GETs.
    ops: SlackClient

    @property
    def db(self) -> Database:
        return self.runtime.db

    def wait_idle(self, timeout: float = 10.0) -> None:
        """Block until every listener has finished and every due delivery has gone out."""
        if not self.executor.wait_idle(timeout):
            raise TimeoutError("podbot listeners still running")
        self.runtime.outbox_worker.wait_idle(timeout)


@pytest.fixture
def start_bot(
    request: pytest.FixtureRequest,
    slack_api: SlackApiServer,
    test_config: Config,
    clock: ManualClock,
) -> Callable[..., RunningBot]:
    """Start podbot on a given database URL; each is stopped before its database goes away."""

    def start(
        database_url: str,
        *,
        simulated: SimulatedTime | None = None,
        deliver: bool = True,
        worker: WorkerOptions | None = None,
        delivery_clock: Clock | None = None,
        **overrides: Any,
    ) -> RunningBot:
        """With `simulated`, deliveries are timed on its clock (and the stand-in's outages
        end on it): the test passes the time. `deliver=False` leaves the outbox worker
        stopped (rows stay pending); `worker` narrows it (`WorkerOptions`)."""
        settings = Settings(
            bot_token=BOT_TOKEN,
            signing_secret=SIGNING_SECRET,
            api_url=slack_api.url,
            database_url=database_url,
            channel_interval=0,  # the fan-out benchmark enforces Slack's pace; tests need speed
            **overrides,
        )
        db = Database(database_url)
        with db.transaction() as session:
            sync_pods(session, test_config)
        if simulated is not None:
            delivery_clock = simulated.clock
        # Homes follow a command at once: the pause that holds their renders to HOME_SHARE of
        # the time while commands keep coming is waited out in real time, up to a second per
        # command, which a test waiting for its Homes would spend idle; the pause is
        # tests/slack/test_home_pacing.py's (on a clock of its own).
        worker = {"pace_clock": unpaced_clock(), **(worker or {})}
        executor = TrackedExecutor()
        process = open_process(
            test_config,
            settings,
            Plan(serves=Serves.HTTP, listen=Listen(), ops=Listen(), worker=deliver),
            db=db,
            clock=clock,
            delivery_clock=delivery_clock,
            slack_pause=simulated.pause if simulated is not None else None,
            worker=worker,
            after_ack=executor,
        )
        runtime = process.runtime
        if simulated is not None:
            simulated.attach(runtime.outbox_worker, slack_api)
        process.start()
        ops = SlackClient(process.ops_url, "unused")
        # A command's response_url lands in the Slack stand-in (answers after the ack).
        slack = SlackClient(
            process.url, SIGNING_SECRET, response_url_base=slack_api.response_url_base
        )
        bot = RunningBot(process.url, runtime, slack, slack_api, executor, ops)

        def stop() -> None:
            try:
                bot.wait_idle()
            finally:
                process.stop()

        # Registered now, so it runs before the teardown of the database this bot uses.
        request.node.addfinalizer(stop)
        return bot

    return start


@pytest.fixture
def bot(start_bot: Callable[[str], RunningBot], sqlite_url: str) -> RunningBot:
    """podbot on a fresh SQLite database, served over HTTP."""
    return start_bot(sqlite_url)
