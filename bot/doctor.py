"""`podbot doctor`: will podbot work as configured? Each check is a line; each problem says
what to do about it, in one line (SPEC §7).

The checks: the config's ids are not the example's placeholders; the signing secret (or the
Socket Mode app token) is set; the database answers and is migrated to the head; the bot token
works (`auth.test`) and has every scope the manifest asks for (Slack names a token's scopes in
the `x-oauth-scopes` header of every Web API answer); each POD's channel exists and the bot is
in it (`conversations.info`); each configured person is an active member of the workspace
(`users.info`, or `users.lookupByEmail` for an email), named beside their id; and the
schedule's next runs per POD. In OAuth mode (issue 36): each installation's token and scopes
instead of SLACK_BOT_TOKEN's, and each POD's workspace installed (`oauth_checks`). `podbot
serve` runs the Slack checks as it starts and logs each problem as one warning line, never
stopping for one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError

from bot.config import EXAMPLE_IDS, Config, Settings, _locate, placeholder_problems
from bot.domain.money import Money, format_money
from bot.domain.people import EMAIL
from bot.manifest import BOT_SCOPES

if TYPE_CHECKING:
    from bot.slack.installs import Install

log = logging.getLogger(__name__)

# Slack's answers to a token it will not take.
_BAD_TOKEN = {"invalid_auth", "not_authed", "account_inactive", "token_revoked", "token_expired"}


@dataclass(frozen=True)
class Check:
    """One line of the report: fine (`ok`), or a problem saying what to do."""

    ok: bool
    text: str


def ok(text: str) -> Check:
    return Check(True, text)


def problem(text: str) -> Check:
    return Check(False, text)


# --- what needs no Slack -------------------------------------------------------------------


def config_checks(config: Config) -> list[Check]:
    """The config read (its count of PODs and people), then each placeholder id in it."""
    members = {user for pod in config.pods for user in pod.members}
    found = [ok(f"config {config.path}: {len(config.pods)} PODs, {len(members)} people")]
    return found + [problem(line) for line in placeholder_problems(config)]


def secret_checks(settings: Settings) -> list[Check]:
    """HTTP mode needs the signing secret; Socket Mode the app-level token instead."""
    if settings.signing_secret:
        return [ok("SLACK_SIGNING_SECRET is set (HTTP mode)")]
    if settings.app_token:
        return [ok("SLACK_APP_TOKEN is set (Socket Mode: `podbot serve --socket-mode`)")]
    return [
        problem(
            "SLACK_SIGNING_SECRET is not set: export the signing secret from your app's Basic "
            "Information page (or SLACK_APP_TOKEN, an xapp-… token, for Socket Mode)"
        )
    ]


def database_checks(settings: Settings) -> list[Check]:
    """The database answers and its schema is at this podbot's migration head; nothing is
    written (a SQLite file that is not there is not created)."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db.migrate import current_revision, head_revision
    from bot.db.session import Database

    url = make_url(settings.database_url)
    shown = url.render_as_string(hide_password=True)
    path = url.database if url.get_backend_name() == "sqlite" else None
    if path not in (None, "", ":memory:") and not Path(str(path)).exists():
        return [problem(f"no database at {path}: run `podbot db upgrade` to make it")]
    db = Database(settings.database_url)
    try:
        current, head = current_revision(db.engine), head_revision()
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return [problem(f"the database at {shown} does not answer ({reason}): check DATABASE_URL")]
    finally:
        db.dispose()
    if current != head:
        state = "empty" if current is None else f"at {current}"
        return [problem(f"the database at {shown} is {state}, not {head}: run `podbot db upgrade`")]
    return [ok(f"database {shown}: migrated ({head})")]


def schedule_lines(config: Config, now: datetime) -> list[str]:
    """Per POD, each job's next run in the POD's time."""
    from bot.jobs.scheduler import next_runs

    by_pod: dict[str, list[str]] = {}
    for spec, pod, _schedule, fire in next_runs(config, now):
        when = fire.astimezone(pod.zone).strftime("%a %b %-d %H:%M") if fire else "never"
        by_pod.setdefault(pod.key, []).append(f"{spec.name} {when}")
    return [
        f"{pod.key} ({pod.timezone}): " + ", ".join(by_pod.get(pod.key, [])) for pod in config.pods
    ]


# --- Slack ---------------------------------------------------------------------------------


