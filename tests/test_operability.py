"""Operability (issue 7): JSON log lines, /healthz and /readyz, and Prometheus metrics."""

from __future__ import annotations

import io
import json
import logging
import sqlite3
import sys
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, insert, update
from sqlalchemy.engine import make_url

from bot import metrics
from bot.config import Settings
from bot.db.migrate import upgrade
from bot.db.models import ImportRun, OutboxRow
from bot.db.session import Database
from bot.db.types import UTCDateTime
from bot.jobs import JOBS
from bot.jobs.runner import run_job
from bot.logs import JsonFormatter, TextFormatter, configure_logging, wants_json
from bot.server import BackgroundServer, build_ops_asgi
from slackfake.signing import SlackClient
from slackfake.web_api import SlackApiServer
from tests.conftest import SIGNING_SECRET, RunningBot
from tests.helpers.operability import scrape

ALPHA = "C0ALPHA01"
ANALYST = "U0ANA0001"
STRANGER = "U0NOBODY1"


@pytest.fixture
def json_lines(caplog: pytest.LogCaptureFixture) -> Iterator[Callable[[], list[dict[str, Any]]]]:
    """The records logged so far, each rendered by the JSON formatter and parsed back."""
    formatter = JsonFormatter()
    with caplog.at_level(logging.INFO):
        yield lambda: [json.loads(formatter.format(record)) for record in caplog.records]


def command_lines(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in lines if line["logger"] == "bot.commands.router"]


# --- log lines -----------------------------------------------------------------------------


