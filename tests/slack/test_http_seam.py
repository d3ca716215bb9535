"""podbot's HTTP seam in front of Bolt (`bot/server.py`): what reaches `/slack/events` is capped
while it is read, its signature checked on the raw bytes before anything parses it, and a
malformed body is a 400 with one log line. A form body is an interactivity payload only when
its field is named `payload` (Bolt 1.30 takes any body containing the word for one).
"""

from __future__ import annotations

import contextlib
import json
import logging
import socket
import threading
from urllib.parse import urlencode, urlsplit

import pytest

from bot.server import MAX_BODY_BYTES
from tests.commands.conftest import ANALYST, BUYER, EM, Proc
from tests.conftest import RunningBot
from tests.helpers.modals import opened_view, submit

# --- the word "payload" -------------------------------------------------------------------


def test_a_command_whose_text_says_payload_is_answered(bot: RunningBot, proc: Proc) -> None:
    proc(ANALYST, "new Acme | Figma | new")
    proc(ANALYST, "qualify 1")
    proc(ANALYST, f"assign 1 <@{BUYER}>")
    answer = proc(BUYER, "update REQ-1 Vendor sent the payload schema for the SSO add-on")
    assert answer.startswith("Update posted"), answer
    assert any("payload schema" in m.text for m in proc.thread(1))


@pytest.mark.parametrize("field", ["user_name", "channel_name", "team_domain"])
def test_the_word_in_a_user_channel_or_team_name_changes_nothing(
    bot: RunningBot, field: str
) -> None:
    response = bot.slack.slash_command("help", user_id=ANALYST, **{field: "payload-team"})
    assert response.status == 200
    assert response.json()["response_type"] == "ephemeral"


def test_the_word_in_a_modal_field_is_kept(bot: RunningBot, proc: Proc) -> None:
    proc(ANALYST, "new Acme | Figma | new")
    proc(ANALYST, "qualify 1")
    proc(ANALYST, f"assign 1 <@{BUYER}>")
    assert proc(BUYER, "update REQ-1") == "Opening the update form for REQ-1…"
    _, view = opened_view(bot)
    answers = {"status": "payload=1 and the payload schema", "next_step": "send payload"}
    assert submit(bot, BUYER, view, answers) is None
    assert "*Status:* payload=1 and the payload schema" in proc.thread(1)[-1].text


# --- size and signature before parsing -----------------------------------------------------


def _raw_post(
    url: str, head: bytes, body_chunks: list[bytes], sent: threading.Event | None = None
) -> bytes:
    """Send an HTTP request by hand (to send a huge or chunked body); the answer's bytes."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=30) as sock:
        sock.sendall(head)
        try:
            for chunk in body_chunks:
                sock.sendall(chunk)
        except OSError:  # the server answered and closed before the body was all sent
            pass
        if sent is not None:
            sent.set()
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_WR)
        answer = b""
        while True:
            try:
                data = sock.recv(65536)
            except OSError:
                break
            if not data:
                break
            answer += data
    return answer


def test_a_12_mib_unsigned_body_is_refused_before_it_is_read(bot: RunningBot) -> None:
    size = 12 * 1024 * 1024
    head = (
        f"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-"
        f"urlencoded\r\nContent-Length: {size}\r\nConnection: close\r\n\r\n"
    ).encode()
    answer = _raw_post(bot.url, head, [b"a" * 65536] * 4)  # 256 KiB of it, then we stop
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_a_chunked_body_over_the_cap_is_refused_while_it_is_read(bot: RunningBot) -> None:
    head = (
        b"POST /slack/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    )
    piece = b"x" * 65536
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"
    answer = _raw_post(bot.url, head, [chunk] * (MAX_BODY_BYTES // len(piece) + 2) + [b"0\r\n\r\n"])
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]


def test_an_unsigned_malformed_body_is_a_401_not_a_parse(
    bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        response = bot.slack.post_raw(b"{not json", omit_signature=True)
    assert response.status == 401
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


@pytest.mark.parametrize(
    ("body", "content_type", "reason"),
    [
        (b"{not json", "application/json", "not valid JSON"),
        (b"[1, 2, 3]", "application/json", "not a JSON object"),
        (b"\xff\xfe\x00bad", "application/x-www-form-urlencoded", "not UTF-8"),
        (b"[" * 100_000 + b"]" * 100_000, "application/json", "nested too deeply"),
        (
            urlencode({"payload": "{oops"}).encode(),
            "application/x-www-form-urlencoded",
            "not valid JSON",
        ),
        (
            urlencode({"payload": '"a string"'}).encode(),
            "application/x-www-form-urlencoded",
            "not a JSON object",
        ),
    ],
    ids=["invalid-json", "json-list", "bad-utf8", "deep-nesting", "bad-payload", "payload-str"],
)
def test_a_signed_malformed_body_is_a_400_with_one_log_line(
    bot: RunningBot,
    caplog: pytest.LogCaptureFixture,
    body: bytes,
    content_type: str,
    reason: str,
) -> None:
    calls = len(bot.api.calls)
    with caplog.at_level(logging.WARNING):
        response = bot.slack.post_raw(body, content_type)
    assert response.status == 400, response.text
    assert reason in json.loads(response.text)["error"]
    lines = [r for r in caplog.records if r.name == "bot.server"]
    assert len(lines) == 1 and lines[0].levelno == logging.WARNING and reason in lines[0].message
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    bot.wait_idle()
    assert bot.api.calls[calls:] == []


def test_a_well_signed_help_still_acks_while_garbage_streams_in(bot: RunningBot) -> None:
    # Twenty threads send garbage (unsigned, oversized, malformed) while a user types help.
    stop = threading.Event()

    def garbage() -> None:
        while not stop.is_set():
            bot.slack.post_raw(b"x" * 1000, "application/json", omit_signature=True)

    threads = [threading.Thread(target=garbage) for _ in range(4)]
    for thread in threads:
        thread.start()
    try:
        answers = [bot.slack.slash_command("help", user_id=EM) for _ in range(10)]
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=10)
    assert all(a.status == 200 and a.json()["response_type"] == "ephemeral" for a in answers)


@pytest.fixture
def proc(bot: RunningBot) -> Proc:
    return Proc(bot)