def _error(exc: SlackApiError) -> dict[str, Any]:
    data = exc.response.data
    return data if isinstance(data, dict) else {"error": "unknown_error"}


class _Lines:
    """Where a key of the config file is, for problems that name it."""

    def __init__(self, config: Config) -> None:
        try:
            self.lines = config.path.read_text(encoding="utf-8").splitlines()
        except OSError:
            self.lines = []

    def at(self, key: str) -> str:
        line = _locate(self.lines, key)
        return f"{key} (line {line})" if line else key


def slack_checks(
    config: Config, client: WebClient, skip: frozenset[str] = frozenset()
) -> list[Check]:
    """The token, its scopes, the PODs' channels and the configured people (but the ids in
    `skip`), as Slack sees them. Stops after the token when Slack will not take it."""
    where = _Lines(config)
    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        error = _error(exc).get("error")
        if error in _BAD_TOKEN:
            return [
                problem(
                    f"Slack refuses SLACK_BOT_TOKEN ({error}): copy the Bot User OAuth Token "
                    "(xoxb-…) from your app's OAuth & Permissions page, after installing the app"
                )
            ]
        return [problem(f"auth.test failed ({error}): check SLACK_BOT_TOKEN and SLACK_API_URL")]
    except (SlackClientError, OSError) as exc:
        return [problem(f"could not reach Slack at {client.base_url} ({exc}): check the network")]
    bot = str(answer.get("user") or "podbot")
    found = [ok(f"token works: @{bot} in {answer.get('team')} ({answer.get('url')})")]
    granted = _scopes(answer.headers)
    lacking: set[str] = set()
    if granted is None:
        found.append(ok("scopes: Slack did not name them (no x-oauth-scopes header)"))
    else:
        lacking = {scope for scope in BOT_SCOPES if scope not in granted}
        found += [
            problem(
                f"the token lacks the {scope} scope, for {BOT_SCOPES[scope]}: add it under OAuth & "
                "Permissions → Bot Token Scopes (or paste `podbot manifest` into the app's "
                "manifest), then reinstall the app to the workspace"
            )
            for scope in BOT_SCOPES
            if scope in lacking
        ]
        if not lacking:
            found.append(ok(f"scopes: all {len(BOT_SCOPES)} the manifest asks for"))
    for index, pod in enumerate(config.pods):
        if pod.channel not in skip:
            key = where.at(f"pods[{index}].channel")
            found.append(_channel_check(client, pod.channel, pod.name, bot, key))
    found += _people_checks(config, client, where, skip)
    return found


def _scopes(headers: Any) -> set[str] | None:
    value = None
    for name, text in dict(headers or {}).items():
        if name.lower() == "x-oauth-scopes":
            value = text[0] if isinstance(text, list) else text
    if value is None:
        return None
    return {scope.strip() for scope in str(value).split(",") if scope.strip()}


def _channel_check(client: WebClient, channel: str, pod: str, bot: str, key: str) -> Check:
    try:
        info = client.conversations_info(channel=channel)["channel"]
    except SlackApiError as exc:
        data = _error(exc)
        if data.get("error") == "missing_scope":
            return problem(
                f"{channel} ({pod}) not checked: the token lacks {data.get('needed')} (see above)"
            )
        if data.get("error") == "channel_not_found":
            return problem(
                f"{key}: Slack has no channel {channel} for @{bot}: put the POD's channel id "
                "there (channel details, at the bottom); a private channel shows only once "
                f"@{bot} is in it: `/invite @{bot}` there"
            )
        return problem(f"{channel} ({pod}): conversations.info failed ({data.get('error')})")
    except (SlackClientError, OSError) as exc:
        return problem(f"{channel} ({pod}): Slack did not answer ({exc})")
    name = f"#{info.get('name') or channel}"
    if info.get("is_archived"):
        return problem(f"{name} ({channel}, {pod}) is archived: unarchive it or change {key}")
    if not info.get("is_member"):
        return problem(f"invite @{bot} to {name}: `/invite @{bot}` in {name} ({pod}, {channel})")
    return ok(f"{name} ({channel}): {pod}'s channel, @{bot} is in it")


