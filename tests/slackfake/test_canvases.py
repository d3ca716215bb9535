"""The stand-in's canvases (issue 32), driven with slack_sdk as podbot drives Slack: shapes and
errors as Slack's method reference documents them."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackfake.web_api import SlackApiServer

ROOM = "C0CUSTOMER"


@pytest.fixture
def api() -> Iterator[SlackApiServer]:
    server = SlackApiServer(valid_tokens={"xoxb-test"})
    server.add_channel(ROOM)
    with server:
        yield server


@pytest.fixture
def client(api: SlackApiServer) -> WebClient:
    return WebClient(token="xoxb-test", base_url=api.url)


def md(text: str) -> dict[str, str]:
    return {"type": "markdown", "markdown": text}


def error_of(call: object) -> str:
    with pytest.raises(SlackApiError) as caught:
        call()  # type: ignore[operator]
    return str(caught.value.response["error"])


def test_a_channel_canvas_is_made_once_and_edited_by_sections(
    api: SlackApiServer, client: WebClient
) -> None:
    made = client.conversations_canvases_create(
        channel_id=ROOM, document_content=md("# Title\n\n## One\n- a\n\n## Two\n- b\n")
    )
    canvas = str(made["canvas_id"])
    again = lambda: client.conversations_canvases_create(channel_id=ROOM, document_content=md("x"))  # noqa: E731
    assert error_of(again) == "channel_canvas_already_exists"
    info = client.conversations_info(channel=ROOM)
    assert info["channel"]["properties"]["canvas"]["file_id"] == canvas
    found = client.canvases_sections_lookup(
        canvas_id=canvas, criteria={"section_types": ["h2"], "contains_text": "Two"}
    )
    [section] = found["sections"]
    client.canvases_edit(
        canvas_id=canvas,
        changes=[
            {
                "operation": "replace",
                "section_id": section["id"],
                "document_content": md("## Two\n- c\n"),
            }
        ],
    )
    assert api.canvas_markdown(ROOM) == "# Title\n\n## One\n- a\n\n## Two\n- c\n"
    at_end = {"operation": "insert_at_end", "document_content": md("## Three\n")}
    client.canvases_edit(canvas_id=canvas, changes=[at_end])
    assert str(api.canvas_markdown(ROOM)).endswith("## Three\n")
    client.canvases_edit(
        canvas_id=canvas, changes=[{"operation": "replace", "document_content": md("all new")}]
    )
    assert api.canvas_markdown(ROOM) == "all new"


def test_malformed_edits_and_deleted_canvases_are_refused_as_slack_does(
    api: SlackApiServer, client: WebClient
) -> None:
    made = client.conversations_canvases_create(channel_id=ROOM, document_content=md("# T\n"))
    canvas = str(made["canvas_id"])
    bad = [
        [],  # no change
        [{"operation": "rename", "document_content": md("x")}],  # not an operation
        [{"operation": "delete"}],  # delete needs a section
        [{"operation": "insert_after", "document_content": md("x")}],  # so does insert_after
        [{"operation": "replace", "document_content": {"type": "html", "markdown": "x"}}],
        [{"operation": "replace"}],  # replace needs content
    ]
    for changes in bad:
        assert error_of(lambda c=changes: client.canvases_edit(canvas_id=canvas, changes=c)) == (
            "invalid_arguments"
        ), changes
    api.delete_canvas_as_person(ROOM)
    edit = lambda: client.canvases_edit(  # noqa: E731
        canvas_id=canvas, changes=[{"operation": "replace", "document_content": md("x")}]
    )
    assert error_of(edit) == "canvas_not_found"
    assert api.canvas_markdown(ROOM) is None
    # A deleted channel canvas may be made again.
    client.conversations_canvases_create(channel_id=ROOM, document_content=md("back"))
    assert api.canvas_markdown(ROOM) == "back"


def test_a_plan_without_canvases_and_the_scope_are_answered(
    api: SlackApiServer, client: WebClient
) -> None:
    api.limit_canvases(ROOM)
    make = lambda: client.conversations_canvases_create(channel_id=ROOM, document_content=md("x"))  # noqa: E731
    assert error_of(make) == "team_tier_cannot_create_channel_canvases"
    api.set_scopes(["chat:write"])
    assert error_of(make) == "missing_scope"


def test_slack_connect_members_are_listed(api: SlackApiServer, client: WebClient) -> None:
    api.add_member(ROOM, "U0CUST0001", external=True)
    api.add_member(ROOM, "U0ANA0001")
    assert client.conversations_members(channel=ROOM)["members"] == ["U0CUST0001", "U0ANA0001"]
