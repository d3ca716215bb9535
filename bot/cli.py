"""The `podbot` command line: serve, db upgrade, manifest, config check."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from bot import __version__

log = logging.getLogger("bot")


def _configure_logging(verbose: bool = False) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
        stream=sys.stderr,
    )
    # Alembic narrates every step at INFO; operators only need our one-line summary.
    logging.getLogger("alembic").setLevel(logging.WARNING)


def _fail(message: str, code: int = 2) -> int:
    print(f"podbot: {message}", file=sys.stderr)
    return code


def cmd_config_check(args: argparse.Namespace) -> int:
    from bot.config import ConfigError, config_path, load_config

    path = args.config or config_path()
    try:
        config = load_config(path)
    except ConfigError as exc:
        print(f"{path}: {len(exc.errors)} problem(s)", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return 1
    members = sum(len(p.members) for p in config.pods)
    print(f"OK: {path} — {len(config.pods)} POD(s), {members} member(s)")
    return 0


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


def cmd_manifest(args: argparse.Namespace) -> int:
    from bot.manifest import manifest_yaml

    config = None
    if args.config:
        from bot.config import load_config

        config = load_config(args.config)
    print(
        manifest_yaml(
            request_url=args.url, socket_mode=args.socket_mode, config=config, name=args.name
        ),
        end="",
    )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from bot.app import StartupError, build_app, build_runtime
    from bot.config import ConfigError, MissingSetting, Settings, load_config
    from bot.db.migrate import SchemaOutOfDate, check_schema
    from bot.db.pods import sync_pods
    from bot.db.session import Database

    try:
        config = load_config(args.config)
        settings = Settings.from_env()
        settings.require("SLACK_BOT_TOKEN")
        settings.require("SLACK_APP_TOKEN" if args.socket_mode else "SLACK_SIGNING_SECRET")
    except ConfigError as exc:
        return _fail(f"invalid configuration:\n{exc}")
    except MissingSetting as exc:
        return _fail(str(exc))

    db = Database(settings.database_url)
    try:
        check_schema(db.engine)
    except SchemaOutOfDate as exc:
        return _fail(str(exc))
    with db.transaction() as session:
        sync_pods(session, config)

    runtime = build_runtime(config, settings, db)
    try:
        app = build_app(runtime, socket_mode=args.socket_mode)
    except StartupError as exc:
        return _fail(str(exc))

    if args.socket_mode:
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        log.info("podbot %s serving over Socket Mode", __version__)
        SocketModeHandler(app, settings.app_token).start()
        return 0

    import uvicorn

    from bot.server import build_asgi

    port = args.port or settings.port
    log.info("podbot %s serving on %s:%s", __version__, args.host, port)
    uvicorn.run(build_asgi(app, runtime), host=args.host, port=port, log_level="info")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with one sub-parser per verb."""
    parser = argparse.ArgumentParser(prog="podbot", description="Slack bot for procurement PODs.")
    parser.add_argument("--version", action="version", version=f"podbot {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    verbs = parser.add_subparsers(dest="verb", metavar="COMMAND", required=True)

    serve = verbs.add_parser(
        "serve", help="run the bot (HTTP on /slack/events and /healthz, or Socket Mode)"
    )
    serve.add_argument("--socket-mode", action="store_true", help="connect over Socket Mode")
    serve.add_argument("--host", default="0.0.0.0", help="interface to listen on (HTTP mode)")
    serve.add_argument("--port", type=int, help="port to listen on (default: $PORT or 3000)")
    serve.add_argument(
        "--config", help="config file (default: $PODBOT_CONFIG or config/podbot.toml)"
    )
    serve.set_defaults(func=cmd_serve)

    db = verbs.add_parser("db", help="database schema: `podbot db upgrade`")
    db_verbs = db.add_subparsers(dest="db_verb", metavar="ACTION", required=True)
    up = db_verbs.add_parser("upgrade", help="apply the Alembic migrations up to the newest")
    up.add_argument("--database-url", help="database URL (default: $DATABASE_URL or ./podbot.db)")
    up.set_defaults(func=cmd_db_upgrade)

    manifest = verbs.add_parser("manifest", help="print the Slack app manifest (YAML)")
    manifest.add_argument(
        "--url", help="public base URL for HTTP mode, e.g. https://podbot.example.com"
    )
    manifest.add_argument("--socket-mode", action="store_true", help="a Socket Mode manifest")
    manifest.add_argument("--name", default="podbot", help="the app's display name")
    manifest.add_argument("--config", help="take the slash command name from this config file")
    manifest.set_defaults(func=cmd_manifest)

    config = verbs.add_parser("config", help="configuration: `podbot config check`")
    config_verbs = config.add_subparsers(dest="config_verb", metavar="ACTION", required=True)
    check = config_verbs.add_parser("check", help="validate the configuration file")
    check.add_argument(
        "--config", help="config file (default: $PODBOT_CONFIG or config/podbot.toml)"
    )
    check.set_defaults(func=cmd_config_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `podbot` console script."""
    args = build_parser().parse_args(argv)
    _configure_logging(args.verbose)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
