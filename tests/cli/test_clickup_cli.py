"""Issue 31: the ClickUp verbs as an operator types them — `podbot doctor` names the missing
webhook, `podbot clickup webhook create|list|delete`, `podbot import clickup --list ID
[--check]` (a bad task named, nothing imported; then imported once)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from clickupfake.api import ClickUpApiServer
from slackfake.web_api import SlackApiServer
from tests.clickup.conftest import DANA, LIST, REQ_FIELD, TOKEN, make_clickup
from tests.conftest import BOT_TOKEN, TEST_CONFIG

CLICKUP = (
    'clickup = { list_id = "901", req_field = "cf-req-key", '
    'statuses = { intake = "to do", negotiating = "in progress", closed-won = "complete" } }\n'
)


def test_doctor_webhooks_and_the_import_from_the_command_line(
    slack_api: SlackApiServer,
    tmp_path: Path,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = TEST_CONFIG.read_text(encoding="utf-8")
    head, sep, tail = text.partition('key = "beta"')
    head = head.replace("members = { U0EM00001", CLICKUP + "members = { U0EM00001")
    config = tmp_path / "podbot.toml"
    config.write_text(head + sep + tail + '\n[clickup]\nworkspace_id = "9001"\n')
    with make_clickup() as clickup:
        for name, value in {
            "SLACK_BOT_TOKEN": BOT_TOKEN, "SLACK_SIGNING_SECRET": "shh",
            "SLACK_API_URL": slack_api.url, "DATABASE_URL": sqlite_url,
            "CLICKUP_TOKEN": TOKEN, "CLICKUP_API_URL": clickup.url,
        }.items():  # fmt: skip
            monkeypatch.setenv(name, value)
        _run(config, clickup, capsys)


def _cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    status = main(args)
    out, err = capsys.readouterr()
    return status, out, err


def _run(config: Path, clickup: ClickUpApiServer, capsys: pytest.CaptureFixture[str]) -> None:
    where = ["--config", str(config)]
    status, out, _ = _cli(["doctor", *where], capsys)
    assert status == 1
    assert "  FIX  alpha: no active ClickUp webhook on list 901" in out
    assert "  ok   ClickUp token: podbot" in out

    status, out, _ = _cli(
        ["clickup", "webhook", "create", "--list", LIST, "--endpoint",
         "https://podbot.example/clickup/webhook", *where],
        capsys,
    )  # fmt: skip
    assert status == 0, out
    (hook,) = clickup.webhooks()
    assert (
        f"Its secret (stored in podbot's database, which verifies each event): {hook['secret']}"
        in out
    )
    status, out, _ = _cli(["clickup", "webhook", "list", *where], capsys)
    assert status == 0 and f"{hook['id']}  list 901  active" in out and "podbot's" in out
    status, out, _ = _cli(["doctor", *where], capsys)
    assert "ClickUp webhook" not in out

    good = [clickup.add_task(LIST, f"Customer {n} · Tool {n}")["id"] for n in (1, 2)]
    bad = clickup.add_task(LIST, "Just a name")["id"]
    check = ["import", "clickup", "--list", LIST, "--check", *where]
    status, out, err = _cli(check, capsys)
    assert status == 1
    assert f'  task {bad} (Just a name): its name is not "Customer · Tool"' in err
    assert "1 bad task; nothing would be imported" in err
    clickup.delete_task_as(bad, DANA)
    status, out, _ = _cli(check, capsys)
    assert status == 0 and "2 tasks would be imported" in out
    run = ["import", "clickup", "--list", LIST, "--wait", "20", *where]
    status, out, _ = _cli(run, capsys)
    assert status == 0 and "Imported list 901: 2 new, 0 unchanged." in out
    for task in good:
        fields = clickup.task(task)["custom_fields"]
        assert next(f.get("value") for f in fields if f["id"] == REQ_FIELD).startswith("REQ-")
    status, out, _ = _cli(run, capsys)
    assert status == 0 and "Imported list 901: 0 new, 2 unchanged." in out

    status, out, _ = _cli(["clickup", "webhook", "delete", hook["id"], *where], capsys)
    assert status == 0 and clickup.webhooks() == []
