"""The `podbot` command line: serve, scheduler, jobs, db upgrade/backup/copy, import, manifest,
config check."""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import __version__
from bot.blocks.text import plural

if TYPE_CHECKING:  # the commands import what they run when they run
    from bot.clock import Clock
    from bot.config import Config, Settings
    from bot.process import DeliveryProcess, Plan, Process
    from bot.runtime import Runtime

log = logging.getLogger("bot")
# `import requests` prints its progress at most this often (seconds) while posting cards.
_PROGRESS_EVERY = 5.0


def _configure_logging(verbose: bool = False, log_format: str | None = None) -> None:
    from bot.logs import configure_logging, wants_json

    configure_logging(wants_json(log_format), logging.DEBUG if verbose else logging.INFO)


def _fail(message: str, code: int = 2) -> int:
    print(f"podbot: {message}", file=sys.stderr)
    return code


def cmd_config_check(args: argparse.Namespace) -> int:
    from bot.config import ConfigError, config_path, load_config, placeholder_problems
    from bot.domain.vocabulary import Role

    path = args.config or config_path()
    try:
        config = load_config(path)
        errors = placeholder_problems(config)
    except ConfigError as exc:
        errors = exc.errors
    if errors:
        print(f"{path}: {plural(len(errors), 'problem')}", file=sys.stderr)
        for error in errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    members = sum(len(p.members) for p in config.pods)
    print(f"OK: {path} — {plural(len(config.pods), 'POD')}, {plural(members, 'member')}")
    for pod in config.pods:
        if len(pod.members_with(Role.EM)) <= 1 and not pod.fallback_approvers:
            # Valid, but its em's own savings claims (or all, with no em) will be refused.
            print(
                f"note: {pod.key} has {len(pod.members_with(Role.EM)) or 'no'} em and no "
                "fallback_approvers: savings claims nobody but their claimant could decide are "
                "refused when made"
            )
    return 0


def cmd_doctor(args: argparse.Namespace) -> int:
    from bot import doctor
    from bot.clock import SystemClock
    from bot.config import ConfigError, MissingSetting, Settings, config_path, load_config
    from bot.runtime import make_web_client

    path = args.config or config_path()
    print(f"podbot doctor: {path}")
    try:
        config = load_config(path)
    except ConfigError as exc:
        for error in exc.errors:
            print(f"  FIX  {path}: {error}")
        print(f"{plural(len(exc.errors), 'problem')}: fix the config first (`podbot config check`)")
        return 1
    try:
        settings = Settings.from_env()
    except MissingSetting as exc:
        print(f"  FIX  {exc}")
        return 1
    client = make_web_client(settings) if settings.bot_token else None
    found = doctor.run(config, settings, client, SystemClock().now())
    if config.clickup is not None:  # issue 31: the token, each list, its statuses, its webhook
        from bot.clickup.admin import checks as clickup_checks
        from bot.runtime import make_clickup

        api = make_clickup(config, settings, retries=2)
        known = _stored_webhooks(settings)
        found += [
            doctor.Check(item.ok, item.text)
            for item in clickup_checks(config, settings, api, known)
        ]
    for line in doctor.lines(found):
        print(line)
    print("next runs:")
    for line in doctor.schedule_lines(config, SystemClock().now()):
        print(f"  {line}")
    problems = sum(not item.ok for item in found)
    if problems:
        print(f"{plural(problems, 'problem')}: podbot would not work as configured.")
        return 1
    print("All good.")
    return 0


def _stored_webhooks(settings: Any) -> set[str] | None:
    """The ClickUp webhooks whose secret the database holds; None when it cannot say (the
    database's own check says why)."""
    from sqlalchemy import select
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db.models import ClickUpWebhook
    from bot.db.session import Database

    try:
        db = Database(settings.database_url)
        try:
            with db.reading() as session:
                return set(session.scalars(select(ClickUpWebhook.webhook_id)))
        finally:
            db.dispose()
    except SQLAlchemyError:
        return None


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.config import Settings
    from bot.db.migrate import upgrade
    from bot.db.session import Database

    url = args.database_url or Settings.from_env().database_url
    db = Database(url)
    try:
        before, after = upgrade(db.engine)
    finally:
        db.dispose()
    if before == after:
        print(f"Database already at {after}.")
    else:
        print(f"Database upgraded from {before or 'empty'} to {after}.")
    return 0


def cmd_db_restate(args: argparse.Namespace) -> int:
    from bot.config import ConfigError, Settings, load_config
    from bot.db import claim_ledger, reply_clocks, request_clocks
    from bot.db.migrate import SchemaOutOfDate, check_schema
    from bot.db.session import Database

    url = args.database_url or Settings.from_env().database_url
    config = None
    if args.config:
        try:
            config = load_config(args.config)
        except ConfigError as exc:
            return _fail(f"invalid configuration:\n{exc}")
    db = Database(url)
    try:
        try:
            check_schema(db.engine)
        except SchemaOutOfDate as exc:
            return _fail(str(exc))
        with db.engine.begin() as connection:
            if args.check:
                unrecorded = claim_ledger.any_unrecorded(connection)
                differ = claim_ledger.check(connection)
            else:
                done = claim_ledger.restate_all(connection)
                # The mentions' reply clocks need the PODs' calendars: with the config only.
                clocks = reply_clocks.record(connection, config, every=True) if config else None
                # So do the requests' clocks (after a change of holidays, hours or TAT days).
                request_rows = (
                    request_clocks.record(connection, config, every=True) if config else None
                )
    finally:
        db.dispose()
    if not args.check:
        print(
            f"Restated {plural(done.claims, 'approved claim')} of {plural(done.tools, 'tool')} "
            f"and {plural(done.customers, 'customer and currency', 'customers and currencies')}."
        )
        if clocks is not None:
            print(f"Recorded the reply clocks of {plural(clocks, 'mention')}.")
        if request_rows is not None:
            print(f"Recorded the request clocks of {plural(request_rows, 'row')}.")
        return 0
    if not differ:
        print("Every approved claim's recorded figures match a replay from scratch.")
        return 0
    shown = ", ".join(str(i) for i in differ[:10]) + (", …" if len(differ) > 10 else "")
    verb = "differs" if len(differ) == 1 else "differ"
    what = f"is not recorded yet or {verb}" if unrecorded and len(differ) == 1 else verb
    what = f"are not recorded yet or {verb}" if unrecorded and len(differ) > 1 else what
    print(
        f"{plural(len(differ), 'approved claim')} {what} from a replay from scratch "
        f"(ids {shown}); run `podbot db restate` to record them again."
    )
    return 1


def cmd_db_backup(args: argparse.Namespace) -> int:
    from bot.config import Settings
    from bot.db.backup import BackupError, backup

    url = args.database_url or Settings.from_env().database_url
    try:
        size = backup(url, Path(args.path))
    except BackupError as exc:
        return _fail(str(exc))
    print(f"Backed up {_shown(url)} to {args.path} ({size:,} bytes).")
    return 0


def cmd_db_copy(args: argparse.Namespace) -> int:
    from bot.config import Settings
    from bot.db.backup import BackupError, copy
    from bot.db.migrate import SchemaOutOfDate
    from bot.db.session import make_engine

    url = args.database_url or Settings.from_env().database_url
    if make_url_or_none(args.to) is None:
        return _fail(f"--to {args.to!r} is not a database URL, e.g. postgresql+psycopg://u@host/db")
    source, target = make_engine(url), make_engine(args.to)
    try:
        copied = copy(source, target, lambda done: print(f"  {done.table}: {done.rows:,}"))
    except (BackupError, SchemaOutOfDate) as exc:
        return _fail(str(exc))
    finally:
        source.dispose()
        target.dispose()
    rows = sum(done.rows for done in copied)
    print(
        f"Copied {plural(len(copied), 'table')} ({rows:,} rows) from {_shown(url)} to "
        f"{_shown(args.to)}; point DATABASE_URL at it and start podbot."
    )
    return 0


def make_url_or_none(url: str) -> Any:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url)
    except ArgumentError:
        return None


def _shown(url: str) -> str:
    """A database URL as printed: any password hidden."""
    parsed = make_url_or_none(url)
    return parsed.render_as_string(hide_password=True) if parsed is not None else url


def cmd_manifest(args: argparse.Namespace) -> int:
    from bot.manifest import NEEDS_A_MODE, manifest_yaml

    if not args.url and not args.socket_mode:
        return _fail(NEEDS_A_MODE)
    if args.url and args.socket_mode:
        return _fail("choose one: --url (HTTP mode) or --socket-mode, not both")
    config = None
    if args.config:
        from bot.config import load_config

        config = load_config(args.config)
    if args.oauth and not args.url:
        return _fail(
            "--oauth needs --url: Slack sends the installer back to <url>/slack/oauth_redirect"
        )
    print(
        manifest_yaml(
            request_url=args.url,
            socket_mode=args.socket_mode,
            config=config,
            name=args.name,
            oauth=args.oauth,
        ),
        end="",
    )
    return 0