def test_a_refused_command_logs_one_json_line_with_user_action_and_outcome(
    bot: RunningBot, json_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    response = bot.slack.slash_command("qualify REQ-42", user_id=STRANGER, channel_id=ALPHA)
    bot.wait_idle()

    assert response.status == 200
    (line,) = command_lines(json_lines())
    assert line["level"] == "INFO"
    assert line["outcome"] == "refused"
    assert line["user"] == STRANGER
    assert line["action"] == "qualify"
    assert line["request"] == "REQ-42"
    assert isinstance(line["duration_ms"], float)
    assert datetime.fromisoformat(line["ts"]).utcoffset() == timedelta(0)


def test_a_successful_command_logs_one_json_line_with_the_request_key(
    bot: RunningBot, json_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    opened = bot.slack.slash_command("new Acme | Zoom | new", user_id=ANALYST, channel_id=ALPHA)
    bot.wait_idle()
    assert "REQ-1" in opened.json()["text"]
    status = bot.slack.slash_command("status 1", user_id=ANALYST, channel_id=ALPHA)
    bot.wait_idle()

    assert status.status == 200
    new, shown = command_lines(json_lines())
    assert (new["action"], new["outcome"], new["user"]) == ("new", "ok", ANALYST)
    assert "request" not in new  # `new` takes a customer, not a key
    assert (shown["action"], shown["outcome"], shown["request"]) == ("status", "ok", "REQ-1")


def test_an_unknown_subcommand_is_logged_as_refused(
    bot: RunningBot, json_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    bot.slack.slash_command("frobnicate 7", user_id=ANALYST, channel_id=ALPHA)
    bot.wait_idle()

    (line,) = command_lines(json_lines())
    assert (line["action"], line["outcome"]) == ("frobnicate", "refused")
    assert "request" not in line


def test_a_traceback_stays_on_its_one_json_line() -> None:
    try:
        raise ValueError("boom\nsecond line")
    except ValueError:
        record = logging.LogRecord(
            "bot.x", logging.ERROR, __file__, 1, "failed %s", ("here",), sys.exc_info()
        )
    record.__dict__.update(ref="abc12345", outcome="error")

    rendered = JsonFormatter().format(record)

    assert "\n" not in rendered
    line = json.loads(rendered)
    assert line["message"] == "failed here"
    assert (line["ref"], line["outcome"], line["level"]) == ("abc12345", "error", "ERROR")
    assert line["exc"].startswith("Traceback") and "second line" in line["exc"]


def test_text_lines_carry_the_same_fields_for_people() -> None:
    record = logging.LogRecord("bot.x", logging.INFO, __file__, 1, "command ok", (), None)
    record.__dict__.update(user="U1", action="help", outcome="ok")

    assert TextFormatter().format(record).endswith("command ok [user=U1 action=help outcome=ok]")


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_log_lines_are_json_unless_a_person_is_watching_or_text_is_asked_for() -> None:
    assert wants_json(None, io.StringIO())
    assert not wants_json(None, _Terminal())
    assert wants_json("json", _Terminal())
    assert not wants_json("text", io.StringIO())


def test_configure_logging_sends_json_lines_to_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure_logging(json=True, level=logging.INFO)
        logging.getLogger("bot.test").info("hello", extra={"job": "aging-report", "pod": "alpha"})
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert (line["message"], line["job"], line["pod"]) == ("hello", "aging-report", "alpha")


def test_a_job_run_is_logged_and_counted_with_job_pod_and_outcome(
    bot: RunningBot, json_lines: Callable[[], list[dict[str, Any]]]
) -> None:
    spec = JOBS["aging-report"]
    key = ("podbot_job_runs_total", (("job", spec.name), ("outcome", "dry_run")))
    before = scrape(bot).get(key, 0.0)

    run_job(bot.runtime, spec, bot.runtime.config.pod("alpha"), dry_run=True, out=io.StringIO())

    (line,) = [line for line in json_lines() if line["logger"] == "bot.jobs.runner"]
    assert (line["job"], line["pod"], line["outcome"]) == (spec.name, "alpha", "dry_run")
    assert scrape(bot)[key] == before + 1


# --- /healthz and /readyz ------------------------------------------------------------------


def test_healthz_says_alive(bot: RunningBot) -> None:
    response = bot.slack.get("/healthz")
    assert (response.status, response.json()) == (200, {"status": "ok"})


def test_readyz_is_ready_when_the_database_schema_and_backlog_are_fine(bot: RunningBot) -> None:
    response = bot.ops.get("/readyz")

    assert response.status == 200
    assert response.json() == {
        "status": "ready",
        "database": "ok",
        "schema": "ok",
        "delivery_backlog": "ok",
        "parked_deliveries": 0,
    }


def test_readyz_names_the_schema_when_the_database_is_behind(bot: RunningBot) -> None:
    path = make_url(bot.db.url).database
    assert path
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
    connection.close()

    response = bot.ops.get("/readyz")

    assert response.status == 503
    answer = response.json()
    assert (answer["status"], answer["failing"]) == ("not ready", "schema")
    assert "podbot db upgrade" in answer["schema"]
    assert "delivery_backlog" not in answer


def test_readyz_names_the_database_when_it_cannot_be_opened(
    bot: RunningBot, tmp_path: Path
) -> None:
    missing = tmp_path / "no" / "such" / "dir" / "podbot.db"
    runtime = replace(bot.runtime, db=Database(f"sqlite:///{missing}"))
    server = BackgroundServer(build_ops_asgi(runtime))
    url = server.start()
    try:
        response = SlackClient(url, "unused").get("/readyz")
    finally:
        server.stop()
        runtime.db.dispose()

    assert response.status == 503
    answer = response.json()
    assert answer["failing"] == "database"
    # It names what failed, not where the database is (that is in the log).
    assert answer["database"] == "check failed: OperationalError"
    assert str(missing) not in response.text and "schema" not in answer


def test_readyz_names_the_backlog_when_the_oldest_delivery_waits_too_long(
    bot: RunningBot, monkeypatch: pytest.MonkeyPatch
) -> None:
    limit = bot.runtime.settings.ready_backlog_seconds
    old = metrics.Backlog(size=3, oldest_age_seconds=limit + 1)
    monkeypatch.setattr(metrics, "delivery_backlog", lambda _db, _now: old)

    response = bot.ops.get("/readyz")

    assert response.status == 503
    answer = response.json()
    assert (answer["failing"], answer["database"], answer["schema"]) == (
        "delivery_backlog",
        "ok",
        "ok",
    )
    assert answer["delivery_backlog"].startswith("3 deliveries waiting")


# --- the delivery backlog ------------------------------------------------------------------


def test_the_backlog_counts_undelivered_rows_and_ages_the_oldest(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'bare.db'}")
    now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    assert metrics.delivery_backlog(db, now) == metrics.Backlog(0, None)  # no table yet

    tables = MetaData()
    deliveries = Table(
        "deliveries",
        tables,
        Column("id", Integer, primary_key=True),
        Column("lane", String(64)),
        Column("status", String(16)),
        Column("attempts", Integer),
        Column("created_at", UTCDateTime()),
        Column("next_attempt_at", UTCDateTime()),
        Column("import_id", Integer),
    )
    Table("imports", tables, Column("id", Integer, primary_key=True), Column("state", String(16)))
    tables.create_all(db.engine)
    assert metrics.delivery_backlog(db, now) == metrics.Backlog(0, None)
    # (lane, status, attempts, age, due in): a DM held for its reader's hours (issue 30),
    # never tried and due later, is not late, nor the row behind it in its lane; a retry
    # waiting out its backoff is.
    rows = [
        ("a", "delivered", 1, 3600, 0),
        ("b", "parked", 3, 7200, 0),
        ("c", "pending", 0, 90, 0),
        ("d", "in_flight", 1, 30, 0),
        ("e", "pending", 0, 5, 0),
        ("dm:U1", "pending", 0, 600, 3600),
        ("dm:U1", "pending", 0, 300, 0),
        ("f", "pending", 2, 60, 30),
    ]
    with db.engine.begin() as connection:
        connection.execute(
            insert(deliveries),
            [
                {
                    "lane": lane,
                    "status": s,
                    "attempts": tried,
                    "created_at": now - timedelta(seconds=age),
                    "next_attempt_at": now + timedelta(seconds=due),
                }
                for lane, s, tried, age, due in rows
            ],
        )

    assert metrics.delivery_backlog(db, now) == metrics.Backlog(4, 90.0)
    db.dispose()


def test_the_backlog_leaves_out_the_cards_of_an_import_not_complete(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'podbot.db'}")
    upgrade(db.engine)
    now = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)
    with db.transaction() as session:
        run = ImportRun(kind="requests", file_name="t.csv", rows=2, started_at=now, updated_at=now)
        session.add(run)
        session.flush()
        for age in (600, 500):  # written by the import, not due until it is complete
            session.add(
                OutboxRow(
                    lane=f"req:{age}", kind="card", payload={}, next_attempt_at=now,
                    created_at=now - timedelta(seconds=age), import_id=run.id,
                )
            )  # fmt: skip
        session.add(
            OutboxRow(lane="dm:U1", kind="dm", payload={}, created_at=now, next_attempt_at=now)
        )
    assert metrics.delivery_backlog(db, now) == metrics.Backlog(1, 0.0)
    with db.transaction() as session:
        session.execute(update(ImportRun).values(state="complete", finished_at=now))
    assert metrics.delivery_backlog(db, now) == metrics.Backlog(3, 600.0)
    db.dispose()


# --- /metrics ------------------------------------------------------------------------------


def test_metrics_count_commands_by_outcome_and_time_each_ack(bot: RunningBot) -> None:
    before = scrape(bot)

    for text, user in (("help", ANALYST), ("mine", ANALYST), ("qualify 9", STRANGER)):
        assert bot.slack.slash_command(text, user_id=user, channel_id=ALPHA).status == 200
    bot.wait_idle()
    after = scrape(bot)

    def delta(name: str, **labels: str) -> float:
        key = (name, tuple(sorted(labels.items())))
        return after.get(key, 0.0) - before.get(key, 0.0)

    assert delta("podbot_commands_total", subcommand="help", outcome="ok") == 1
    assert delta("podbot_commands_total", subcommand="mine", outcome="ok") == 1
    assert delta("podbot_commands_total", subcommand="qualify", outcome="refused") == 1
    assert delta("podbot_ack_seconds_count") >= 3
    assert delta("podbot_ack_seconds_bucket", le="+Inf") >= 3
    assert delta("podbot_ack_seconds_sum") > 0
    assert after[("podbot_delivery_backlog", ())] >= 0
    assert after[("podbot_delivery_backlog_age_seconds", ())] >= 0


def test_metrics_count_deliveries_by_outcome(bot: RunningBot) -> None:
    before = scrape(bot).get(("podbot_deliveries_total", (("outcome", "parked"),)), 0.0)

    metrics.record_delivery("parked")

    after = scrape(bot)[("podbot_deliveries_total", (("outcome", "parked"),))]
    assert after == before + 1


def test_two_apps_in_one_process_each_expose_metrics(
    bot: RunningBot, start_bot: Callable[[str], RunningBot], tmp_path: Path, sqlite_template: Path
) -> None:
    second_path = tmp_path / "second.db"
    second_path.write_bytes(sqlite_template.read_bytes())
    second = start_bot(f"sqlite:///{second_path}")

    assert ("podbot_delivery_backlog", ()) in scrape(bot)
    assert ("podbot_delivery_backlog", ()) in scrape(second)


# --- the operations listener --------------------------------------------------------------


def test_readyz_and_metrics_are_not_on_the_public_listener(bot: RunningBot) -> None:
    assert bot.slack.get("/healthz").status == 200  # the load balancer's probe stays
    for path in ("/readyz", "/metrics"):
        assert bot.slack.get(path).status == 404, path
        assert bot.ops.get(path).status == 200, path


def test_serve_answers_readyz_and_metrics_on_its_loopback_operations_port(
    slack_api: SlackApiServer, sqlite_url: str
) -> None:
    from tests.helpers.delivery_crash import free_port, serve, wait_until_serving

    port, ops_port = free_port(), free_port()
    process = serve(slack_api, sqlite_url, port, ops_port=ops_port)
    try:
        public = SlackClient(f"http://127.0.0.1:{port}", SIGNING_SECRET)
        wait_until_serving(public, process)
        ops = SlackClient(f"http://127.0.0.1:{ops_port}", "unused")
        assert ops.get("/readyz").json()["status"] == "ready"
        assert b"podbot_commands_total" in ops.get("/metrics").body
        assert public.get("/metrics").status == 404
    finally:
        process.terminate()
        process.wait(timeout=10)
    assert Settings().ops_host == "127.0.0.1"  # loopback unless PODBOT_OPS_HOST says otherwise
