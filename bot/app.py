"""Build the Bolt App on a runtime (bot/runtime.py builds that): every listener registered."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from slack_bolt import App, BoltContext, BoltRequest, BoltResponse
from slack_bolt.error import BoltError
from slack_bolt.middleware.authorization import SingleTeamAuthorization
from slack_bolt.oauth.callback_options import CallbackOptions, FailureArgs, SuccessArgs
from slack_bolt.oauth.oauth_settings import OAuthSettings
from slack_sdk.errors import SlackClientError

from bot import commands, events
from bot.db.installs import state_store
from bot.manifest import BOT_SCOPES
from bot.runtime import Runtime
from bot.slack.installs import REFRESH_BEFORE_MINUTES, acting_for

log = logging.getLogger(__name__)


class StartupError(Exception):
    """podbot cannot start; the message says what to fix."""


# What Bolt reads from the environment when it is not given it. podbot gives Bolt its client
# (with the token from its settings) and is one workspace's bot: Bolt reading the token again
# only warns "`token` will be unused" at every start, and a client id and secret would switch
# on its OAuth flow and warn that the token "will be ignored".
_BOLT_ENV = ("SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")


@contextmanager
def _hidden_from_bolt() -> Iterator[None]:
    """Hide `_BOLT_ENV` from Bolt while it builds the App; put them back after."""
    saved = {name: os.environ.pop(name) for name in _BOLT_ENV if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


# What a person in a workspace podbot is not installed in sees (OAuth mode).
NOT_INSTALLED = (
    "podbot is not installed in this workspace (or was removed): ask a Slack admin to install"
    " it again from podbot's /slack/install page."
)


def authorize_url(api_url: str) -> str:
    """Slack's authorize page beside its Web API (`https://slack.com/oauth/v2/authorize`, or
    the stand-in's when SLACK_API_URL points there)."""
    base = api_url.rstrip("/")
    base = base[: -len("/api")] if base.endswith("/api") else base
    return f"{base}/oauth/v2/authorize"


def oauth_settings(runtime: Runtime) -> OAuthSettings:
    """Bolt's OAuth flow on podbot's database: /slack/install and /slack/oauth_redirect, the
    installations in `slack_installations`/`slack_bots`, the install states in
    `slack_oauth_states` (migration 0031); tokens renewed when under an hour is left."""
    settings, installations = runtime.settings, runtime.installations
    assert installations is not None and settings.client_id and settings.client_secret
    return OAuthSettings(
        client_id=settings.client_id,
        client_secret=settings.client_secret,
        scopes=list(BOT_SCOPES),
        user_scopes=[],
        redirect_uri=os.environ.get("SLACK_REDIRECT_URI") or None,
        authorization_url=authorize_url(settings.api_url),
        installation_store=installations.store,
        installation_store_bot_only=True,
        token_rotation_expiration_minutes=REFRESH_BEFORE_MINUTES,
        state_store=state_store(runtime.db.engine),
        callback_options=CallbackOptions(
            success=lambda args: on_installed(runtime, args), failure=_failed_install
        ),
        logger=log,
    )


def on_installed(runtime: Runtime, args: SuccessArgs) -> BoltResponse:
    """Installed (again) in a workspace or org: the deliveries parked while it was not are
    sent now, once each; then Bolt's own success page."""
    installation = args.installation
    org_wide = bool(installation.is_enterprise_install)
    workspace = installation.enterprise_id if org_wide else installation.team_id
    assert runtime.installations is not None
    resumed = runtime.installations.resume(workspace)
    log.info(
        "podbot installed in %s %s; %d parked deliveries resume",
        "org" if org_wide else "workspace", workspace, resumed,
    )  # fmt: skip
    if resumed:
        runtime.outbox_worker.notify()
    return args.default.success(args)


def _failed_install(args: FailureArgs) -> BoltResponse:
    log.warning("an install did not complete: %s", args.reason)
    return args.default.failure(args)


# What a person in a workspace (installed, OAuth mode) where no POD is configured sees.
NO_POD_HERE = (
    "podbot has no POD in this workspace: its PODs are in other workspaces, and nothing of "
    "theirs is shown here. Ask your podbot operator to add a POD with this workspace's team_id."
)


class _App(App):
    """Bolt's App, whose listeners each act for the workspace their request came from (OAuth
    mode, many workspaces) and for none once they return: the thread that ran one keeps no
    workspace's token for whatever it runs next."""

    # The workspace (or org, org-wide) a request came from, when calls must go with its token.
    workspace_of: Callable[[BoltContext], str | None] | None = None

    def dispatch(self, req: BoltRequest) -> BoltResponse:
        """Run the request's middleware and listener, acting for its workspace meanwhile."""
        # Bolt runs the listener (process_before_response) inside dispatch, after its
        # middleware has returned: only here can one scope be set and reset around both.
        workspace = self.workspace_of(req.context) if self.workspace_of is not None else None
        with acting_for(self.client, workspace):
            return super().dispatch(req)