class _Stop(Exception):
    """Startup cannot go on; the message is the one line the operator sees."""


def _load(
    args: argparse.Namespace, *need: str, clock: Clock | None = None
) -> tuple[Config, Settings, Clock | None]:
    """Config and settings read (with the settings `need` names required), and the clock."""
    from bot.config import ConfigError, MissingSetting, Settings, load_config

    try:
        config = load_config(getattr(args, "config", None))
        settings = Settings.from_env()
        for name in need:
            settings.require(name)
    except ConfigError as exc:
        raise _Stop(f"invalid configuration:\n{exc}") from None
    except MissingSetting as exc:
        raise _Stop(str(exc)) from None
    if clock is None and os.environ.get("PODBOT_CLOCK_START"):
        # Rehearse a schedule: the process's clock starts at this instant and runs on.
        from datetime import datetime

        from bot.clock import OffsetClock

        try:
            clock = OffsetClock(datetime.fromisoformat(os.environ["PODBOT_CLOCK_START"]))
        except ValueError as exc:
            raise _Stop(f"PODBOT_CLOCK_START: {exc}") from None
    return config, settings, clock


def _load_runtime(args: argparse.Namespace, *need: str, clock: Clock | None = None) -> Runtime:
    """Config and settings read, then the runtime of a one-shot verb (its worker drained by
    the verb, not started) built by the composition root."""
    from bot.db.migrate import SchemaOutOfDate
    from bot.runtime import build_runtime

    config, settings, clock = _load(args, *need, clock=clock)
    try:
        return build_runtime(config, settings, clock=clock)
    except SchemaOutOfDate as exc:
        raise _Stop(str(exc)) from None


def _open(
    args: argparse.Namespace, plan: Plan, *need: str, ops: bool = False,
    delivery: DeliveryProcess | None = None,
) -> Process:  # fmt: skip
    """Config and settings read, then the process `plan` says (bot/process.py), not started;
    with `ops`, the operations listener too when PODBOT_OPS_PORT says so; `delivery`: the
    delivery process of `serve`."""
    from dataclasses import replace

    from bot.app import StartupError
    from bot.db.migrate import SchemaOutOfDate
    from bot.process import Listen, open_process

    config, settings, clock = _load(args, *need)
    if ops and settings.ops_port:
        plan = replace(plan, ops=Listen(settings.ops_host, settings.ops_port))
    try:
        return open_process(config, settings, plan, clock=clock, delivery=delivery)
    except (SchemaOutOfDate, StartupError) as exc:
        raise _Stop(str(exc)) from None