def _people_checks(
    config: Config, client: WebClient, where: _Lines, skip: frozenset[str]
) -> list[Check]:
    # Everyone named: members (with their roles), fallback approvers and the approvers of
    # approval rules, each asked once.
    roles: dict[str, list[str]] = {}
    keys: dict[str, str] = {}
    for index, pod in enumerate(config.pods):
        for user, role in pod.members.items():
            roles.setdefault(user, []).append(f"{role} of {pod.key}")
            keys.setdefault(user, f"pods[{index}].members.{user}")
        for user in pod.fallback_approvers:
            roles.setdefault(user, []).append(f"fallback approver of {pod.key}")
            keys.setdefault(user, f"pods[{index}].fallback_approvers")
        for rule in pod.approval_rules:
            above = format_money(Money(rule.above, pod.currency))
            for user in rule.then:
                roles.setdefault(user, []).append(f"approver above {above} in {pod.key}")
                keys.setdefault(user, f"pods[{index}].approval_rules")
    return [
        _person_check(client, user, ", ".join(what), where.at(keys[user]))
        for user, what in roles.items()
        if user not in skip
    ]


def _person_check(client: WebClient, user: str, what: str, key: str) -> Check:
    by_email = EMAIL.match(user) is not None
    try:
        if by_email:
            found = client.users_lookupByEmail(email=user)["user"]
        else:
            found = client.users_info(user=user)["user"]
    except SlackApiError as exc:
        data = _error(exc)
        if data.get("error") == "users_not_found":
            return problem(
                f"{key}: Slack has no member with the email {user} ({what}): check the address "
                "(the one in their Slack profile), or put their member id there"
            )
        if data.get("error") == "user_not_found":
            return problem(
                f"{key}: Slack has no member {user} ({what}): put their member id there (their "
                "profile → ⋯ → Copy member ID)"
            )
        if data.get("error") == "missing_scope":
            return problem(f"{user} ({what}) not checked: the token lacks {data.get('needed')}")
        return problem(f"{user} ({what}): users.info failed ({data.get('error')})")
    except (SlackClientError, OSError) as exc:
        return problem(f"{user} ({what}): Slack did not answer ({exc})")
    name = _name(found)
    if by_email:
        name = f"→ {found.get('id')} {name}"
    if found.get("deleted"):
        return problem(
            f"{user} {name} ({what}) is deactivated in Slack: remove them from {key}, or give "
            "their role to someone active"
        )
    if found.get("is_bot"):
        return problem(f"{user} {name} ({what}) is a bot, not a person: remove them from {key}")
    return ok(f"{user} {name}: {what}")


def _name(user: dict[str, Any]) -> str:
    from bot.domain.people import profile_of

    return profile_of(user).name or str(user.get("id"))


# --- OAuth mode (issue 36) -----------------------------------------------------------------


def oauth_checks(config: Config, settings: Settings) -> list[Check]:
    """OAuth mode: the app's credentials, then each installation as Slack sees it — its bot
    token works (`auth.test` with that token; nothing renewed), its scopes are the manifest's —
    and each POD's workspace installed, its channel checked with that workspace's token. One
    line per problem. Reads the installations from the database (checked before this)."""
    from sqlalchemy.exc import SQLAlchemyError

    from bot.db.session import Database
    from bot.slack.installs import Installations

    found = [
        problem(f"{name} is not set: export it from your app's Basic Information page (OAuth mode)")
        for name, value in (
            ("SLACK_CLIENT_ID", settings.client_id),
            ("SLACK_CLIENT_SECRET", settings.client_secret),
        )
        if not value
    ]
    if not settings.client_id:
        return found
    db = Database(settings.database_url)
    try:
        installations = Installations(db, settings.client_id, many=config.names_workspaces())
        listed = installations.listed()
        tokens = {_where(install): installations.bot_of(_where(install)) for install in listed}
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        return [*found, problem(f"installations not readable ({reason}): see the database above")]
    finally:
        db.dispose()
    if not listed:
        return [
            *found,
            problem(
                "no workspace has installed podbot yet: open <your URL>/slack/install in a "
                "browser and Allow (OAuth mode)"
            ),
        ]
    bots: dict[str | None, tuple[WebClient, str] | None] = {}
    for install in listed:
        workspace = _where(install)
        org_wide = ", org-wide" if install.org_wide else ""
        name = f"{install.team_name or workspace} ({workspace}{org_wide})"
        bot = tokens.get(workspace)
        if bot is None or not bot.bot_token:
            found.append(
                problem(f"{name}: installed without a bot token: install podbot there again")
            )
            bots[workspace] = None
            continue
        client = WebClient(token=bot.bot_token, base_url=settings.api_url, timeout=10)
        checked, user = _installation_check(client, name)
        found += checked
        bots[workspace] = (client, user) if user is not None else None
    where = _Lines(config)
    latest = next(iter(bots.values()))  # one workspace: the latest installation sends
    for index, pod in enumerate(config.pods):
        workspace = pod.workspace
        if workspace is not None and workspace not in bots:
            key = where.at(f"pods[{index}].{'enterprise_id' if pod.enterprise_id else 'team_id'}")
            found.append(
                problem(
                    f"{key}: {pod.name}'s workspace {workspace} has not installed podbot: "
                    "install it there from <your URL>/slack/install"
                )
            )
            continue
        sender = bots.get(workspace) if workspace is not None else latest
        if sender is not None and pod.channel not in EXAMPLE_IDS:
            client, user = sender
            key = where.at(f"pods[{index}].channel")
            found.append(_channel_check(client, pod.channel, pod.name, user, key))
    return found