def _its_workspace(context: BoltContext) -> str | None:
    """The workspace (or org, org-wide) a request came from."""
    org_wide = bool(context.is_enterprise_install)
    return context.enterprise_id if org_wide else context.team_id


def _only_workspaces_with_a_pod(runtime: Runtime) -> Callable[..., BoltResponse | None]:
    """A middleware: requests from a workspace (or org) no POD names get one ephemeral
    sentence (a command in its ack, a click by its response_url) and reach no listener, so
    nothing of another workspace's PODs is read for them."""

    def only_workspaces_with_a_pod(
        context: BoltContext, body: dict[str, Any], next: Callable[[], BoltResponse]
    ) -> BoltResponse | None:
        event = body.get("event") or {}
        if runtime.config.serves(context.team_id, context.enterprise_id) or event.get("type") in (
            "app_uninstalled",
            "tokens_revoked",
        ):
            return next()
        log.info(
            "a request from workspace %s (org %s), where no POD is: answered that there is none",
            context.team_id, context.enterprise_id,
        )  # fmt: skip
        if body.get("command"):
            return BoltResponse(status=200, body=NO_POD_HERE)
        respond, background = context.respond, runtime.background
        if body.get("type") == "block_actions" and respond is not None and background:
            background.submit(respond, text=NO_POD_HERE, response_type="ephemeral",
                              replace_original=False)  # fmt: skip
        return BoltResponse(status=200, body="")

    return only_workspaces_with_a_pod


def build_app(runtime: Runtime, *, socket_mode: bool = False, **app_kwargs: Any) -> App:
    """The Bolt App with every listener registered; checks the token with auth.test. Its
    listeners hand what follows their ack to the runtime's after-ack threads
    (`runtime.background`: a process that serves Slack is opened with them, `bot/process.py`)."""
    executor = runtime.background
    if executor is None:
        raise StartupError("a process that serves Slack needs after-ack threads (bot/process.py)")
    try:
        # Listeners run on the request's thread and return as soon as they have acked; what
        # follows the ack goes to `runtime.background`. (Bolt's other mode polls for the ack
        # every 10 ms, which doubles the median ack time under load.)
        if runtime.installations is not None:
            app_kwargs["oauth_settings"] = oauth_settings(runtime)
            app_kwargs["user_facing_authorize_error_message"] = NOT_INSTALLED
        with _hidden_from_bolt():
            app = _App(
                client=runtime.slack.client,
                signing_secret=None if socket_mode else runtime.settings.signing_secret,
                request_verification_enabled=not socket_mode,
                process_before_response=True,
                listener_executor=executor,
                **app_kwargs,
            )
    except BoltError as exc:
        raise StartupError(f"Slack refused the bot token: {exc}") from exc
    except (SlackClientError, OSError) as exc:
        # Bolt checks the token with auth.test; no answer at all is not a refusal.
        raise StartupError(
            f"Could not reach Slack at {runtime.settings.api_url} to check the bot token"
            f" ({exc}); check the network, or SLACK_API_URL."
        ) from exc
    # Learn the workspace URL now (for message links), not on some command's ack path; Bolt
    # has just called auth.test to check the token, so reuse its answer when it kept one.
    checked = next(
        (
            m.auth_test_result
            for m in getattr(app, "_middleware_list", [])
            if isinstance(m, SingleTeamAuthorization) and m.auth_test_result
        ),
        None,
    )
    if runtime.installations is None:  # OAuth mode: each workspace has its own URL
        runtime.slack.team_url(known=checked.get("url") if checked else None)
    if runtime.installations is not None and runtime.installations.many:
        # What a listener calls, and what it leaves for after its ack (CarryingWorkspace),
        # goes with the token of its workspace. One workspace: its latest installation's,
        # whatever the ids.
        app.workspace_of = _its_workspace
    if runtime.config.names_workspaces():
        app.middleware(_only_workspaces_with_a_pod(runtime))
    commands.register(app, runtime)
    events.register(app, runtime)

    @app.error
    def on_unhandled(error: Exception, body: dict[str, Any]) -> None:
        # Listeners catch their own errors; this is the backstop so nothing dies silently.
        log.error("unhandled listener error: %r", error, exc_info=error)

    return app