def cmd_jobs_list(args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.jobs.scheduler import TOKEN_REFRESH, next_runs
    from bot.slack.installs import REFRESH_EVERY_MINUTES

    try:
        runtime = _load_runtime(args)
    except _Stop as exc:
        return _fail(str(exc))
    now = SystemClock().now()
    for spec, pod, schedule, fire in next_runs(runtime.config, now):
        nxt = fire.isoformat() if fire else "never"
        print(f"{spec.name:<16} {pod.key:<10} {schedule}; next {nxt}")
    if runtime.installations is not None:  # OAuth mode: one more, for every installation
        print(
            f"{TOKEN_REFRESH:<16} {'*':<10} every {REFRESH_EVERY_MINUTES} minutes (OAuth mode): "
            "renews the bot tokens expiring within the hour"
        )
    return 0


def cmd_jobs_run(args: argparse.Namespace) -> int:
    from datetime import datetime

    from bot.clock import ManualClock, SystemClock
    from bot.jobs import JOBS
    from bot.jobs.runner import run_job

    if args.name not in JOBS:
        return _fail(f"no job named {args.name!r}; jobs are {', '.join(JOBS)}")
    clock: Clock = SystemClock()
    if args.at:
        try:
            at = datetime.fromisoformat(args.at)
        except ValueError:
            return _fail(f"--at {args.at!r} is not an ISO-8601 time like 2026-11-23T09:00:00+05:30")
        if at.tzinfo is None:
            return _fail("--at needs a UTC offset, like 2026-11-23T09:00:00+05:30 or ...Z")
        clock = ManualClock(at)
    need = () if args.dry_run else ("SLACK_BOT_TOKEN",)
    try:
        runtime = _load_runtime(args, *need, clock=clock)
    except _Stop as exc:
        return _fail(str(exc))
    pods = runtime.config.pods
    if args.pod:
        try:
            pods = (runtime.config.pod(args.pod),)
        except KeyError:
            return _fail(f"no POD with key {args.pod!r}")
    queued: list[int] = []
    failed = False
    for pod in pods:
        outcome = run_job(
            runtime, JOBS[args.name], pod, now=clock.now(), dry_run=args.dry_run, queued=queued
        )
        print(outcome)
        failed |= outcome.outcome == "failed"
    if args.dry_run:
        return 1 if failed else 0
    # The run is queued; send what can be sent now (this run's rows and any left by an
    # earlier one), retries included, for up to --wait seconds.
    mine = set(queued)
    earlier = [row for row in runtime.outbox_worker.open_rows() if row not in mine]
    try:
        delivered, waiting = runtime.outbox_worker.drain(args.wait, rows=queued + earlier)
    finally:
        runtime.outbox_worker.stop()
        runtime.db.dispose()
    line = f"jobs run: {plural(delivered, 'message')} delivered, {waiting} still queued"
    if earlier:
        line += f" (of them {len(earlier)} queued before this run)"
    if waiting:
        line += (
            "; queued rows are delivered by any running podbot serve or scheduler,"
            " or by the next `podbot jobs run`"
        )
    print(line)
    return 1 if failed else 0


def _outbox_line(item: Any) -> str:
    from bot.slack.outbox_admin import age_text

    return (
        f"{item.id:<7} {item.kind:<8} {item.status:<9} {item.where:<14} "
        f"{age_text(item.age):<8} {item.reason or '-':<20} {item.summary}"
    )


def cmd_installs(args: argparse.Namespace) -> int:
    """`podbot installs list|remove` (OAuth mode, issue 36)."""
    from bot.config import MissingSetting
    from bot.db.migrate import SchemaOutOfDate, check_schema
    from bot.db.session import Database
    from bot.slack.installs import Installations

    try:
        config, settings, _ = _load(args)
        settings.require("SLACK_CLIENT_ID")
    except _Stop as exc:
        return _fail(str(exc))
    except MissingSetting as exc:
        return _fail(str(exc))
    db = Database(settings.database_url)
    try:
        check_schema(db.engine)
        installs = Installations(db, settings.client_id or "", many=config.names_workspaces())
        if args.installs_verb == "list":
            found = installs.listed()
            if not found:
                print("no installations yet: a Slack admin installs podbot at /slack/install")
            for item in found:
                where = item.enterprise_id if item.org_wide else item.team_id
                kind = "org-wide" if item.org_wide else "workspace"
                expires = item.expires_at.isoformat() if item.expires_at else "no expiry"
                print(
                    f"{where or '-':<12} {kind:<9} {item.team_name or '-':<24} installed "
                    f"{item.installed_at:%Y-%m-%d %H:%M} UTC; token {expires}"
                )
            return 0
        if installs.bot_of(args.workspace) is None:
            return _fail(f"no installation for {args.workspace}: see `podbot installs list`")
        parked = installs.remove(args.workspace)
    except SchemaOutOfDate as exc:
        return _fail(str(exc))
    finally:
        db.dispose()
    print(
        f"removed the installation of {args.workspace} and its bot token; {parked} pending "
        "deliveries parked (they go out once podbot is installed there again)"
    )
    return 0


def cmd_outbox_list(args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.slack.outbox_admin import list_rows

    try:
        runtime = _load_runtime(args)
    except _Stop as exc:
        return _fail(str(exc))
    try:
        rows = list_rows(
            runtime.db, SystemClock().now(), parked_only=args.parked, channel=args.channel
        )
    finally:
        runtime.db.dispose()
    what = "parked" if args.parked else "queued or parked"
    where = f" for {args.channel}" if args.channel else ""
    if not rows:
        print(f"Nothing {what}{where}.")
        return 0
    print(f"{'ID':<7} {'KIND':<8} {'STATUS':<9} {'WHERE':<14} {'AGE':<8} {'REASON':<20} SUMMARY")
    for item in rows:
        print(_outbox_line(item))
    parked = sum(item.status == "parked" for item in rows)
    if parked:
        print(
            f"{plural(parked, 'parked row')}: fix the cause (`podbot doctor`), then "
            "`podbot outbox retry ID` or `podbot outbox retry --parked`; "
            "`podbot outbox drop ID` forgets one"
        )
    return 0


def cmd_outbox_retry(args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.slack.outbox_admin import NotParked, list_rows, retry

    if (args.id is None) == (not args.parked):
        return _fail("outbox retry: give a row's ID or --parked (with --channel C, one channel's)")
    if args.id is not None and args.channel:
        return _fail("outbox retry: --channel goes with --parked, not with an ID")
    try:
        runtime = _load_runtime(args, "SLACK_BOT_TOKEN")
    except _Stop as exc:
        return _fail(str(exc))
    worker = runtime.outbox_worker
    try:
        try:
            queued = retry(runtime.db, SystemClock().now(), row_id=args.id, channel=args.channel)
        except NotParked as exc:
            return _fail(str(exc), 1)
        if not queued:
            print(f"Nothing parked{f' for {args.channel}' if args.channel else ''}.")
            return 0
        ids = [row for row, _ in queued]
        print(f"Queued {plural(len(ids), 'parked row')} again: {', '.join(map(str, ids))}.")
        # Any running serve or scheduler may take them too; each looks in Slack before
        # posting, so a row goes out once whoever sends it.
        worker.notify({channel for _, channel in queued})
        delivered, waiting = worker.drain(args.wait, rows=ids)
        again = [
            item for item in list_rows(runtime.db, SystemClock().now(), parked_only=True)
            if item.id in set(ids)
        ]  # fmt: skip
    finally:
        worker.stop()
        runtime.db.dispose()
    line = f"outbox retry: {delivered} delivered"
    if again:
        line += f", {len(again)} parked again"
    if waiting:
        line += f", {waiting} still queued (a running podbot serve or scheduler sends them)"
    print(line + ".")
    for item in again:
        print(_outbox_line(item))
    return 1 if again else 0


def cmd_outbox_drop(args: argparse.Namespace) -> int:
    from bot.clock import SystemClock
    from bot.slack.outbox_admin import NotParked, drop, list_rows

    try:
        runtime = _load_runtime(args)
    except _Stop as exc:
        return _fail(str(exc))
    try:
        found = [
            item for item in list_rows(runtime.db, SystemClock().now(), parked_only=True)
            if item.id == args.id
        ]  # fmt: skip
        if found and not args.yes:
            print(_outbox_line(found[0]))
            try:
                answer = input("Drop this parked row for good? It will never be sent. [y/N] ")
            except EOFError:
                answer = ""
            if answer.strip().lower() not in ("y", "yes"):
                print("Kept it.")
                return 1
        try:
            drop(runtime.db, args.id)
        except NotParked as exc:
            return _fail(str(exc), 1)
    finally:
        runtime.db.dispose()
    print(f"Dropped outbox row {args.id}.")
    return 0


class _Unreadable(Exception):
    """A CSV file that cannot be read at all; the message is the one line to print."""


def _read_csv_text(name: str) -> str:
    """The text of a CSV file, or _Unreadable saying in one line why there is none."""
    try:
        data = Path(name).read_bytes()
    except FileNotFoundError:
        raise _Unreadable(f"{name}: no such file") from None
    except IsADirectoryError:
        raise _Unreadable(f"{name} is a directory, not a CSV file") from None
    except OSError as exc:
        raise _Unreadable(f"{name} cannot be read: {exc.strerror or exc}") from None
    try:
        # Decoded whole, CRLF and line breaks inside quoted cells reach the csv module intact.
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _Unreadable(f"{name} is not UTF-8 text (line {line}); save it as CSV UTF-8") from None


def _print_row_errors(name: str, errors: Sequence[Any]) -> int:
    """The report of a file that imports nothing: how many rows are bad, then each reason."""
    bad = len({error.line for error in errors})
    print(f"{name}: {plural(bad, 'bad row')}; nothing was imported", file=sys.stderr)
    for error in sorted(errors, key=lambda error: error.line):
        print(f"  line {error.line}: {error.reason}", file=sys.stderr)
    return 1


# A CSV import's work once its file is read: (arguments, runtime, text) → its counts (new,
# updated, unchanged), or the exit status of a refused file (its bad rows already reported).
ImportRows = Callable[[argparse.Namespace, Any, str], Any]


def _import_file(args: argparse.Namespace, import_rows: ImportRows) -> int:
    """Read `args.file`, build the runtime, and run `import_rows(args, runtime, text)`: its counts
    (new, updated, unchanged) are printed; an int is the exit status of a refused file (its
    bad rows already reported)."""
    name = args.file
    try:
        text = _read_csv_text(name)
        runtime = _load_runtime(args)
    except (_Unreadable, _Stop) as exc:
        return _fail(str(exc))
    try:
        outcome = import_rows(args, runtime, text)
    finally:
        runtime.db.dispose()
    if isinstance(outcome, int):
        return outcome
    inserted, updated, unchanged = outcome
    print(f"Imported {name}: {inserted} new, {updated} updated, {unchanged} unchanged.")
    return 0


def _stack_rows(args: argparse.Namespace, runtime: Any, text: str, parse: Callable[..., Any],
                changes: Callable[..., Any], upsert: Callable[..., Any]) -> Any:  # fmt: skip
    """`import contracts` and `import accounts`: rows of the configured PODs (each in its
    currency), all or none. Which rows change anything is read first in a snapshot, holding
    no lock; only those are upserted, in one transaction of a few bulk statements (retried on
    a racing insert): a re-import of an unchanged file does not write at all."""
    from bot.db.contracts import pod_ids, saving_upserts
    from bot.domain.csv_table import RowsRefused

    config = runtime.config
    rows, errors = parse(
        text,
        {pod.key for pod in config.pods},
        config.currency,
        pod_currencies={pod.key: pod.currency for pod in config.pods},
    )
    if errors:
        return _print_row_errors(args.file, errors)
    now = runtime.clock.now()
    with runtime.db.reading() as session:
        ids = pod_ids(session, {row.pod for row in rows})
        try:
            todo = changes(session, rows, ids, now, for_update=False).rows
        except RowsRefused as refused:  # read against the stored accounts (issue 35)
            return _print_row_errors(args.file, refused.errors)
    if not todo:
        return 0, 0, len(rows)
    inserted, updated, _ = saving_upserts(
        runtime.db, lambda session: upsert(session, todo, ids, now)
    )
    return inserted, updated, len(rows) - inserted - updated


def _contracts_rows(args: argparse.Namespace, runtime: Any, text: str) -> Any:
    from bot.db.contracts import contract_changes, upsert_contracts
    from bot.domain.contracts import parse_contracts_csv

    return _stack_rows(args, runtime, text, parse_contracts_csv, contract_changes, upsert_contracts)


def _accounts_rows(args: argparse.Namespace, runtime: Any, text: str) -> Any:
    from bot.db.accounts import account_changes, upsert_accounts
    from bot.domain.accounts import parse_accounts_csv

    return _stack_rows(args, runtime, text, parse_accounts_csv, account_changes, upsert_accounts)


def _clickup_runtime(args: argparse.Namespace) -> Runtime:
    """The runtime of a ClickUp verb: ClickUp configured, its token set; its client waits out
    a 429 and retries a 5xx (the worker's does not: the outbox retries)."""
    runtime = _load_runtime(args)
    if runtime.clickup is None:
        runtime.db.dispose()
        raise _Stop(
            "ClickUp is not configured: add a [clickup] section and pods[].clickup, and export "
            "CLICKUP_TOKEN"
        )
    runtime.clickup.retries = 3
    return runtime


def cmd_clickup_webhook(args: argparse.Namespace) -> int:
    """`podbot clickup webhook create|list|delete`."""
    from bot.clickup import admin
    from bot.clickup.client import ClickUpError

    try:
        runtime = _clickup_runtime(args)
    except _Stop as exc:
        return _fail(str(exc))
    try:
        if args.webhook_verb == "create":
            row = admin.create_webhook(runtime, args.list, args.endpoint)
            print(f"Created webhook {row.webhook_id} on list {row.list_id} → {row.endpoint}.")
            print(f"Its secret (stored in podbot's database, which verifies each event): "
                  f"{row.secret}")  # fmt: skip
        elif args.webhook_verb == "list":
            hooks = admin.list_webhooks(runtime)
            if not hooks:
                print("No webhooks in the workspace.")
            for hook in hooks:
                health = (hook.get("health") or {}).get("status", "?")
                mine = "podbot's" if hook["podbot"] else "not podbot's (no secret stored)"
                print(f"{hook.get('id')}  list {hook.get('list_id')}  {health}  "
                      f"{hook.get('endpoint')}  {mine}")  # fmt: skip
        else:
            admin.delete_webhook(runtime, args.id)
            print(f"Deleted webhook {args.id}.")
    except (ClickUpError, ValueError) as exc:
        return _fail(str(exc))
    finally:
        runtime.db.dispose()
    return 0


def cmd_import_clickup(args: argparse.Namespace) -> int:
    """`podbot import clickup --list ID [--check]`: the list's open tasks as requests."""
    from bot.clickup import admin
    from bot.clickup.client import ClickUpError

    try:
        runtime = _clickup_runtime(args)
    except _Stop as exc:
        return _fail(str(exc))
    try:
        try:
            plan = admin.plan_import(runtime, args.list)
        except (ClickUpError, ValueError) as exc:
            return _fail(f"list {args.list}: {exc}")
        if plan.errors:
            print(f"list {args.list}: {plural(len(plan.errors), 'bad task')}; nothing "
                  f"{'would be' if args.check else 'was'} imported", file=sys.stderr)  # fmt: skip
            for error in plan.errors:
                print(f"  task {error.task_id} ({error.name}): {error.reason}", file=sys.stderr)
            return 1
        if args.check:
            print(f"list {args.list}: {plural(len(plan.rows), 'task')} would be imported, "
                  f"{len(plan.known)} imported before")  # fmt: skip
            for row, task_id in plan.rows[:_CHECK_SHOWN]:
                print(f"  task {task_id} → {row.customer} · {row.tool} · {row.stage}")
            return 0
        runtime.clickup.retries = 0  # type: ignore[union-attr]  # checked by _clickup_runtime
        created = admin.run_import(runtime, plan, args.list)
        print(f"Imported list {args.list}: {len(created)} new, {len(plan.known)} unchanged.")
        if created:
            runtime.outbox_worker.drain(timeout=args.wait)
    finally:
        runtime.outbox_worker.stop()
        runtime.db.dispose()
    return 0


def _import_pods(config: Any) -> dict[str, Any]:
    from bot.domain.request_import import ImportPod

    return {
        pod.key: ImportPod(pod.key, pod.timezone, pod.currency, dict(pod.members))
        for pod in config.pods
    }


# `import requests --check` prints at most this many of the rows it would import.
_CHECK_SHOWN = 50


def cmd_check_requests(args: argparse.Namespace) -> int:
    """`import requests --check FILE`: the file read as the import reads it, with no Slack,
    no token and no database; every bad row, or what would be imported."""
    from bot.config import ConfigError, load_config
    from bot.domain.request_import import parse_requests_csv

    name = args.file
    try:
        text = _read_csv_text(name)
        config = load_config(args.config)
    except _Unreadable as exc:
        return _fail(str(exc))
    except ConfigError as exc:
        return _fail(f"invalid configuration:\n{exc}")
    rows, errors = parse_requests_csv(text, _import_pods(config))
    if errors:
        bad = len({error.line for error in errors})
        print(f"{name}: {plural(bad, 'bad row')}; nothing would be imported", file=sys.stderr)
        for error in sorted(errors, key=lambda error: error.line):
            print(f"  line {error.line}: {error.reason}", file=sys.stderr)
        return 1
    print(f"{name}: {plural(len(rows), 'request')} would be imported (checked without Slack):")
    for row in rows[:_CHECK_SHOWN]:
        people = [
            f"{role} {who}" for role, who in (("buyer", row.buyer), ("analyst", row.analyst)) if who
        ]
        print(
            f"  line {row.line}: {row.external_id} → {row.pod} · {row.customer} · {row.tool} · "
            + " · ".join([row.kind, row.stage, *people])
        )
    if len(rows) > _CHECK_SHOWN:
        print(f"  … and {len(rows) - _CHECK_SHOWN} more")
    by_pod: dict[str, int] = {}
    for row in rows:
        by_pod[row.pod] = by_pod.get(row.pod, 0) + 1
    print("By POD: " + ", ".join(f"{pod} {count}" for pod, count in by_pod.items()) + ".")
    emails = sorted({who for row in rows for who in (row.buyer, row.analyst) if who and "@" in who})
    if emails:
        print(
            "Looked up in Slack when imported (and refused then if no member has the address, "
            f"or their role is wrong): {', '.join(emails)}."
        )
    print(f"External ids imported before are left as they are: `podbot import requests {name}`.")
    return 0


def _people_by_email(runtime: Any, text: str) -> dict[str, str | None]:
    """Whose each email of the file is (users.lookupByEmail): a user id, or None when Slack
    has no member with it. Any other Slack error is raised."""
    from bot.domain.request_import import emails_in
    from bot.slack.web_api import WebApiError

    people: dict[str, str | None] = {}
    for email in emails_in(text):
        try:
            people[email] = runtime.slack.user_by_email(email)
        except WebApiError as exc:
            if exc.error != "users_not_found":
                raise
            people[email] = None
    return people


def cmd_import_requests(args: argparse.Namespace) -> int:
    from bot.db.contracts import pod_ids
    from bot.db.request_import import already_imported
    from bot.domain.request_import import parse_requests_csv
    from bot.slack.web_api import WebApiError

    if args.check:
        return cmd_check_requests(args)
    name = args.file
    try:
        text = _read_csv_text(name)
        runtime = _load_runtime(args, "SLACK_BOT_TOKEN")
    except (_Unreadable, _Stop) as exc:
        return _fail(str(exc))
    try:
        config = runtime.config
        try:
            people = _people_by_email(runtime, text)
        except WebApiError as exc:
            return _fail(f"{name}: Slack did not say whose the emails are ({exc.error}); try again")
        rows, errors = parse_requests_csv(text, _import_pods(config), people)
        if errors:
            return _print_row_errors(name, errors)
        # Read in a snapshot, holding no lock: which rows are new.
        with runtime.db.reading() as session:
            known = already_imported(session, [row.external_id for row in rows])
            ids = pod_ids(session, {row.pod for row in rows})
        new = [row for row in rows if row.external_id not in known]
        created = _write_requests(args, runtime, new, ids) if new else []
        if isinstance(created, int):
            return created
        unchanged = len(rows) - len(created)
        print(f"Imported {name}: {len(created)} new, 0 updated, {unchanged} unchanged.")
        if created:
            _post_cards(args, runtime, created)
    finally:
        runtime.outbox_worker.stop()
        runtime.db.dispose()
    return 0


def _write_requests(
    args: argparse.Namespace, runtime: Any, rows: list[Any], pod_ids: dict[str, int]
) -> list[int] | int:
    """Write the new requests as one import (`bot.db.imports`): `imports.BATCH` requests with
    their timelines and cards per transaction, seen by nobody until the last is written. The
    new numbers; or, when it stopped (its rows deleted), the exit status, the reason printed."""
    from bot.db import imports
    from bot.db.request_import import PodClocks, prepare_batch, write_batch
    from bot.slack.outbox import Outbox

    config, db, clock = runtime.config, runtime.db, runtime.clock
    clocks = {}
    for key, pod_id in pod_ids.items():
        pod = config.pod(key)
        clocks[key] = PodClocks(
            pod_id, pod.calendar, pod.timezone, pod.currency,
            config.clocks.qualification_hours, config.clocks.tat_days,
        )  # fmt: skip
    file_name, now = Path(args.file).name, clock.now()
    try:
        started = imports.begin(db, "requests", file_name, len(rows), now)
    except imports.ImportRunning as exc:
        return _fail(f"{args.file}: {exc}", 1)
    import_id = started.import_id
    if started.purged:
        print(f"Deleted the {started.purged} requests a failed import had written.")
    print(
        f"Writing {len(rows)} new requests from {args.file} as import {import_id}; "
        "none is seen until all are written.",
        flush=True,
    )
    outbox = Outbox(runtime)
    created: list[int] = []
    batch = None
    shown = time.monotonic()
    try:
        for start in range(0, len(rows), imports.BATCH):
            chunk = rows[start : start + imports.BATCH]
            batch = prepare_batch(chunk, pods=clocks, now=now, import_id=import_id)
            channels = [config.pod(row.pod).channel for row in chunk]
            with imports.batch(db, import_id, len(chunk), clock.now()) as session:
                numbers = write_batch(session, batch, file_name=file_name, now=now)
                outbox.new_cards(session, zip(numbers, channels, strict=True), import_id=import_id)
            created += numbers
            if start == 0 or time.monotonic() - shown >= _PROGRESS_EVERY:
                print(f"wrote {len(created)} of {len(rows)}", flush=True)
                shown = time.monotonic()
        imports.complete(db, import_id, clock.now())
    except BaseException as exc:
        status = _stop_import(args, runtime, import_id, batch, exc, file_name=file_name, now=now)
        if not isinstance(exc, Exception):
            raise  # interrupted: the rows are deleted, then the interruption goes on
        return status
    return created


def _stop_import(
    args: argparse.Namespace, runtime: Any, import_id: int, batch: Any, exc: BaseException,
    *, file_name: str, now: Any,
) -> int:  # fmt: skip
    """Fail the import and delete what it wrote; print why (the row the database refused, by
    its line, when that was it) and return the exit status."""
    from sqlalchemy.exc import DBAPIError

    from bot.db import imports
    from bot.db.request_import import refused_row
    from bot.domain.csv_table import RowError

    db = runtime.db
    # Which row the database refused: the batch's rows again, one at a time, undone.
    refused = (
        refused_row(db, batch, file_name=file_name, now=now)
        if isinstance(exc, DBAPIError) and batch is not None
        else None
    )
    if refused is not None:
        row, error = refused
        failure = RowError(row.line, f"the database refused it: {_first_line(error.orig)}")
        reason = f"line {failure.line}: {failure.reason}"
    elif isinstance(exc, imports.ImportLost):
        reason = str(exc)
    elif isinstance(exc, Exception):
        log.error("import %s of %s stopped", import_id, args.file, exc_info=exc)
        reason = f"writing stopped ({exc.__class__.__name__}; the log has the detail)"
    else:
        reason = f"interrupted ({exc.__class__.__name__})"
    imports.fail(db, import_id, runtime.clock.now(), reason)
    if refused is not None:
        return _print_row_errors(args.file, [failure])
    return _fail(f"{args.file}: {reason}; nothing was imported", 1)


def _first_line(error: object) -> str:
    return (str(error).strip().splitlines() or [error.__class__.__name__])[0]


def _post_cards(args: argparse.Namespace, runtime: Any, created: list[int]) -> None:
    """Send the new requests' cards for up to `--wait` seconds, printing progress."""
    from sqlalchemy import select

    from bot.db.models import OutboxRow, OutboxStatus
    from bot.slack.outbox import Lane

    lanes = [Lane.REQUEST.of(number) for number in created]
    with runtime.db.reading() as session:
        cards: list[int] = []
        for start in range(0, len(lanes), 500):
            cards += session.scalars(
                select(OutboxRow.id)
                .where(OutboxRow.lane.in_(lanes[start : start + 500]))
                .where(OutboxRow.status == OutboxStatus.PENDING.value)
            )
    total, posted = len(cards), 0
    deadline = time.monotonic() + args.wait
    while posted < total and time.monotonic() < deadline:
        before = posted
        _delivered, waiting = runtime.outbox_worker.drain(
            min(_PROGRESS_EVERY, max(deadline - time.monotonic(), 0.1)), rows=cards
        )
        posted = total - waiting
        if posted != before:
            print(f"posted {posted} of {total} cards", flush=True)
    if posted < total:
        print(
            f"{plural(total - posted, 'card')} still queued; they are posted by any running podbot "
            "serve or scheduler, or by the next `podbot jobs run`"
        )


def _targets_rows(args: argparse.Namespace, runtime: Any, text: str) -> Any:
    from bot.db.contracts import pod_ids, saving_upserts
    from bot.db.targets import TargetsRefused, import_targets
    from bot.domain.targets import TargetPod, parse_targets_csv

    config = runtime.config
    pods = [
        TargetPod(p.key, p.name, p.currency, p.fiscal_year_start_month, p.members)
        for p in config.pods
    ]
    rows, errors = parse_targets_csv(text, pods)
    if errors:
        return _print_row_errors(args.file, errors)
    now = runtime.clock.now()

    def today_of(key: str) -> Any:
        return now.astimezone(config.pod(key).zone).date()

    try:
        return saving_upserts(
            runtime.db,
            lambda session: import_targets(
                session, rows, pod_ids(session, {row.pod for row in rows}), today_of, now
            ),
        )
    except TargetsRefused as refused:
        return _print_row_errors(args.file, refused.errors)


def _vendors_rows(args: argparse.Namespace, runtime: Any, text: str) -> Any:
    """`podbot import vendors FILE.csv` (issue 33): vendors' qualification documents, all rows
    or none, upserted by vendor (name key) and document."""
    from bot.db.compliance import import_vendors
    from bot.domain.compliance import parse_vendors_csv

    rows, errors = parse_vendors_csv(text)
    if errors:
        return _print_row_errors(args.file, errors)
    now = runtime.clock.now()
    with runtime.db.transaction() as session:
        return import_vendors(session, rows, now)


def _usage_rows(args: argparse.Namespace, runtime: Any, text: str) -> Any:
    """`podbot import usage FILE.csv` (issue 34): customers' seats of a tool as of a day, all
    rows or none, upserted by customer, tool and day (earlier days kept: the history)."""
    from bot.actions.usage import ImportUsage, load_usage
    from bot.consequences import perform
    from bot.domain.usage import parse_usage_csv

    rows, errors = parse_usage_csv(text)
    if errors:
        return _print_row_errors(args.file, errors)
    _outbox, loaded = perform(runtime, load_usage, "import", ImportUsage(rows))
    if loaded.cards:
        # Queued in the import's transaction: any running podbot serve posts them.
        print(f"{plural(loaded.cards, 'renewal card')} to refresh with the new usage.")
    return loaded.inserted, loaded.updated, loaded.unchanged


def _rates_rows(args: argparse.Namespace, runtime: Any, text: str) -> Any:
    """`podbot import rates FILE.csv` (issue 34): dated exchange rates, all rows or none,
    upserted by currency pair and day."""
    from bot.db.rates import import_rates
    from bot.domain.pricing import parse_rates_csv

    rows, errors = parse_rates_csv(text, runtime.config.currency)
    if errors:
        return _print_row_errors(args.file, errors)
    now = runtime.clock.now()
    with runtime.db.transaction() as session:
        return import_rates(session, rows, now)


def cmd_report_kpis(args: argparse.Namespace) -> int:
    import csv
    import io

    from bot.blocks.stats import kpi_csv
    from bot.db.kpis import ALL, load_facts
    from bot.db.people import names_of
    from bot.domain.quarters import QuarterError, parse_quarter
    from bot.domain.scorecard import pod_scorecards

    try:
        runtime = _load_runtime(args)
    except _Stop as exc:
        return _fail(str(exc))
    try:
        config = runtime.config
        pods = config.pods
        if args.pod:
            try:
                pods = (config.pod(args.pod),)
            except KeyError:
                return _fail(f"no POD with key {args.pod!r}")
        now = runtime.clock.now()
        cards = []
        for pod in pods:
            try:
                quarter = parse_quarter(
                    args.quarter, pod.fiscal_year_start_month, now.astimezone(pod.zone).date()
                )
            except QuarterError as exc:
                return _fail(f"--quarter: {exc}")
            with runtime.db.transaction() as session:
                facts = load_facts(session, config, pod, quarter, now, customers=ALL)
            cards += pod_scorecards(facts, pod.key, pod.members)
        with runtime.db.reading() as session:
            names = names_of(session, [user for pod in pods for user in pod.members])
        text = kpi_csv(cards, names)
    finally:
        runtime.db.dispose()
    with open(args.csv, "w", newline="", encoding="utf-8") as out:
        out.write(text)
    rows = len(list(csv.reader(io.StringIO(text)))) - 1
    print(
        f"Wrote {args.csv}: {plural(rows, 'row')} for {plural(len(pods), 'POD')}, "
        f"quarter {args.quarter}."
    )
    return 0


def cmd_forecast_backtest(args: argparse.Namespace) -> int:
    """How far the kept MSG forecasts were from what happened, per POD (issue 35)."""
    from bot.db.forecast import backtest
    from bot.domain.forecast import backtest_lines

    try:
        runtime = _load_runtime(args)
    except _Stop as exc:
        return _fail(str(exc))
    try:
        pods = runtime.config.pods
        if args.pod:
            try:
                pods = (runtime.config.pod(args.pod),)
            except KeyError:
                return _fail(f"no POD with key {args.pod!r}")
        now = runtime.clock.now()
        for pod in pods:
            with runtime.db.reading() as session:
                figures = backtest(session, pod, now.astimezone(pod.zone).date())
            print(f"{pod.name} ({pod.key}):")
            for line in backtest_lines(figures, pod.currency):
                print(line)
    finally:
        runtime.db.dispose()
    return 0


def cmd_scheduler(args: argparse.Namespace) -> int:
    import signal
    import threading

    from bot.process import Plan

    try:
        process = _open(args, Plan(scheduler=True, wait_for_jobs=True), "SLACK_BOT_TOKEN")
    except _Stop as exc:
        return _fail(str(exc))
    try:
        process.start()
        log.info("podbot %s scheduler running", __version__)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
    finally:
        process.stop()
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.process import DeliveryProcess, Plan, Serves

    if args.socket_mode and args.workers > 1:
        return _fail("--workers is for HTTP mode; Socket Mode runs one connection per process")
    if args.oauth:
        if args.socket_mode:
            return _fail("--oauth is for HTTP mode: Slack sends installers to /slack/install")
        # The switch is PODBOT_OAUTH: `--workers` children read it from the environment too.
        os.environ["PODBOT_OAUTH"] = "1"
    delivery = None
    if args.socket_mode:
        plan = Plan(serves=Serves.SOCKET_MODE, scheduler=not args.no_scheduler)
    else:
        # Over HTTP the outbox worker and the scheduler run in the delivery process: the
        # acks keep a core of their own (bot/process.py).
        plan = Plan(serves=Serves.HTTP, worker=False)
        setup = {**_setup(args), "scheduler": not args.no_scheduler}
        delivery = DeliveryProcess(serve_deliveries, setup, on_give_up=_stop_serving)
    secret = "SLACK_APP_TOKEN" if args.socket_mode else "SLACK_SIGNING_SECRET"
    try:
        # The delivery process starts after this one has checked the config, the settings, the
        # database and the token (`Process.start`): a mistake is said once, by this process.
        process = _open(args, plan, "SLACK_BOT_TOKEN", secret, ops=True, delivery=delivery)
    except _Stop as exc:
        return _fail(str(exc))
    runtime = process.runtime
    _warn_placeholders(runtime.config)
    from bot.doctor import warn_at_start

    if runtime.installations is None:  # OAuth mode: each workspace checked as it installs
        warn_at_start(runtime.config, runtime.slack.client)
    from bot.process import DeliveryProcessFailed

    try:
        process.start()
        if args.socket_mode:
            return _serve_socket_mode(process)
        _serve_http(args, process)
    except DeliveryProcessFailed as exc:
        return _fail(str(exc), 1)
    finally:
        process.stop()
    if delivery is not None and delivery.gave_up:
        return _fail("stopped: the delivery process kept dying (see the lines above)", 1)
    return 0


def _setup(args: argparse.Namespace) -> dict[str, Any]:
    """What a child process of `serve` needs to set itself up as its parent did."""
    return {"config": args.config, "log_format": args.log_format, "verbose": args.verbose}


def _stop_serving() -> None:
    """The delivery process keeps dying: stop serving (uvicorn stops on SIGTERM as on Ctrl-C)."""
    import signal

    os.kill(os.getpid(), signal.SIGTERM)


def _serve_socket_mode(process: Process) -> int:
    """Answer Slack over Socket Mode in the foreground, until the connection ends."""
    from slack_bolt.adapter.socket_mode import SocketModeHandler
    from slack_sdk.errors import SlackApiError

    assert process.app is not None  # a process serving Slack has its Bolt app
    log.info("podbot %s serving over Socket Mode", __version__)
    try:
        SocketModeHandler(process.app, process.runtime.settings.app_token).start()
    except SlackApiError as exc:  # the app-level token is refused, or no Socket Mode there
        error = exc.response.get("error") if exc.response is not None else None
        return _fail(
            f"Socket Mode could not connect to Slack ({error or exc}): check SLACK_APP_TOKEN "
            "(an app-level xapp- token with connections:write) and that the app has Socket "
            "Mode on (podbot manifest --socket-mode)"
        )
    return 0


def _serve_http(args: argparse.Namespace, process: Process) -> None:
    """Serve /slack/events with uvicorn in the foreground, until SIGTERM or Ctrl-C."""
    import uvicorn

    from bot.listener import uvicorn_options

    settings = process.runtime.settings
    port = args.port or settings.port
    # log_config=None: uvicorn's lines go through our handler (JSON lines in production).
    options: dict[str, Any] = {
        "host": args.host,
        "port": port,
        "log_level": "info",
        "log_config": None,
        "access_log": args.access_log,
        # Bounds against slow and surplus clients (bot/listener.py), as BackgroundServer has.
        **uvicorn_options(settings),
    }
    if args.workers > 1:
        # Worker processes serve HTTP and ring the delivery process's doorbell; this process
        # supervises them and the delivery process.
        os.environ[_WORKER_SETUP] = json.dumps(_setup(args))
        log.info(
            "podbot %s serving on %s:%s with %d worker processes",
            __version__, args.host, port, args.workers,
        )  # fmt: skip
        with _stopping_in_order():
            uvicorn.run(f"{__name__}:serve_worker", factory=True, workers=args.workers, **options)
    else:
        log.info("podbot %s serving on %s:%s", __version__, args.host, port)
        with _stopping_in_order():
            uvicorn.run(process.asgi(), **options)


@contextlib.contextmanager
def _stopping_in_order() -> Iterator[None]:
    """uvicorn, once SIGTERM or Ctrl-C has stopped it, raises that signal again for the handler
    it found: here one that does nothing, so `serve` goes on to stop in order (the delivery
    process last, its deliveries under way finished) rather than die on the spot."""
    import signal

    previous = {sig: signal.signal(sig, lambda *_: None) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _warn_placeholders(config: Any) -> None:
    """One warning line when the config still has the example's ids (`config check` refuses
    them; serving goes on, so a test world that uses them on purpose still runs)."""
    from bot.config import placeholder_problems

    problems = placeholder_problems(config)
    if problems:
        keys = ", ".join(problem.split(":", 1)[0] for problem in problems)
        log.warning(
            "%s has the example config's placeholder ids at %s: nothing will reach those "
            "channels and people; run `podbot config check`", config.path, keys,
        )  # fmt: skip


_WORKER_SETUP = "PODBOT_WORKER_SETUP"


def serve_worker() -> Any:
    """The ASGI app of one `serve --workers N` process (uvicorn calls this in each child): a
    process serving HTTP that rings the delivery process's doorbell (no worker of its own), no
    scheduler, no operations listener."""
    from bot.process import DOORBELL_ENV, Plan, Serves, keep_switching_fast
    from bot.slack.doorbell import Ringer

    setup = json.loads(os.environ.get(_WORKER_SETUP) or "{}")
    _configure_logging(bool(setup.get("verbose")), setup.get("log_format"))
    try:
        process = _open(
            argparse.Namespace(config=setup.get("config")),
            Plan(serves=Serves.HTTP, worker=False),
            "SLACK_BOT_TOKEN",
            "SLACK_SIGNING_SECRET",
        )
    except _Stop as exc:
        raise SystemExit(f"podbot worker {os.getpid()}: {exc}") from None
    process.runtime.outbox_worker.doorbell = Ringer(os.environ[DOORBELL_ENV]).ring
    keep_switching_fast()
    return process.start().asgi()


def serve_deliveries(setup: dict[str, Any], doorbell: str, ready: Any) -> None:
    """The delivery process of `podbot serve` (bot/process.py, `DeliveryProcess`): the outbox
    worker, woken by the doorbell at `doorbell`, and the scheduler when `setup` says so. Stops
    on SIGTERM from the parent (its scheduler, then its worker once deliveries under way have
    finished); Ctrl-C is the parent's to handle, and it dies with the parent."""
    import signal
    import threading

    from bot.process import Plan, die_with_parent
    from bot.slack.doorbell import Doorbell

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent()
    _configure_logging(bool(setup.get("verbose")), setup.get("log_format"))
    try:
        process = _open(
            argparse.Namespace(config=setup.get("config")),
            Plan(scheduler=bool(setup.get("scheduler"))),
            "SLACK_BOT_TOKEN",
        )
    except _Stop as exc:
        raise SystemExit(f"podbot delivery process {os.getpid()}: {exc}") from None
    bell = Doorbell(doorbell, process.runtime.outbox_worker.notify)
    try:
        bell.start()
        process.start()
        ready.set()
        stop.wait()
    finally:
        bell.stop()
        process.stop()
    # Everything is stopped and written: skip the interpreter's teardown (a second or more of
    # the parent's stop under load).
    logging.shutdown()
    os._exit(0)


def cmd_sandbox(args: argparse.Namespace) -> int:
    from bot.sandbox.run import serve

    if not args.verbose:
        logging.getLogger("bot").setLevel(logging.WARNING)  # the page is the sandbox's output
    return serve(
        config_path=args.config,
        database_url=args.database_url,
        host=args.host,
        port=args.port,
        fresh=args.fresh,
        demo_data=not args.no_demo_data,
    )


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value <= 86400:
        raise argparse.ArgumentTypeError(f"{text} is not between 0 and 86400 seconds")
    return value


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, not {text!r}")
    return int(text)


# `add_argument`'s flags and keywords.
Option = tuple[tuple[str, ...], dict[str, Any]]


@dataclass(frozen=True)
class ImportVerb:
    """One `podbot import WHAT`: its help; what it runs (`rows`, read from FILE.csv by
    `_import_file`, or `command`, a command of its own); its options besides FILE.csv (`file`
    says whether it takes one) and --config."""

    help: str
    rows: ImportRows | None = None
    command: Callable[[argparse.Namespace], int] | None = None
    file: bool = True
    options: tuple[Option, ...] = ()


def _check(help_: str) -> Option:
    return ("--check",), {"action": "store_true", "help": help_}


def _wait(what: str) -> Option:
    help_ = f"{what} for up to this long before exiting (default 900)"
    return ("--wait",), {"type": _seconds, "default": 900.0, "metavar": "SECONDS", "help": help_}


# What `podbot import WHAT` loads, in the order `podbot import --help` lists them.
IMPORTS: dict[str, ImportVerb] = {
    "contracts": ImportVerb(
        "upsert a SaaS stack CSV by customer and tool; a bad file imports nothing",
        rows=_contracts_rows,
    ),
    "accounts": ImportVerb(
        "upsert customer accounts by customer; a bad file imports nothing", rows=_accounts_rows
    ),
    "requests": ImportVerb(
        "day-one import of open requests by external_id, each with its card; a bad file "
        "imports nothing",
        command=cmd_import_requests,
        options=(
            _check(
                "only read the file and say what would be imported (no Slack, token or database)"
            ),
            _wait("post the cards"),
        ),
    ),
    "clickup": ImportVerb(
        "day-one import of a ClickUp list's open tasks, by task id; a bad task imports nothing",
        command=cmd_import_clickup,
        file=False,
        options=(
            (("--list",), {"required": True, "help": "the POD's ClickUp list id"}),
            _check("only read the list and name each bad task"),
            _wait("send the cards and task changes"),
        ),
    ),
    "targets": ImportVerb(
        "set quarterly targets of PODs and members; a bad file imports nothing",
        rows=_targets_rows,
    ),
    "vendors": ImportVerb(
        "upsert vendors' documents (SOC 2, ISO 27001, insurance, W-9, financials) by vendor "
        "and document; a bad file imports nothing",
        rows=_vendors_rows,
    ),
    "usage": ImportVerb(
        "customers' seats of a tool as of a day (assigned, active in 60 days), by customer, "
        "tool and day; history kept; a bad file imports nothing",
        rows=_usage_rows,
    ),
    "rates": ImportVerb(
        "dated exchange rates (date, currency, rate[, to]) for line items in another "
        "currency; a bad file imports nothing",
        rows=_rates_rows,
    ),
}


def cmd_import(args: argparse.Namespace) -> int:
    """`podbot import WHAT …`: the verb's command, or its rows read from FILE.csv."""
    verb = IMPORTS[args.import_verb]
    if verb.command is not None:
        return verb.command(args)
    assert verb.rows is not None  # a verb has one or the other
    return _import_file(args, verb.rows)


def _add_import_verbs(imports: argparse.ArgumentParser) -> None:
    """`podbot import`'s verbs, read from IMPORTS."""
    import_verbs = imports.add_subparsers(dest="import_verb", metavar="WHAT", required=True)
    for name, verb in IMPORTS.items():
        parser = import_verbs.add_parser(name, help=verb.help)
        if verb.file:
            parser.add_argument("file", metavar="FILE.csv", help=f"the {name} CSV (see the README)")
        for flags, keywords in verb.options:
            parser.add_argument(*flags, **keywords)
        parser.add_argument("--config", help="config file")
        parser.set_defaults(func=cmd_import)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-parser per verb."""
    parser = argparse.ArgumentParser(prog="podbot", description="Slack bot for procurement PODs.")
    parser.add_argument("--version", action="version", version=f"podbot {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    parser.add_argument(
        "--log-format",
        choices=("json", "text"),
        help="log lines as JSON or text (default: JSON unless stderr is a terminal)",
    )
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND", required=True)

    serve = verbs.add_parser(
        "serve", help="run the bot (HTTP on /slack/events and /healthz, or Socket Mode)"
    )
    serve.add_argument("--socket-mode", action="store_true", help="connect over Socket Mode")
    serve.add_argument(
        "--oauth",
        action="store_true",
        help="install by OAuth (/slack/install) into many workspaces; same as PODBOT_OAUTH=1",
    )
    serve.add_argument(
        "--no-scheduler", action="store_true", help="leave scheduled jobs to `podbot scheduler`"
    )
    serve.add_argument("--host", default="0.0.0.0", help="interface to listen on (HTTP mode)")
    serve.add_argument("--port", type=int, help="port to listen on (default: $PORT or 3000)")
    serve.add_argument(
        "--workers",
        type=_positive,
        default=1,
        help="HTTP worker processes (HTTP mode; on PostgreSQL, one per core uses them all)",
    )
    serve.add_argument(
        "--access-log",
        action="store_true",
        help="also log one line per HTTP request (each command already logs its own line)",
    )
    serve.add_argument(
        "--config", help="config file (default: $PODBOT_CONFIG or config/podbot.toml)"
    )
    serve.set_defaults(func=cmd_serve)

    sandbox = verbs.add_parser(
        "sandbox", help="try podbot without Slack: the bot, a Slack stand-in and a web page"
    )
    sandbox.add_argument("--port", type=int, default=3000, help="the page's port (default 3000)")
    sandbox.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    sandbox.add_argument("--config", help="config file (default config/demo.toml)")
    sandbox.add_argument(
        "--database-url", help="database URL (default sqlite:///./podbot-sandbox.db)"
    )
    sandbox.add_argument(
        "--fresh", action="store_true", help="start over: delete the sandbox's SQLite file first"
    )
    sandbox.add_argument(
        "--no-demo-data", action="store_true", help="start an empty database with no demo data"
    )
    sandbox.set_defaults(func=cmd_sandbox)

    db = verbs.add_parser("db", help="the database: `podbot db upgrade|backup|copy|restate`")
    db_verbs = db.add_subparsers(dest="db_verb", metavar="ACTION", required=True)
    up = db_verbs.add_parser("upgrade", help="apply the Alembic migrations up to the newest")
    up.add_argument("--database-url", help="database URL (default: $DATABASE_URL or ./podbot.db)")
    up.set_defaults(func=cmd_db_upgrade)
    backup = db_verbs.add_parser(
        "backup",
        help="copy the SQLite database to a new file, online (safe while podbot serve writes)",
    )
    backup.add_argument("path", metavar="PATH", help="the backup file to create")
    backup.add_argument(
        "--database-url", help="database URL (default: $DATABASE_URL or ./podbot.db)"
    )
    backup.set_defaults(func=cmd_db_backup)
    copy = db_verbs.add_parser(
        "copy", help="copy every table into a new, empty database (SQLite to PostgreSQL)"
    )
    copy.add_argument(
        "--to", required=True, metavar="URL", help="the empty database to fill, its schema made"
    )
    copy.add_argument("--database-url", help="the source (default: $DATABASE_URL or ./podbot.db)")
    copy.set_defaults(func=cmd_db_copy)
    restate = db_verbs.add_parser(
        "restate",
        help="record every approved claim's figures again from scratch (its tool's benchmark "
        "then, its customer's savings to date); --check only says which differ",
    )
    restate.add_argument("--check", action="store_true", help="compare, change nothing")
    restate.add_argument(
        "--config",
        help="with the config file, also record every mention's reply clock again (it needs "
        "the PODs' calendars: after a change of holidays, working days or response_hours)",
    )
    restate.add_argument(
        "--database-url", help="database URL (default: $DATABASE_URL or ./podbot.db)"
    )
    restate.set_defaults(func=cmd_db_restate)

    manifest = verbs.add_parser("manifest", help="print the Slack app manifest (YAML)")
    manifest.add_argument(
        "--url", help="public base URL for HTTP mode, e.g. https://podbot.example.com"
    )
    manifest.add_argument("--socket-mode", action="store_true", help="a Socket Mode manifest")
    manifest.add_argument(
        "--oauth",
        action="store_true",
        help="installed by OAuth (many workspaces, org-wide, rotating tokens; needs --url)",
    )
    manifest.add_argument("--name", default="podbot", help="the app's display name")
    manifest.add_argument("--config", help="take the slash command name from this config file")
    manifest.set_defaults(func=cmd_manifest)

    scheduler = verbs.add_parser("scheduler", help="run the scheduled jobs alone (no HTTP)")
    scheduler.add_argument("--config", help="config file")
    scheduler.set_defaults(func=cmd_scheduler)

    jobs = verbs.add_parser(
        "jobs", help="scheduled jobs: `podbot jobs list`, `podbot jobs run NAME`"
    )
    jobs_verbs = jobs.add_subparsers(dest="jobs_verb", metavar="ACTION", required=True)
    jobs_list = jobs_verbs.add_parser("list", help="each job, its schedule per POD, next run")
    jobs_list.add_argument("--config", help="config file")
    jobs_list.set_defaults(func=cmd_jobs_list)
    jobs_run = jobs_verbs.add_parser("run", help="run a job now (obeys the run ledger)")
    jobs_run.add_argument("name", help="aging-report, tat-alerts, …")
    jobs_run.add_argument("--pod", help="only this POD (default: every POD)")
    jobs_run.add_argument("--at", help="run as if the clock read this ISO-8601 time (with offset)")
    jobs_run.add_argument(
        "--dry-run", action="store_true", help="print what would be posted; post nothing"
    )
    jobs_run.add_argument(
        "--wait",
        type=_seconds,
        default=30.0,
        metavar="SECONDS",
        help="send the queued messages for up to this long before exiting (default 30)",
    )
    jobs_run.add_argument("--config", help="config file")
    jobs_run.set_defaults(func=cmd_jobs_run)

    imports = verbs.add_parser(
        "import",
        help="load data: `podbot import contracts|accounts|requests|targets|vendors|usage|rates "
        "FILE.csv` (all rows or none)",
    )
    _add_import_verbs(imports)

    report = verbs.add_parser(
        "report", help="figures: `podbot report kpis --quarter 2027Q1 --csv FILE`"
    )
    report_verbs = report.add_subparsers(dest="report_verb", metavar="WHAT", required=True)
    kpis = report_verbs.add_parser(
        "kpis", help="every member's, customer's and POD's KPIs for a quarter, as CSV"
    )
    kpis.add_argument("--quarter", required=True, help="the quarter, like 2027Q1 (or next)")
    kpis.add_argument("--pod", help="only this POD (default: every POD)")
    kpis.add_argument("--csv", required=True, metavar="FILE", help="the CSV file to write")
    kpis.add_argument("--config", help="config file")
    kpis.set_defaults(func=cmd_report_kpis)

    forecast = verbs.add_parser(
        "forecast", help="the MSG forecast: `podbot forecast backtest [--pod KEY]`"
    )
    forecast_verbs = forecast.add_subparsers(dest="forecast_verb", metavar="WHAT", required=True)
    backtest = forecast_verbs.add_parser(
        "backtest", help="how far the kept forecasts were from what happened since"
    )
    backtest.add_argument("--pod", help="only this POD (default: every POD)")
    backtest.add_argument("--config", help="config file")
    backtest.set_defaults(func=cmd_forecast_backtest)

    clickup = verbs.add_parser(
        "clickup", help="ClickUp (issue 31): `podbot clickup webhook create|list|delete`"
    )
    clickup_verbs = clickup.add_subparsers(dest="clickup_verb", metavar="WHAT", required=True)
    webhook = clickup_verbs.add_parser("webhook", help="the webhook of a POD's list")
    webhook_verbs = webhook.add_subparsers(dest="webhook_verb", metavar="ACTION", required=True)
    hook_create = webhook_verbs.add_parser(
        "create", help="make the list's webhook; prints its secret (stored in the database)"
    )
    hook_create.add_argument("--list", required=True, help="the POD's ClickUp list id")
    hook_create.add_argument(
        "--endpoint", required=True, help="podbot's public URL of /clickup/webhook"
    )
    hook_create.add_argument("--config", help="config file")
    hook_create.set_defaults(func=cmd_clickup_webhook)
    hook_list = webhook_verbs.add_parser("list", help="the workspace's webhooks")
    hook_list.add_argument("--config", help="config file")
    hook_list.set_defaults(func=cmd_clickup_webhook)
    hook_delete = webhook_verbs.add_parser("delete", help="delete a webhook")
    hook_delete.add_argument("id", help="the webhook's id")
    hook_delete.add_argument("--config", help="config file")
    hook_delete.set_defaults(func=cmd_clickup_webhook)

    config = verbs.add_parser("config", help="configuration: `podbot config check`")
    config_verbs = config.add_subparsers(dest="config_verb", metavar="ACTION", required=True)
    check = config_verbs.add_parser("check", help="validate the configuration file")
    check.add_argument(
        "--config", help="config file (default: $PODBOT_CONFIG or config/podbot.toml)"
    )
    check.set_defaults(func=cmd_config_check)

    installs = verbs.add_parser(
        "installs", help="OAuth mode's installations: `podbot installs list|remove`"
    )
    installs_verbs = installs.add_subparsers(dest="installs_verb", metavar="ACTION", required=True)
    installs_list = installs_verbs.add_parser("list", help="each workspace's (or org's) install")
    installs_list.add_argument("--config", help="config file")
    installs_list.set_defaults(func=cmd_installs)
    installs_remove = installs_verbs.add_parser(
        "remove", help="delete a workspace's installation and token; park its pending rows"
    )
    installs_remove.add_argument("workspace", help="its team id (T…), or org id (E…) if org-wide")
    installs_remove.add_argument("--config", help="config file")
    installs_remove.set_defaults(func=cmd_installs)

    outbox = verbs.add_parser(
        "outbox", help="what waits to go to Slack: `podbot outbox list|retry|drop`"
    )
    outbox_verbs = outbox.add_subparsers(dest="outbox_verb", metavar="ACTION", required=True)
    listing = outbox_verbs.add_parser(
        "list", help="rows queued or parked: kind, where, age, reason, a one-line summary"
    )
    listing.add_argument("--parked", action="store_true", help="only the parked rows")
    listing.add_argument("--channel", metavar="C", help="only the rows of this channel id")
    listing.add_argument("--config", help="config file")
    listing.set_defaults(func=cmd_outbox_list)
    again = outbox_verbs.add_parser(
        "retry", help="queue parked rows again once the cause is fixed (each is sent once)"
    )
    again.add_argument("id", nargs="?", type=int, metavar="ID", help="the row to queue again")
    again.add_argument("--parked", action="store_true", help="every parked row")
    again.add_argument("--channel", metavar="C", help="with --parked: only this channel's")
    again.add_argument(
        "--wait", type=_seconds, default=30.0, metavar="SECONDS",
        help="send them for up to this long before exiting (default 30)",
    )  # fmt: skip
    again.add_argument("--config", help="config file")
    again.set_defaults(func=cmd_outbox_retry)
    forget = outbox_verbs.add_parser("drop", help="delete a parked row for good (asks first)")
    forget.add_argument("id", type=int, metavar="ID", help="the parked row")
    forget.add_argument("--yes", action="store_true", help="do not ask")
    forget.add_argument("--config", help="config file")
    forget.set_defaults(func=cmd_outbox_drop)

    doctor = verbs.add_parser(
        "doctor",
        help="will podbot work as configured? token and scopes, channels, members, secret, "
        "database, schedule; each problem with what to do",
    )
    doctor.add_argument(
        "--config", help="config file (default: $PODBOT_CONFIG or config/podbot.toml)"
    )
    doctor.set_defaults(func=cmd_doctor)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `podbot` console script."""
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose, args.log_format)
    from sqlalchemy.exc import ArgumentError, OperationalError

    try:
        return int(args.func(args) or 0)
    except ArgumentError as exc:  # DATABASE_URL is not a URL, or names no known database
        return _fail(
            f"DATABASE_URL is not a database URL podbot can use ({exc}); for example"
            " sqlite:///podbot.db or postgresql+psycopg://user@host/dbname"
        )
    except OperationalError as exc:
        # The database is down, unreachable or refuses podbot: say which and why in one line.
        log.debug("database error", exc_info=exc)
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        return _fail(f"could not use the database at {_database_shown()}: {reason}")


def _database_shown() -> str:
    """DATABASE_URL (or the default) with any password hidden."""
    from sqlalchemy.engine import make_url

    from bot.config import Settings

    try:
        url = Settings.from_env().database_url
    except Exception:  # another setting is unusable; DATABASE_URL is still what was used
        url = os.environ.get("DATABASE_URL", "")
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: SQLAlchemy has said so already
        return "DATABASE_URL"


if __name__ == "__main__":
    sys.exit(main())
