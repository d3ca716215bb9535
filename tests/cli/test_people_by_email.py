"""Issue 29 item 5: people by email where people type them. The config's members and an
import's buyers and analysts may be emails, resolved with users.lookupByEmail (the manifest asks
for users:read.email); `podbot import requests --check` reads a file with no Slack, token or
database and says what would be imported."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.config import Settings, parse_config
from bot.db.models import Request
from bot.manifest import BOT_SCOPES
from bot.runtime import build_runtime
from slackfake.web_api import SlackApiServer
from tests.conftest import TEST_CONFIG, RunningBot
from tests.helpers.commandline import ROOT, run_in_process
from tests.helpers.import_requests import HEADER
from tests.helpers.imports import csv_file
from tests.jobs.conftest import podbot_env

CONFIG = """\
[[pods]]
key = "london"
name = "POD London"
channel = "C07LONDON"
members = { "Ada@Acme.test" = "em", U07BUY001 = "buyer", "nobody@acme.test" = "analyst" }
fallback_approvers = ["blaise@acme.test"]
"""


def test_config_members_and_fallback_approvers_may_be_emails() -> None:
    config = parse_config(CONFIG, "podbot.toml")
    (pod,) = config.pods
    assert dict(pod.members) == {
        "ada@acme.test": "em", "U07BUY001": "buyer", "nobody@acme.test": "analyst",
    }  # fmt: skip
    assert config.emails() == ["ada@acme.test", "nobody@acme.test", "blaise@acme.test"]
    resolved = config.with_people({"ada@acme.test": "U07EM0001", "blaise@acme.test": "U07EM0002"})
    assert dict(resolved.pods[0].members) == {"U07EM0001": "em", "U07BUY001": "buyer"}
    assert resolved.pods[0].fallback_approvers == ("U07EM0002",)


def test_a_member_of_the_wrong_shape_says_id_or_email() -> None:
    from bot.config import ConfigError

    with pytest.raises(ConfigError) as caught:
        parse_config(CONFIG.replace('"Ada@Acme.test"', "ada"), "podbot.toml")
    assert caught.value.errors == [
        'pods[0].members.ada (line 5): "ada" is not a Slack user id (U or W, then capitals and '
        'digits, like "U024BE7LH") or an email'
    ]


def test_a_process_starts_with_each_email_resolved_and_says_which_it_cannot_find(
    tmp_path: Path, sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "podbot.toml"
    path.write_text(CONFIG)
    with SlackApiServer(valid_tokens={"xoxb-live"}) as api:
        api.add_user("U07EM0001", real_name="Ada Lovelace", email="ada@acme.test")
        api.add_user("U07EM0002", real_name="Blaise Pascal", email="Blaise@acme.test")
        settings = Settings(bot_token="xoxb-live", api_url=api.url, database_url=sqlite_url)
        caplog.set_level(logging.WARNING, logger="bot.runtime")
        runtime = build_runtime(parse_config(CONFIG, path), settings)
        runtime.db.dispose()
        looked_up = [call.params["email"] for call in api.calls_to("users.lookupByEmail")]
    (pod,) = runtime.config.pods
    assert dict(pod.members) == {"U07EM0001": "em", "U07BUY001": "buyer"}
    assert pod.fallback_approvers == ("U07EM0002",)
    assert looked_up == ["ada@acme.test", "nobody@acme.test", "blaise@acme.test"]
    (warning,) = [r.getMessage() for r in caplog.records if r.name == "bot.runtime"]
    assert (
        warning.startswith("nobody@acme.test (")
        and "left out: Slack found no member with this email (users_not_found)" in warning
    )


def test_doctor_names_who_an_email_is_and_which_slack_does_not_know(
    tmp_path: Path,
    sqlite_url: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = tmp_path / "podbot.toml"
    path.write_text(CONFIG)
    with SlackApiServer(valid_tokens={"xoxb-live"}) as api:
        api.add_channel("C07LONDON", "pod-london")
        api.add_user("U07EM0001", real_name="Ada Lovelace", display_name="", email="ada@acme.test")
        api.add_user(
            "U07EM0002", real_name="Blaise Pascal", display_name="", email="blaise@acme.test"
        )
        api.add_user("U07BUY001", real_name="Charles Babbage", display_name="")
        for name, value in {
            "SLACK_BOT_TOKEN": "xoxb-live", "SLACK_SIGNING_SECRET": "s",
            "SLACK_API_URL": api.url, "DATABASE_URL": sqlite_url,
        }.items():  # fmt: skip
            monkeypatch.setenv(name, value)
        assert main(["doctor", "--config", str(path)]) == 1
        out = capsys.readouterr().out.splitlines()
        api.set_scopes(s for s in BOT_SCOPES if s != "users:read.email")
        assert main(["doctor", "--config", str(path)]) == 1
        scopeless = capsys.readouterr().out
    assert "  ok   ada@acme.test → U07EM0001 Ada Lovelace: em of london" in out
    assert "  ok   blaise@acme.test → U07EM0002 Blaise Pascal: fallback approver of london" in out
    assert [line for line in out if line.startswith("  FIX")] == [
        "  FIX  pods[0].members.nobody@acme.test (line 5): Slack has no member with the email "
        "nobody@acme.test (analyst of london): check the address (the one in their Slack "
        "profile), or put their member id there"
    ]
    assert (
        "  FIX  the token lacks the users:read.email scope, for members given by their email"
        in scopeless
    )
    assert "ada@acme.test (em of london) not checked: the token lacks users:read.email" in scopeless


def test_check_reads_a_file_without_slack_token_or_database(tmp_path: Path) -> None:
    good = csv_file(
        tmp_path / "tracker.csv", HEADER,
        "T-1,alpha,Acme Corp,Figma,renewal,negotiating,rohan@acme.test,U0ANA0001,2026-10-05,"
        "2026-10-07,48k,2027-01-31,,,",
        "T-2,beta,Hooli,Jira,new,intake,,,2026-11-19,,EUR 5k,,,,",
    )  # fmt: skip
    env = {"PODBOT_CONFIG": str(TEST_CONFIG), "DATABASE_URL": f"sqlite:///{tmp_path / 'no.db'}"}
    result = run_in_process(["import", "requests", "--check", str(good)], env, ROOT)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        f"{good}: 2 requests would be imported (checked without Slack):",
        "  line 2: T-1 → alpha · Acme Corp · Figma · renewal · negotiating · buyer "
        "rohan@acme.test · analyst U0ANA0001",
        "  line 3: T-2 → beta · Hooli · Jira · new · intake",
        "By POD: alpha 1, beta 1.",
        "Looked up in Slack when imported (and refused then if no member has the address, or "
        "their role is wrong): rohan@acme.test.",
        f"External ids imported before are left as they are: `podbot import requests {good}`.",
    ]
    assert not (tmp_path / "no.db").exists()

    bad = csv_file(
        tmp_path / "bad.csv", HEADER,
        "T-1,alpha,Acme Corp,Figma,renewal,intake,,,2026-10-05,,48k,2027-02-30,,,",
        "T-1,alpha,Globex,Slack,new,qualified,,U0BUY0001,05/10/2026,,lots,,,,",
    )  # fmt: skip
    result = run_in_process(["import", "requests", "--check", str(bad)], env, ROOT)
    assert result.returncode == 1
    err = result.stderr.splitlines()
    assert err[0] == f"{bad}: 2 bad rows; nothing would be imported"
    assert any("line 2: renewal_date `2027-02-30`" in line for line in err)
    assert "  line 3: analyst U0BUY0001 is not analyst or em of POD alpha." in err
    assert any("line 3: created `05/10/2026` is not YYYY-MM-DD" in line for line in err)
    assert any("line 3: current_spend: `lots` is not an amount" in line for line in err)
    assert "  line 3: external_id T-1 is already on line 2." in err


def test_an_import_resolves_emails_and_refuses_one_slack_does_not_know(
    bot: RunningBot, tmp_path: Path
) -> None:
    bot.api.add_user("U0BUY0001", real_name="Rohan Mehta", email="rohan@acme.test")
    bot.api.add_user("U0ANA0001", real_name="Priya Nair", email="priya@acme.test")
    unknown = csv_file(
        tmp_path / "one.csv", HEADER,
        "T-1,alpha,Acme Corp,Figma,renewal,negotiating,ROHAN@acme.test,nobody@acme.test,"
        "2026-10-05,2026-10-07,48k,2027-01-31,,,",
    )  # fmt: skip
    result = run_in_process(["import", "requests", str(unknown)], podbot_env(bot), ROOT)
    assert result.returncode == 1
    lines = result.stderr.splitlines()
    assert f"{unknown}: 1 bad row; nothing was imported" in lines
    assert "  line 2: analyst nobody@acme.test: Slack has no member with this email." in lines

    fixed = csv_file(tmp_path / "two.csv", HEADER, unknown.read_text().splitlines()[1].replace(
        "nobody@acme.test", "priya@acme.test"))  # fmt: skip
    result = run_in_process(["import", "requests", str(fixed)], podbot_env(bot), ROOT)
    assert result.returncode == 0, result.stderr
    with bot.db.reading() as session:
        (request,) = session.scalars(select(Request)).all()
        assert (request.buyer_id, request.analyst_id) == ("U0BUY0001", "U0ANA0001")
