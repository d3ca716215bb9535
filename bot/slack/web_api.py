"""The one seam to the Slack Web API: every post, edit, DM, modal and upload goes through here.

Retries for rate limits (429 + Retry-After), connection errors and 5xx live in the WebClient's
retry handlers (see bot.app.make_web_client); this module turns Slack's answers into values and
one exception type, and logs each call's outcome.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View
from slack_sdk.webhook import WebhookClient

from bot.domain.people import Profile, profile_of

if TYPE_CHECKING:
    from bot.slack.pacing import ChannelTurns

log = logging.getLogger(__name__)

Blocks = Sequence[Block | dict[str, Any]] | None
# Where a slash command's response_url may point (Slack's commercial and GovSlack hooks).
SLACK_HOOK_HOSTS = ("hooks.slack.com", "hooks.slack-gov.com")
# users.info is in Slack's Tier 4 (100+ calls a minute): lookups are spaced this far apart.
LOOKUP_INTERVAL = 0.6


class WebApiError(Exception):
    """Slack refused or could not be reached for a call; `error` is Slack's error code."""

    def __init__(self, method: str, error: str, retry_after: float | None = None) -> None:
        self.method = method
        self.error = error
        self.retry_after = retry_after
        super().__init__(f"{method} failed: {error}")


def _blocks(blocks: Blocks) -> list[dict[str, Any]] | None:
    if blocks is None:
        return None
    return [b.to_dict() if isinstance(b, Block) else b for b in blocks]