def _where(install: Install) -> str | None:
    """The workspace (or, org-wide, the org) an installation sends for."""
    return install.enterprise_id if install.org_wide else install.team_id


def _installation_check(client: WebClient, name: str) -> tuple[list[Check], str | None]:
    """An installation's token and scopes, as `auth.test` answers them; the bot's name when
    its token works."""
    try:
        answer = client.auth_test()
    except SlackApiError as exc:
        error = _error(exc).get("error")
        if error == "token_expired":
            return [
                problem(
                    f"{name}: its bot token has expired (token_expired): a running podbot renews "
                    "tokens before they expire (`token-refresh`); start it, or install podbot "
                    "there again"
                )
            ], None
        if error in _BAD_TOKEN:
            return [
                problem(
                    f"{name}: Slack refuses its bot token ({error}): install podbot there again "
                    "(<your URL>/slack/install)"
                )
            ], None
        return [problem(f"{name}: auth.test failed ({error}): check SLACK_API_URL")], None
    except (SlackClientError, OSError) as exc:
        return [problem(f"{name}: could not reach Slack at {client.base_url} ({exc})")], None
    user = str(answer.get("user") or "podbot")
    granted = _scopes(answer.headers)
    if granted is None:
        return [ok(f"{name}: token works (@{user}); Slack did not name its scopes")], user
    lacking = [scope for scope in BOT_SCOPES if scope not in granted]
    if not lacking:
        return [ok(f"{name}: token works (@{user}), all {len(BOT_SCOPES)} scopes")], user
    return [
        problem(
            f"{name}: its token lacks the {scope} scope, for {BOT_SCOPES[scope]}: update the "
            "app from `podbot manifest --oauth`, then install podbot there again"
        )
        for scope in lacking
    ], user


# --- the report ----------------------------------------------------------------------------


def run(config: Config, settings: Settings, client: WebClient | None, now: datetime) -> list[Check]:
    """Every check, in the order the report prints them (OAuth mode: each installation's
    instead of SLACK_BOT_TOKEN's)."""
    found = config_checks(config) + secret_checks(settings) + database_checks(settings)
    if settings.oauth:
        if all(item.ok for item in found[-1:]):  # the database answers and is migrated
            found += oauth_checks(config, settings)
        return found
    if client is None:
        found.append(
            problem(
                "SLACK_BOT_TOKEN is not set: export the Bot User OAuth Token (xoxb-…) from your "
                "app's OAuth & Permissions page"
            )
        )
    else:  # a placeholder is a problem already: Slack is not asked about it
        found += slack_checks(config, client, skip=EXAMPLE_IDS)
    return found


def warn_at_start(config: Config, client: WebClient, *, wait: bool = False) -> threading.Thread:
    """The Slack checks as `serve` starts: each problem one warning line, on a thread of its
    own so the bot serves meanwhile (a check never stops it). The example's placeholder ids
    are left out: `serve` has said so in one line already."""

    def check() -> None:
        try:
            found = slack_checks(config, client, skip=EXAMPLE_IDS)
        except Exception:  # never the bot's end: say so and serve on
            log.warning("podbot doctor's checks at start failed", exc_info=True)
            return
        for item in found:
            if not item.ok:
                log.warning("doctor: %s", item.text)

    thread = threading.Thread(target=check, name="podbot-doctor", daemon=True)
    thread.start()
    if wait:
        thread.join()
    return thread


def lines(found: Iterable[Check]) -> list[str]:
    """The report's lines: `ok` or `FIX` before each check."""
    return [f"  {'ok ' if item.ok else 'FIX'}  {item.text}" for item in found]
