"""The test rig: the local Web API answers like Slack; requests are signed like Slack's."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from slack_bolt import App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler
from slack_sdk.signature import SignatureVerifier
from slack_sdk.webhook import WebhookClient

from slackfake.signing import SlackClient, slack_signature
from slackfake.web_api import DEFAULT_SCOPES, SlackApiServer, block_errors, load_fixture

CHANNEL = "C0ALPHA01"
SECRET = "test-signing-secret"
FIXTURES = Path(__file__).parents[1] / "fixtures" / "slack"


@pytest.fixture
def api() -> Iterator[SlackApiServer]:
    with SlackApiServer(valid_tokens={"xoxb-test"}) as server:
        server.add_channel(CHANNEL)
        yield server


@pytest.fixture
def client(api: SlackApiServer) -> WebClient:
    return WebClient(token="xoxb-test", base_url=api.url)


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


# -- the Web API server ---------------------------------------------------------------------


def test_post_update_and_replies_round_trip(api: SlackApiServer, client: WebClient) -> None:
    card = client.chat_postMessage(
        channel=CHANNEL,
        text="REQ-1",
        blocks=[section("*REQ-1* intake")],
        metadata={"event_type": "request_card", "event_payload": {"request": 1}},
    )
    reply = client.chat_postMessage(channel=CHANNEL, text="update", thread_ts=card["ts"])
    client.chat_update(
        channel=CHANNEL, ts=card["ts"], text="REQ-1", blocks=[section("negotiating")]
    )

    assert float(reply["ts"]) > float(card["ts"])
    replies = client.conversations_replies(
        channel=CHANNEL, ts=card["ts"], include_all_metadata=True
    )
    parent, child = replies["messages"]
    assert parent["blocks"][0]["text"]["text"] == "negotiating"
    assert parent["metadata"]["event_payload"] == {"request": 1}
    assert parent["reply_count"] == 1
    assert child["thread_ts"] == card["ts"]

    stored = api.message(CHANNEL, card["ts"])
    assert [m.ts for m in api.messages(CHANNEL)] == [card["ts"], reply["ts"]]
    assert [m.text for m in api.thread(CHANNEL, card["ts"])] == ["update"]
    assert stored.history[0].blocks == [section("*REQ-1* intake")]
    assert [c.method for c in api.calls] == [
        "chat.postMessage",
        "chat.postMessage",
        "chat.update",
        "conversations.replies",
    ]


def test_history_is_newest_first_and_hides_metadata_unless_asked(
    client: WebClient,
) -> None:
    first = client.chat_postMessage(
        channel=CHANNEL, text="a", metadata={"event_type": "t", "event_payload": {"n": 1}}
    )
    second = client.chat_postMessage(channel=CHANNEL, text="b")
    client.chat_postMessage(channel=CHANNEL, text="in thread", thread_ts=first["ts"])

    plain = client.conversations_history(channel=CHANNEL)["messages"]
    full = client.conversations_history(channel=CHANNEL, include_all_metadata=True)["messages"]

    assert [m["ts"] for m in plain] == [second["ts"], first["ts"]]
    assert "metadata" not in plain[1]
    assert full[1]["metadata"] == {"event_type": "t", "event_payload": {"n": 1}}


def test_invalid_or_missing_token_is_rejected(api: SlackApiServer) -> None:
    with pytest.raises(SlackApiError) as unknown:
        WebClient(token="xoxb-wrong", base_url=api.url).chat_postMessage(channel=CHANNEL, text="x")
    with pytest.raises(SlackApiError) as missing:
        WebClient(base_url=api.url).auth_test()

    assert unknown.value.response["error"] == "invalid_auth"
    assert missing.value.response["error"] == "not_authed"
    assert api.calls_to("chat.postMessage")[0].token == "xoxb-wrong"
    assert api.messages(CHANNEL) == []


def test_unknown_channel_is_channel_not_found(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel="C0NOWHERE", text="hello")
    assert error.value.response["error"] == "channel_not_found"


def test_opened_dm_is_a_known_channel(api: SlackApiServer, client: WebClient) -> None:
    dm = client.conversations_open(users="U0ALICE01")["channel"]["id"]
    client.chat_postMessage(channel=dm, text="reminder")
    assert dm == "D0ALICE01"
    assert [m.text for m in api.messages(dm)] == ["reminder"]


def test_more_than_50_blocks_is_invalid_blocks(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel=CHANNEL, text="x", blocks=[section("b")] * 51)
    assert error.value.response["error"] == "invalid_blocks"
    assert error.value.response["errors"] == [
        "no more than 50 items allowed [json-pointer:/blocks]"
    ]


def test_section_text_over_3000_chars_is_invalid_blocks(
    api: SlackApiServer, client: WebClient
) -> None:
    card = client.chat_postMessage(channel=CHANNEL, text="ok", blocks=[section("ok")])
    with pytest.raises(SlackApiError) as error:
        client.chat_update(channel=CHANNEL, ts=card["ts"], text="ok", blocks=[section("x" * 3001)])
    assert error.value.response["error"] == "invalid_blocks"
    assert "/blocks/0/text/text" in error.value.response["errors"][0]
    assert api.message(CHANNEL, card["ts"]).blocks == [section("ok")]


def test_block_rules_follow_slack_limits() -> None:
    assert block_errors([section("x" * 3000)]) == []
    assert block_errors([{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}])
    assert block_errors([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f"}] * 11}])
    assert block_errors([{"type": "section", "fields": [{"type": "mrkdwn", "text": "f" * 2001}]}])
    button = {"type": "button", "text": {"type": "plain_text", "text": "b"}}
    elements = [{**button, "action_id": f"a{i}"} for i in range(26)]
    assert block_errors([{"type": "actions", "elements": elements}])
    assert block_errors([{"text": "no type"}])
    assert block_errors([section("v")] * 100, limit=100) == []


def test_text_over_40000_chars_is_msg_too_long(client: WebClient) -> None:
    with pytest.raises(SlackApiError) as error:
        client.chat_postMessage(channel=CHANNEL, text="x" * 40_001)
    assert error.value.response["error"] == "msg_too_long"


def test_unknown_method_is_answered_and_recorded(api: SlackApiServer, client: WebClient) -> None:
    with pytest.raises(SlackApiError) as error:
        client.api_call("reminders.teleport", params={"to": "mars"})
    assert error.value.response["error"] == "unknown_method"
    assert api.calls_to("reminders.teleport")[0].params == {"to": "mars"}


def test_files_upload_v2_stores_content_in_channel_thread(
    api: SlackApiServer, client: WebClient
) -> None:
    card = client.chat_postMessage(channel=CHANNEL, text="REQ-2")
    result = client.files_upload_v2(
        channel=CHANNEL,
        thread_ts=card["ts"],
        content=b"customer,tool\nAcme,Figma\n",
        filename="stack.csv",
        title="SaaS stack",
        initial_comment="Current stack",
    )

    uploaded = api.files[result["file"]["id"]]
    assert uploaded.content == b"customer,tool\nAcme,Figma\n"
    assert (uploaded.filename, uploaded.title) == ("stack.csv", "SaaS stack")
    assert (uploaded.channel, uploaded.thread_ts) == (CHANNEL, card["ts"])
    assert api.thread(CHANNEL, card["ts"])[0].text == "Current stack"
    assert [c.method for c in api.calls[1:]] == [
        "files.getUploadURLExternal",
        "upload",
        "files.completeUploadExternal",
    ]


def test_429_says_retry_after_and_is_retried(api: SlackApiServer) -> None:
    client = WebClient(
        token="xoxb-test",
        base_url=api.url,
        retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)],
    )
    api.fail("chat.postMessage", error="ratelimited", status=429, retry_after=1, times=2)
    # What the client is told to wait (the wait itself is the SDK's).
    with pytest.raises(SlackApiError) as limited:
        WebClient(token="xoxb-test", base_url=api.url).chat_postMessage(channel=CHANNEL, text="no")
    assert limited.value.response.status_code == 429
    assert limited.value.response.headers["Retry-After"] == "1"

    response = client.chat_postMessage(channel=CHANNEL, text="eventually")

    assert response["ok"] is True
    first, second, third = api.calls_to("chat.postMessage")
    assert (first.failed, second.failed, third.failed) == (True, True, False)
    assert [m.text for m in api.messages(CHANNEL)] == ["eventually"]


def test_a_failure_until_an_instant_ends_then_on_the_servers_clock() -> None:
    now = [1000.0]
    with SlackApiServer(valid_tokens={"xoxb-test"}, clock=lambda: now[0]) as api:
        api.add_channel(CHANNEL)
        client = WebClient(token="xoxb-test", base_url=api.url, retry_handlers=[])
        # An outage in two phases: 500s for ten seconds, then channel_not_found for ten more.
        api.fail("chat.postMessage", status=500, times=None, until=1010.0)
        api.fail("chat.postMessage", error="channel_not_found", times=None, until=1020.0)

        def error() -> str | None:
            try:
                client.chat_postMessage(channel=CHANNEL, text="x")
            except SlackApiError as exc:
                return str(exc.response["error"])
            return None

        assert [error(), error()] == ["internal_error", "internal_error"]
        now[0] = 1010.0
        assert error() == "channel_not_found"
        now[0] = 1019.9
        assert error() == "channel_not_found"
        now[0] = 1020.0
        assert error() is None
        api.wait_answered()


def test_injected_server_error_and_slack_error(api: SlackApiServer, client: WebClient) -> None:
    api.fail("chat.postMessage", status=500)
    api.fail("chat.update", error="fatal_error")

    with pytest.raises(SlackApiError) as server_error:
        client.chat_postMessage(channel=CHANNEL, text="x")
    with pytest.raises(SlackApiError) as slack_error:
        client.chat_update(channel=CHANNEL, ts="1.2", text="x")

    assert server_error.value.response.status_code == 500
    assert slack_error.value.response["error"] == "fatal_error"
    assert client.chat_postMessage(channel=CHANNEL, text="x")["ok"] is True


def test_delayed_answer_times_out_the_client_but_still_posts(api: SlackApiServer) -> None:
    api.fail("chat.postMessage", delay=0.3)
    impatient = WebClient(token="xoxb-test", base_url=api.url, timeout=0.1, retry_handlers=[])

    with pytest.raises(TimeoutError):
        impatient.chat_postMessage(channel=CHANNEL, text="slow")

    api.wait_for("chat.postMessage")
    assert [m.text for m in api.messages(CHANNEL)] == ["slow"]


def test_wait_for_raises_when_nothing_arrives(api: SlackApiServer) -> None:
    with pytest.raises(AssertionError, match=r"chat\.postMessage"):
        api.wait_for("chat.postMessage", timeout=0.05)


def test_views_open_update_and_publish(api: SlackApiServer, client: WebClient) -> None:
    modal = {
        "type": "modal",
        "callback_id": "intake",
        "title": {"type": "plain_text", "text": "New request"},
        "blocks": [section("Customer?")],
    }
    opened = client.views_open(trigger_id="123.456.abc", view=modal)["view"]
    updated = client.views_update(view_id=opened["id"], view={**modal, "blocks": []})["view"]
    home = client.views_publish(user_id="U0ALICE01", view={"type": "home", "blocks": []})

    assert opened["id"].startswith("V")
    assert updated["id"] == opened["id"] and updated["hash"] != opened["hash"]
    assert api.views[opened["id"]]["blocks"] == []
    assert api.home_view("U0ALICE01")["id"] == home["view"]["id"]
    with pytest.raises(SlackApiError) as long_title:
        client.views_open(
            trigger_id="1", view={**modal, "title": {"type": "plain_text", "text": "t" * 25}}
        )
    assert long_title.value.response["error"] == "invalid_arguments"


def test_answers_have_the_shapes_of_slack_samples(api: SlackApiServer, client: WebClient) -> None:
    api.add_user("U0ALICE01", name="alice", real_name="Alice Example")
    card = client.chat_postMessage(channel=CHANNEL, text="x")
    modal = {"type": "modal", "title": {"type": "plain_text", "text": "T"}, "blocks": []}
    answers = {
        "web_api_auth_test_bot_response.json": client.auth_test().data,
        "web_api_chat_postMessage_response.json": card.data,
        "web_api_chat_update_response.json": client.chat_update(
            channel=CHANNEL, ts=card["ts"], text="y"
        ).data,
        "web_api_chat_postEphemeral_response.json": client.chat_postEphemeral(
            channel=CHANNEL, user="U0ALICE01", text="z"
        ).data,
        "web_api_conversations_open_response.json": client.conversations_open(users="U1").data,
        "web_api_users_info_response.json": client.users_info(user="U0ALICE01").data,
        "web_api_views_open_response.json": client.views_open(trigger_id="t", view=modal).data,
        "web_api_views_publish_response.json": client.views_publish(
            user_id="U1", view={"type": "home", "blocks": []}
        ).data,
    }
    for name, answer in answers.items():
        sample = load_fixture(name)
        assert set(sample) <= set(answer), name
        for key in ("user", "view"):
            if key in sample:
                assert set(sample[key]) <= set(answer[key]), f"{name}: {key}"
    assert answers["web_api_users_info_response.json"]["user"]["tz"] == "America/New_York"


def test_users_info_answers_for_members_only_with_their_profile(
    api: SlackApiServer, client: WebClient
) -> None:
    api.add_user("U0ROHAN01", name="rohan", real_name="Rohan Mehta", display_name="Ro",
                 tz="Asia/Kolkata")  # fmt: skip
    user = client.users_info(user="U0ROHAN01")["user"]
    assert (user["id"], user["name"], user["real_name"], user["tz"], user["deleted"]) == (
        "U0ROHAN01", "rohan", "Rohan Mehta", "Asia/Kolkata", False
    )  # fmt: skip
    assert (user["profile"]["display_name"], user["profile"]["real_name"]) == ("Ro", "Rohan Mehta")
    # An id the workspace does not have, or no id at all, is not found, as in Slack.
    for params in ({"user": "U0NOBODY1"}, {}):
        with pytest.raises(SlackApiError) as refused:
            client.api_call("users.info", http_verb="GET", params=params)
        assert refused.value.response["error"] == "user_not_found"
    # A member's edit is what users.info answers next, and what a user_change event carries.
    changed = api.change_user("U0ROHAN01", display_name="Rohan M", deleted=True)
    assert changed["profile"]["display_name"] == "Rohan M" and changed["deleted"] is True
    assert client.users_info(user="U0ROHAN01")["user"] == changed


# -- signed requests ------------------------------------------------------------------------


def test_every_answer_names_the_tokens_scopes_and_a_missing_one_is_refused(
    api: SlackApiServer, client: WebClient
) -> None:
    # Slack lists a token's scopes in the x-oauth-scopes header of every Web API answer.
    answer = client.auth_test()
    assert answer.headers["x-oauth-scopes"].split(",") == list(DEFAULT_SCOPES)

    api.set_scopes(s for s in DEFAULT_SCOPES if s != "users:read.email")
    with pytest.raises(SlackApiError) as caught:
        client.users_lookupByEmail(email="dana@example.com")
    data = caught.value.response.data
    assert (data["error"], data["needed"]) == ("missing_scope", "users:read.email")
    assert "users:read.email" not in data["provided"].split(",")
    assert "users:read.email" not in client.auth_test().headers["x-oauth-scopes"]


def test_conversations_info_says_whether_the_bot_is_a_member(
    api: SlackApiServer, client: WebClient
) -> None:
    api.add_channel("C0LONDON1", "pod-london", member=False)
    api.add_channel("G0SECRET1", "pod-secret", member=False)
    info = client.conversations_info(channel="C0LONDON1")["channel"]
    assert (info["name"], info["is_member"], info["is_channel"]) == ("pod-london", False, True)
    assert client.conversations_info(channel=CHANNEL)["channel"]["is_member"] is True
    # Not a member: a post is refused; a private channel does not exist for the bot.
    for channel, error in (("C0LONDON1", "not_in_channel"), ("G0SECRET1", "channel_not_found")):
        with pytest.raises(SlackApiError) as caught:
            if channel.startswith("C"):
                client.chat_postMessage(channel=channel, text="hi")
            else:
                client.conversations_info(channel=channel)
        assert caught.value.response["error"] == error
    with pytest.raises(SlackApiError) as caught:
        client.conversations_info(channel="C0NOWHERE")
    assert caught.value.response["error"] == "channel_not_found"

    api.join("C0LONDON1")
    assert client.conversations_info(channel="C0LONDON1")["channel"]["is_member"] is True
    assert client.chat_postMessage(channel="C0LONDON1", text="hi")["ok"]


def test_users_lookup_by_email_finds_a_member_or_says_users_not_found(
    api: SlackApiServer, client: WebClient
) -> None:
    api.add_user("U0DANA001", real_name="Dana Scully", email="dana@acme.test")
    api.add_user("U0GONE001", real_name="Gone Away", email="gone@acme.test", deleted=True)
    found = client.users_lookupByEmail(email="Dana@ACME.test")["user"]
    assert (found["id"], found["real_name"], found["deleted"]) == (
        "U0DANA001",
        "Dana Scully",
        False,
    )
    assert client.users_lookupByEmail(email="gone@acme.test")["user"]["deleted"] is True
    assert client.users_info(user="U0GONE001")["user"]["deleted"] is True
    with pytest.raises(SlackApiError) as caught:
        client.users_lookupByEmail(email="nobody@acme.test")
    assert caught.value.response["error"] == "users_not_found"


def test_signature_matches_the_slack_docs_test_vector() -> None:
    vector = json.loads((FIXTURES / "signing_test_vector.json").read_text())

    signature = slack_signature(
        vector["signing_secret"], vector["x_slack_request_timestamp"], vector["raw_body"]
    )

    assert signature == vector["x_slack_signature"]


class _Recorder(BaseHTTPRequestHandler):
    """Answers like a Bolt app: dispatches every POST to the app under test."""

    app: App

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
        headers = {name.lower(): [value] for name, value in self.headers.items()}
        response = self.app.dispatch(BoltRequest(body=body, headers=headers))
        payload = response.body.encode() if isinstance(response.body, str) else response.body
        self.send_response(response.status)
        for name, values in response.headers.items():
            for value in values:
                self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def bolt(api: SlackApiServer) -> Iterator[tuple[App, SlackClient]]:
    app = App(signing_secret=SECRET, client=WebClient(token="xoxb-test", base_url=api.url))
    handler = type("Handler", (_Recorder,), {"app": app})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.01})
    thread.start()
    host, port = httpd.server_address[:2]
    yield app, SlackClient(f"http://{host}:{port}", SECRET, response_url_base=api.response_url_base)
    httpd.shutdown()
    httpd.server_close()
    thread.join()


def test_slash_command_is_verified_and_routed(
    api: SlackApiServer, bolt: tuple[App, SlackClient]
) -> None:
    app, slack = bolt
    seen: list[dict[str, Any]] = []

    @app.command("/proc")
    def proc(ack: Any, command: dict[str, Any], respond: Any) -> None:
        seen.append(command)
        ack("on it")
        respond("done later")

    response = slack.slash_command("qualify REQ-1", user_id="U0ALICE01")

    assert response.status == 200
    assert response.text == "on it"
    assert seen[0]["text"] == "qualify REQ-1" and seen[0]["channel_id"] == CHANNEL
    assert seen[0]["trigger_id"] and seen[0]["response_url"].startswith(api.response_url_base)
    assert api.wait_for("response_url")[0].params["text"] == "done later"


def test_block_action_on_a_stored_message_reaches_its_listener(
    api: SlackApiServer, bolt: tuple[App, SlackClient], client: WebClient
) -> None:
    app, slack = bolt
    approve = {
        "type": "button",
        "action_id": "savings_approve",
        "text": {"type": "plain_text", "text": "Approve"},
        "value": '{"claim": 7}',
    }
    card = client.chat_postMessage(
        channel=CHANNEL,
        text="claim",
        blocks=[{"type": "actions", "block_id": "b", "elements": [approve]}],
    )

    @app.action("savings_approve")
    def on_approve(
        ack: Any, body: dict[str, Any], action: dict[str, Any], client: WebClient
    ) -> None:
        ack()
        client.chat_update(
            channel=body["channel"]["id"], ts=body["message"]["ts"], text=action["value"]
        )

    message = api.message(CHANNEL, card["ts"])
    response = slack.block_action(
        "savings_approve", None, "U0EM00001", CHANNEL, card["ts"], message=message
    )

    assert response.status == 200
    api.wait_for("chat.update")
    assert api.message(CHANNEL, card["ts"]).text == '{"claim": 7}'


def test_a_static_select_choice_is_posted_as_slack_posts_it(
    api: SlackApiServer, bolt: tuple[App, SlackClient], client: WebClient
) -> None:
    app, slack = bolt
    options = [
        {"text": {"type": "plain_text", "text": name}, "value": user}
        for name, user in (("Rohan Mehta", "U0ROHAN01"), ("Kavya Iyer", "U0KAVYA01"))
    ]
    picker = {
        "type": "static_select",
        "action_id": "card_assign",
        "placeholder": {"type": "plain_text", "text": "Assign to a buyer…"},
        "options": options,
    }
    card = client.chat_postMessage(
        channel=CHANNEL,
        text="REQ-3",
        blocks=[{"type": "actions", "block_id": "card_actions:3", "elements": [picker]}],
    )
    seen: list[dict[str, Any]] = []

    @app.action("card_assign")
    def on_pick(ack: Any, body: dict[str, Any]) -> None:
        seen.append(body)
        ack()

    message = api.message(CHANNEL, card["ts"])
    response = slack.block_action(
        "card_assign", "U0KAVYA01", "U0PRIYA01", CHANNEL, card["ts"], message=message
    )

    assert response.status == 200
    (body,) = seen
    (action,) = body["actions"]
    assert float(action.pop("action_ts")) > 0
    # What Slack sends for a choice in a static select: the option chosen, as the message
    # holds it, and the menu's placeholder; the block's state holds the choice too.
    stored = message.blocks[0]["elements"][0]
    assert action == {
        "action_id": "card_assign",
        "block_id": "card_actions:3",
        "selected_option": stored["options"][1],
        "placeholder": stored["placeholder"],
        "type": "static_select",
    }
    assert body["state"] == {
        "values": {
            "card_actions:3": {
                "card_assign": {"type": "static_select", "selected_option": stored["options"][1]}
            }
        }
    }
    assert body["container"] == {
        "type": "message",
        "message_ts": card["ts"],
        "channel_id": CHANNEL,
        "is_ephemeral": False,
    }
    assert body["message"] == message.to_api()


def test_a_message_shortcut_is_posted_with_the_fields_of_slacks_sample(
    api: SlackApiServer, bolt: tuple[App, SlackClient]
) -> None:
    app, slack = bolt
    parent = api.add_message(CHANNEL, "REQ-3 · Acme · Figma", "U0BOT0001")
    said = api.add_message(CHANNEL, "Vendor came back at 45k", "U0ROHAN01", thread_ts=parent.ts)
    seen: list[dict[str, Any]] = []

    @app.shortcut("log_as_update")
    def on_shortcut(ack: Any, body: dict[str, Any]) -> None:
        seen.append(body)
        ack()

    response = slack.message_shortcut("log_as_update", "U0ROHAN01", CHANNEL, said)

    assert response.status == 200
    (body,) = seen
    sample = load_fixture("message_shortcut.json")
    # Slack's sample's fields, in its order, then what a current app's payloads add.
    assert list(body) == [*sample, "api_app_id", "is_enterprise_install", "enterprise"]
    assert body["type"] == "message_action" and body["callback_id"] == "log_as_update"
    assert body["user"] == {"id": "U0ROHAN01", "name": "u0rohan01"}
    assert body["team"] == {"id": slack.team_id, "domain": slack.team_domain}
    assert body["channel"] == {"id": CHANNEL, "name": CHANNEL.lower()}
    assert body["message_ts"] == said.ts
    assert body["message"] == said.to_api()
    assert body["message"]["thread_ts"] == parent.ts
    assert body["trigger_id"].count(".") == 2
    assert body["response_url"].startswith(api.response_url_base + "actions/")


def test_view_submission_and_event_are_verified_and_routed(
    api: SlackApiServer, bolt: tuple[App, SlackClient]
) -> None:
    app, slack = bolt
    submitted: list[dict[str, Any]] = []
    retries: list[str] = []

    @app.view("intake")
    def on_submit(ack: Any, view: dict[str, Any]) -> None:
        submitted.append(view)
        ack()

    @app.event("app_mention")
    def on_mention(event: dict[str, Any], say: Any, request: BoltRequest) -> None:
        retries.extend(request.headers.get("x-slack-retry-num", []))
        say(text="noted", thread_ts=event["ts"])

    values = {"customer": {"customer": {"type": "plain_text_input", "value": "Acme"}}}
    answer = slack.view_submission("intake", values, "U0ALICE01", private_metadata='{"pod": 1}')
    mention = {"type": "app_mention", "user": "U0ALICE01", "text": "<@U0BOT0001> hi"}
    event = slack.event({**mention, "channel": CHANNEL, "ts": "1700000001.000100"}, retry_num=1)

    assert (answer.status, event.status) == (200, 200)
    assert submitted[0]["state"]["values"] == values
    assert submitted[0]["private_metadata"] == '{"pod": 1}'
    posted = api.wait_for("chat.postMessage")[0]
    assert posted.params["thread_ts"] == "1700000001.000100"
    assert retries == ["1"]


@pytest.mark.parametrize(
    ("timestamp", "signature", "omit"),
    [
        (None, "v0=" + "0" * 64, {}),
        (str(int(time.time()) - 600), None, {}),
        (None, None, {"omit_signature": True}),
        (None, None, {"omit_timestamp": True}),
    ],
    ids=["forged", "stale", "no-signature", "no-timestamp"],
)
def test_unsigned_or_forged_requests_are_refused(
    bolt: tuple[App, SlackClient], timestamp: str | None, signature: str | None, omit: dict
) -> None:
    _, slack = bolt
    body = json.dumps({"type": "event_callback", "event": {"type": "app_mention"}})

    response = slack.post_raw(body, "application/json", timestamp, signature, **omit)

    assert response.status == 401


def test_signed_body_verifies_with_slack_sdk(api: SlackApiServer) -> None:
    slack = SlackClient(api.origin, SECRET)
    body = "token=x&text=hi"
    ts = str(int(time.time()))

    assert SignatureVerifier(SECRET).is_valid(body, ts, slack.sign(body, ts))
    assert slack.get("/nowhere").status == 404
    assert WebhookClient(api.response_url_base + "commands/x").send(text="hi").status_code == 200