class SlackApi:
    """The Web API seam: every call to Slack through one WebClient, paced per channel."""

    def __init__(
        self,
        client: WebClient,
        channel_interval: float = 1.0,
        turns: ChannelTurns | None = None,
        lookup_interval: float = LOOKUP_INTERVAL,
    ) -> None:
        self.client = client
        self.lookup_interval = lookup_interval
        self._team_url: str | None = None
        # Slack allows about one message per second per channel: posts to one channel are
        # spaced out here, posts to different channels are not held back; `turns` spaces
        # them across the processes sharing a database.
        self.channel_interval = channel_interval
        self.turns = turns
        self._pace_lock = threading.Lock()
        self._next_slot: dict[str, float] = {}
        self._next_lookup = 0.0

    def _answered(self, channel: str) -> None:
        # Space posts from when Slack *answered* the last one, so its side sees ≥ 1 s gaps.
        if self.channel_interval <= 0:
            return
        with self._pace_lock:
            done = time.monotonic() + self.channel_interval
            self._next_slot[channel] = max(self._next_slot.get(channel, 0.0), done)

    def paced(self) -> dict[str, float]:
        """Channels still inside their window, each with the seconds until it can take a post."""
        if self.channel_interval <= 0:
            return {}
        with self._pace_lock:
            now = time.monotonic()
            return {c: slot - now for c, slot in self._next_slot.items() if slot > now}

    def _reserve(self, channel: str) -> float:
        """Take this process's next slot in the channel; seconds until it opens."""
        if self.channel_interval <= 0:
            return 0.0
        with self._pace_lock:
            now = time.monotonic()
            slot = max(now, self._next_slot.get(channel, 0.0))
            self._next_slot[channel] = slot + self.channel_interval
        return slot - now

    def _reserve_lookup(self) -> float:
        """Take this process's next users.info slot; seconds until it opens."""
        if self.lookup_interval <= 0:
            return 0.0
        with self._pace_lock:
            now = time.monotonic()
            slot = max(now, self._next_lookup)
            self._next_lookup = slot + self.lookup_interval
        return slot - now

    def team_url(self, *, fetch: bool = True, known: str | None = None) -> str | None:
        """The workspace's base URL (from auth.test, asked once), for message links; with
        `fetch=False` only what is already known (for the ack path, which must not wait)."""
        if known:
            self._team_url = known
        if self._team_url is None and fetch:
            try:
                self._team_url = str(self._call("auth.test").get("url") or "")
            except WebApiError:
                return None
        return self._team_url or None

    def _call(self, method: str, **params: Any) -> dict[str, Any]:
        params = {k: v for k, v in params.items() if v is not None}
        # The typed WebClient method picks JSON or form encoding the way Slack expects.
        send = getattr(self.client, method.replace(".", "_"))
        try:
            response = send(**params)
        except SlackApiError as exc:
            data = exc.response.data
            error = str(data.get("error", "unknown_error")) if isinstance(data, dict) else "unknown"
            retry_after = None
            status = exc.response.status_code
            if status == 429:
                retry_after = float(exc.response.headers.get("Retry-After", "1") or 1)
            elif status >= 500:
                error = f"http_{status}"
            log.warning("slack %s failed: %s", method, error, extra={"slack_method": method})
            raise WebApiError(method, error, retry_after) from exc
        except (SlackClientError, OSError) as exc:
            log.warning("slack %s unreachable: %s", method, exc, extra={"slack_method": method})
            raise WebApiError(method, type(exc).__name__) from exc
        return dict(response.data) if isinstance(response.data, dict) else {}

    def post(
        self,
        channel: str,
        text: str,
        blocks: Blocks = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> str:
        """Post a message (a reply when `thread_ts` is given); returns its ts."""
        # Blocks are rendered (and validated) before waiting for the channel's slot, so the
        # post leaves as soon as the slot opens.
        rendered = _blocks(blocks)
        opens = time.monotonic() + self._reserve(channel)
        # The shared turn is taken for when this process's slot opens, while it waits for it.
        turn = None
        if self.turns is not None:
            turn = self.turns.take(channel, self.channel_interval, opens - time.monotonic())
        if (wait := opens - time.monotonic()) > 0:
            time.sleep(wait)
        try:
            data = self._call(
                "chat.postMessage",
                channel=channel,
                text=text,
                blocks=rendered,
                thread_ts=thread_ts,
                metadata=metadata,
                unfurl_links=False,
                unfurl_media=False,
            )
        finally:
            # The shared turn first, so this process's own slot never opens before it does
            # (no retry on the database for nothing).
            if turn is not None and self.turns is not None:
                self.turns.give_back(turn, self.channel_interval)
            self._answered(channel)
        return str(data["ts"])

    def create_channel_canvas(self, channel: str, markdown: str) -> str:
        """The channel's canvas, made with this content (issue 32); returns its id."""
        content = {"type": "markdown", "markdown": markdown}
        data = self._call(
            "conversations.canvases.create", channel_id=channel, document_content=content
        )
        return str(data["canvas_id"])

    def channel_canvas(self, channel: str) -> str | None:
        """The id of the channel's canvas, if it has one (`conversations.info`)."""
        data = self._call("conversations.info", channel=channel)
        properties = (data.get("channel") or {}).get("properties") or {}
        canvas = properties.get("canvas") or {}
        return str(canvas["file_id"]) if canvas.get("file_id") else None

    def replace_canvas(self, canvas_id: str, markdown: str) -> None:
        """Replace a canvas's content (`canvases.edit`, one `replace` without a section)."""
        change = {"operation": "replace", "document_content": {"type": "markdown",
                  "markdown": markdown}}  # fmt: skip
        self._call("canvases.edit", canvas_id=canvas_id, changes=[change])

    def channel_members(self, channel: str) -> list[str]:
        """Everyone in a channel now, Slack Connect members of other organisations included
        (`conversations.members`, every page)."""
        members: list[str] = []
        cursor: str | None = None
        while True:
            data = self._call("conversations.members", channel=channel, cursor=cursor, limit=200)
            members += [str(user) for user in data.get("members") or []]
            cursor = (data.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                return members

    def canvas_section(self, canvas_id: str, heading: str, level: str) -> str | None:
        """The id of the canvas's one `level` (`h1`, `h2`) section holding `heading`
        (`canvases.sections.lookup`); None when there is not exactly one."""
        criteria = {"section_types": [level], "contains_text": heading}
        data = self._call("canvases.sections.lookup", canvas_id=canvas_id, criteria=criteria)
        sections = data.get("sections") or []
        return str(sections[0]["id"]) if len(sections) == 1 else None

    def replace_canvas_section(self, canvas_id: str, section_id: str, markdown: str) -> None:
        """Replace one section of a canvas (`canvases.edit`, `replace` with its `section_id`)."""
        change = {"operation": "replace", "section_id": section_id,
                  "document_content": {"type": "markdown", "markdown": markdown}}  # fmt: skip
        self._call("canvases.edit", canvas_id=canvas_id, changes=[change])

    def pin(self, channel: str, ts: str) -> None:
        """Pin a message in its channel."""
        self._call("pins.add", channel=channel, timestamp=ts)

    def update(self, channel: str, ts: str, text: str, blocks: Blocks = None) -> None:
        """Edit a message in place."""
        self._call("chat.update", channel=channel, ts=ts, text=text, blocks=_blocks(blocks) or [])

    def ephemeral(
        self,
        channel: str,
        user: str,
        text: str,
        blocks: Blocks = None,
        thread_ts: str | None = None,
    ) -> None:
        """Show a message only `user` can see."""
        self._call(
            "chat.postEphemeral",
            channel=channel,
            user=user,
            text=text,
            blocks=_blocks(blocks),
            thread_ts=thread_ts,
        )

    def respond(self, response_url: str, text: str, blocks: Blocks = None) -> None:
        """Answer a slash command after its ack: a post to its `response_url` (Slack takes
        five within thirty minutes), shown to the invoker only, where they typed the command
        — a thread included, which chat.postEphemeral cannot know. Only Slack's hooks (or the
        Slack test server's, on SLACK_API_URL's origin) are posted to."""
        if not self._is_slack_hook(response_url):
            raise WebApiError("response_url", "invalid_response_url")
        hook = WebhookClient(response_url, timeout=self.client.timeout)
        try:
            answer = hook.send(text=text, blocks=_blocks(blocks), response_type="ephemeral")
        except (SlackClientError, OSError) as exc:
            log.warning("slack response_url unreachable: %s", exc)
            raise WebApiError("response_url", type(exc).__name__) from exc
        if answer.status_code == 200:
            return
        body = (answer.body or "").strip()
        if answer.status_code == 429:
            retry_after = float(answer.headers.get("Retry-After", "1") or 1)
            raise WebApiError("response_url", "ratelimited", retry_after)
        # Slack answers a refused hook with its error code as the body (`expired_url`,
        # `used_url`, `invalid_blocks`, …); a 5xx is worth another try.
        error = f"http_{answer.status_code}"
        if answer.status_code < 500 and re.fullmatch(r"[a-z_]{1,40}", body):
            error = body
        log.warning("slack response_url failed: %s", error, extra={"slack_method": "response_url"})
        raise WebApiError("response_url", error)

    def _is_slack_hook(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme == "https" and parts.hostname in SLACK_HOOK_HOSTS:
            return True
        api = urlsplit(self.client.base_url)
        return (parts.scheme, parts.netloc) == (api.scheme, api.netloc)

    def user_info(self, user: str) -> Profile:
        """A member's name and time zone (users.info), for where a mention does not render.
        Lookups are spaced `lookup_interval` apart in this process (Slack's Tier 4); a 429 is
        waited out and retried by the WebClient's handler. Raises WebApiError (Slack's
        `user_not_found` for an id it does not know)."""
        if (wait := self._reserve_lookup()) > 0:
            time.sleep(wait)
        data = self._call("users.info", user=user)
        found = data.get("user")
        if not isinstance(found, dict):
            raise WebApiError("users.info", "no_user_in_answer")
        return profile_of({**found, "id": found.get("id") or user})

    def user_email(self, user: str) -> str | None:
        """A member's email (users.info's profile, with users:read.email), or None when Slack
        shows none: how podbot finds them among ClickUp's members (issue 31)."""
        if (wait := self._reserve_lookup()) > 0:
            time.sleep(wait)
        found = self._call("users.info", user=user).get("user")
        profile = found.get("profile") if isinstance(found, dict) else None
        email = profile.get("email") if isinstance(profile, dict) else None
        return email.strip().lower() if isinstance(email, str) and email.strip() else None

    def user_by_email(self, email: str) -> str:
        """The user id of the workspace member with this email (users.lookupByEmail, spaced
        as users.info is). Raises WebApiError (`users_not_found` for an address no member
        has)."""
        if (wait := self._reserve_lookup()) > 0:
            time.sleep(wait)
        found = self._call("users.lookupByEmail", email=email).get("user")
        if not isinstance(found, dict) or not found.get("id"):
            raise WebApiError("users.lookupByEmail", "no_user_in_answer")
        return str(found["id"])

    def open_dm(self, user: str) -> str:
        """The DM channel id with `user`."""
        data = self._call("conversations.open", users=user)
        return str(data["channel"]["id"])

    def dm(self, user: str, text: str, blocks: Blocks = None) -> tuple[str, str]:
        """Send `user` a direct message; returns (channel, ts)."""
        channel = self.open_dm(user)
        return channel, self.post(channel, text, blocks)

    def open_view(self, trigger_id: str, view: View | dict[str, Any]) -> str:
        """Open a modal for the user who triggered `trigger_id`; returns the view id."""
        payload = view.to_dict() if isinstance(view, View) else view
        data = self._call("views.open", trigger_id=trigger_id, view=payload)
        return str(data["view"]["id"])

    def publish_home(self, user: str, view: View | dict[str, Any]) -> str:
        """Publish a user's App Home tab (views.publish); returns the view's id."""
        payload = view.to_dict() if isinstance(view, View) else view
        data = self._call("views.publish", user_id=user, view=payload)
        return str((data.get("view") or {}).get("id", ""))

    def find_tagged(
        self,
        channel: str,
        event_type: str,
        payload: dict[str, Any],
        thread_ts: str | None = None,
    ) -> str | None:
        """The ts of a recent message in the channel (or thread) whose metadata matches, if any."""
        for message in self._recent(channel, thread_ts):
            metadata = message.get("metadata") or {}
            found = metadata.get("event_payload") or {}
            if metadata.get("event_type") == event_type and all(
                found.get(k) == v for k, v in payload.items()
            ):
                return str(message["ts"])
        return None

    def find_file(self, channel: str, filename: str, thread_ts: str | None = None) -> str | None:
        """The id of a file named `filename` shared in the channel (or thread) recently, if any.

        Files carry no message metadata; a run's file names are its own (they name the POD
        and the day), so the name is what tells an upload Slack already has."""
        for message in self._recent(channel, thread_ts):
            for file in message.get("files") or []:
                if file.get("name") == filename and file.get("id"):
                    return str(file["id"])
        return None

    def _recent(self, channel: str, thread_ts: str | None) -> list[dict[str, Any]]:
        # The last 200 messages of the thread, or of the channel: where a post or file made a
        # moment before a crash would be.
        if thread_ts:
            data = self._call(
                "conversations.replies",
                channel=channel,
                ts=thread_ts,
                include_all_metadata=True,
                limit=200,
            )
        else:
            data = self._call(
                "conversations.history", channel=channel, include_all_metadata=True, limit=200
            )
        return list(data.get("messages") or [])

    @staticmethod
    def archive_link(team_url: str | None, channel: str, ts: str) -> str | None:
        """A message link built without an API call (Slack's archive URL format)."""
        if not team_url:
            return None
        return f"{team_url.rstrip('/')}/archives/{channel}/p{ts.replace('.', '')}"

    def permalink(self, channel: str, ts: str) -> str:
        """A permanent link to a message."""
        data = self._call("chat.getPermalink", channel=channel, message_ts=ts)
        return str(data["permalink"])

    def upload(
        self,
        channel: str,
        filename: str,
        content: bytes,
        title: str | None = None,
        thread_ts: str | None = None,
        comment: str | None = None,
        alt_text: str | None = None,
    ) -> str:
        """Upload a file into a channel or thread (files upload v2); returns the file id.
        `alt_text` is an image's description (`alt_txt`, sent with files.getUploadURLExternal)."""
        data = self._call(
            "files.upload_v2",
            channel=channel,
            filename=filename,
            content=content,
            title=title or filename,
            thread_ts=thread_ts,
            initial_comment=comment,
            alt_txt=alt_text,
        )
        return str(data["files"][0]["id"])
