"""SPEC §6: the config file is validated at start; each problem names the key and its line."""

from __future__ import annotations

import re
from datetime import date, time
from decimal import Decimal
from pathlib import Path

import pytest

from bot.cli import main
from bot.config import (
    EXAMPLE_IDS,
    ConfigError,
    MissingSetting,
    Settings,
    load_config,
    parse_config,
)

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "config" / "podbot.example.toml"

SPEC_EXAMPLE = """
[defaults]
timezone = "America/New_York"
workdays = ["mon", "tue", "wed", "thu", "fri"]
currency = "USD"
fiscal_year_start_month = 1

[clocks]
qualification_hours = 24        # working hours
update_hours = 24               # working hours
response_hours = 24             # working hours
tat_days = { new = 15, renewal = 60 }   # calendar days

[schedule]
aging_report = "09:00"
renewal_calendar_days_before = 28

[[pods]]
key = "alpha"
name = "POD Alpha"
channel = "C0ALPHA01"
timezone = "Asia/Kolkata"       # overrides defaults
holidays = ["2026-12-25"]
members = { U0EM00001 = "em", U0BUY0001 = "buyer", U0ANA0001 = "analyst" }
"""


def errors_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "podbot.toml")
    return caught.value.errors


def test_the_spec_example_is_valid_and_typed() -> None:
    config = parse_config(SPEC_EXAMPLE)
    pod = config.pod("alpha")
    assert pod.timezone == "Asia/Kolkata"
    assert pod.workdays == ("mon", "tue", "wed", "thu", "fri")
    assert pod.holidays == (date(2026, 12, 25),)
    assert pod.role_of("U0EM00001") == "em"
    assert pod.members_with("buyer") == ["U0BUY0001"]
    assert config.clocks.tat_days == {"new": 15, "renewal": 60}
    assert config.schedule.aging_report == time(9, 0)
    assert config.slack.command == "/proc"
    assert pod.calendar.is_working_day(date(2026, 12, 24))
    assert not pod.calendar.is_working_day(date(2026, 12, 25))


def test_the_shipped_example_is_valid() -> None:
    config = load_config(EXAMPLE)
    assert [p.key for p in config.pods] == ["alpha", "beta"]


def test_sections_other_than_pods_are_optional() -> None:
    config = parse_config('[[pods]]\nkey = "a"\nchannel = "C0A0000001"\n')
    assert config.pods[0].timezone == "America/New_York"
    assert config.clocks.qualification_hours == 24


def test_a_user_in_several_pods_has_one_role_in_each() -> None:
    config = load_config(ROOT / "tests" / "fixtures" / "podbot.test.toml")
    roles = [(pod.key, role) for pod, role in config.memberships("U0BUY0001")]
    assert roles == [("alpha", "buyer"), ("beta", "analyst")]


@pytest.mark.parametrize(
    ("edit", "key", "line", "says"),
    [
        (
            ('currency = "USD"', 'currency = "USD"\ncolour = "blue"'),
            "defaults.colour",
            6,
            "unknown key",
        ),
        (('"Asia/Kolkata"', '"Asia/Kolkatta"'), "pods[0].timezone", 22, "not a known time zone"),
        (('"thu", "fri"]', '"thu", "fry"]'), "defaults.workdays", 4, '"fry" is not a weekday'),
        (("U0BUY0001 =", "bob ="), "pods[0].members.bob", 24, "not a Slack user id"),
        (
            ('"analyst" }', '"boss" }'),
            "pods[0].members.U0ANA0001",
            24,
            'role "boss" does not exist',
        ),
        (
            ('aging_report = "09:00"', 'aging_report = "9am"'),
            "schedule.aging_report",
            15,
            "time of day",
        ),
        (("new = 15", "new = -1"), "clocks.tat_days.new", 12, "whole number"),
        (('"2026-12-25"', '"2026-13-25"'), "pods[0].holidays", 23, "not a date"),
        (('channel = "C0ALPHA01"', 'channel = "#alpha"'), "pods[0].channel", 21, "channel id"),
    ],
)
def test_each_bad_value_is_named_with_its_line(
    edit: tuple[str, str], key: str, line: int, says: str
) -> None:
    errors = errors_of(SPEC_EXAMPLE.replace(*edit))
    assert len(errors) == 1, errors
    assert errors[0].startswith(f"{key} (line {line}): ")
    assert says in errors[0]


def test_duplicate_pod_keys_and_channels_are_refused() -> None:
    second = SPEC_EXAMPLE.split("[[pods]]")[1]
    errors = errors_of(SPEC_EXAMPLE + "\n[[pods]]" + second)
    assert any(e.startswith("pods[1].key (line 27)") and "duplicate pod key" in e for e in errors)
    assert any(
        e.startswith("pods[1].channel (line 29)") and "duplicate channel" in e for e in errors
    )


def test_every_problem_is_reported_at_once() -> None:
    broken = SPEC_EXAMPLE.replace('"Asia/Kolkata"', '"Nowhere/Land"').replace('"em"', '"chief"')
    errors = errors_of(broken)
    assert [e.split(" ")[0] for e in errors] == ["pods[0].timezone", "pods[0].members.U0EM00001"]


def test_toml_syntax_errors_give_the_line() -> None:
    errors = errors_of(SPEC_EXAMPLE.replace('name = "POD Alpha"', 'name = "POD Alpha'))
    assert "not valid TOML" in errors[0] and "line 20" in errors[0]


def test_a_missing_file_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "nope.toml")
    assert "podbot.example.toml" in str(caught.value)


def _own_ids(text: str) -> str:
    """The example with every placeholder id replaced by one of a real-looking workspace."""
    for n, placeholder in enumerate(sorted(EXAMPLE_IDS)):
        text = text.replace(placeholder, f"{placeholder[0]}07Q{n:02d}XYZ")
    return text


def test_config_check_prints_ok(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    mine = tmp_path / "podbot.toml"
    mine.write_text(_own_ids(EXAMPLE.read_text()))
    assert main(["config", "check", "--config", str(mine)]) == 0
    assert capsys.readouterr().out.startswith(f"OK: {mine}")


def test_the_example_ids_are_the_placeholders_config_check_refuses() -> None:
    ids = set(re.findall(r"\b[CGUW]0[A-Z0-9]{7}\b", EXAMPLE.read_text()))
    assert ids == EXAMPLE_IDS


def test_config_check_refuses_the_example_placeholders_naming_key_and_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["config", "check", "--config", str(EXAMPLE)]) == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"{EXAMPLE}: 10 problems"
    lines = EXAMPLE.read_text().splitlines()

    def line_of(text: str, nth: int = 0) -> int:
        return [n for n, line in enumerate(lines, 1) if text in line][nth]

    assert err[1] == (
        f'  pods[0].channel (line {line_of("C0ALPHA01")}): "C0ALPHA01" is the example '
        "config's placeholder, not your POD's channel: put the real id there (the channel's "
        "details, at the bottom)"
    )
    assert err[2].endswith(
        '"U0EM00001" is the example config\'s placeholder, not a person in your workspace: put '
        "the real id there (their profile → ⋯ → Copy member ID, or their email)"
    )
    assert err[2].startswith(f"  pods[0].members.U0EM00001 (line {line_of('U0EM00001 =')}): ")
    assert f"pods[0].fallback_approvers (line {line_of('fallback_approvers =')})" in err[5]
    assert err[6].startswith(f'  pods[1].channel (line {line_of("C0BETA001")}): "C0BETA001"')
    assert err[-1].startswith(f"  pods[1].members.U0CSM0001 (line {line_of('U0CSM0001')}): ")


def test_ids_of_the_wrong_shape_are_refused_naming_key_and_line() -> None:
    text = _own_ids(EXAMPLE.read_text())
    wrong = text.replace(f'channel = "{_own_ids("C0ALPHA01")}"', 'channel = "#pod-alpha"', 1)
    errors = errors_of(wrong)
    line = next(n for n, t in enumerate(wrong.splitlines(), 1) if "#pod-alpha" in t)
    assert errors == [
        f'pods[0].channel (line {line}): "#pod-alpha" is not a Slack channel id (C or G, then '
        'capitals and digits, like "C024BE91L"; not the #name)'
    ]


def test_config_check_names_the_broken_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = tmp_path / "podbot.toml"
    broken.write_text(EXAMPLE.read_text().replace('"Asia/Kolkata"', '"Asia/Atlantis"'))
    monkeypatch.setenv("PODBOT_CONFIG", str(broken))
    assert main(["config", "check"]) == 1
    err = capsys.readouterr().err
    # The line of the first POD's time zone in the example, wherever keys above it move it.
    lines = EXAMPLE.read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if 'timezone = "Asia/Kolkata"' in text)
    assert f"pods[0].timezone (line {line})" in err and "Asia/Atlantis" in err


def test_environment_defaults_follow_the_spec(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    settings = Settings.from_env({})
    assert settings.api_url == "https://slack.com/api/"
    assert settings.port == 3000
    assert settings.database_url == f"sqlite:///{tmp_path / 'podbot.db'}"
    custom = Settings.from_env({"SLACK_API_URL": "http://127.0.0.1:9/api", "PORT": "8080"})
    assert custom.api_url == "http://127.0.0.1:9/api/"
    assert custom.port == 8080


def test_the_listener_limits_have_defaults_and_refuse_nonsense(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    defaults = Settings.from_env({})
    assert (defaults.header_timeout, defaults.body_timeout) == (5, 5)
    assert defaults.max_connections is None  # from the process's descriptor limit
    custom = Settings.from_env(
        {
            "PODBOT_HEADER_TIMEOUT": "2.5",
            "PODBOT_BODY_TIMEOUT": "10",
            "PODBOT_MAX_CONNECTIONS": "400",
        }
    )
    assert (custom.header_timeout, custom.body_timeout, custom.max_connections) == (2.5, 10, 400)
    for name, bad in [
        ("PODBOT_HEADER_TIMEOUT", "0"),
        ("PODBOT_HEADER_TIMEOUT", "inf"),
        ("PODBOT_BODY_TIMEOUT", "soon"),
        ("PODBOT_MAX_CONNECTIONS", "0"),
        ("PODBOT_MAX_CONNECTIONS", "1.5"),
    ]:
        with pytest.raises(MissingSetting, match=f"^{name} must be .*, not '{bad}'"):
            Settings.from_env({name: bad})


def test_retention_has_defaults_and_takes_its_section() -> None:
    assert parse_config(SPEC_EXAMPLE).retention.processed_events_days == 7
    assert parse_config(SPEC_EXAMPLE).retention.delivered_days == 30
    text = SPEC_EXAMPLE + "\n[retention]\nprocessed_events_days = 2\ndelivered_days = 90\n"
    retention = parse_config(text).retention
    assert (retention.processed_events_days, retention.delivered_days) == (2, 90)


def test_bad_retention_values_are_named() -> None:
    text = SPEC_EXAMPLE + "\n[retention]\ndelivered_days = 0\nforever = true\n"
    errors = errors_of(text)
    assert any(e.startswith("retention.delivered_days (line 27): ") for e in errors), errors
    assert any(e.startswith("retention.forever") and "unknown key" in e for e in errors), errors


def test_escalating_outsiders_mentions_is_off_unless_set_and_must_be_true_or_false() -> None:
    assert parse_config(SPEC_EXAMPLE).reminders.escalate_outsider_mentions is False
    text = SPEC_EXAMPLE + "\n[reminders]\nescalate_outsider_mentions = true\n"
    assert parse_config(text).reminders.escalate_outsider_mentions is True
    (error,) = errors_of(SPEC_EXAMPLE + '\n[reminders]\nescalate_outsider_mentions = "yes"\n')
    assert error == "reminders.escalate_outsider_mentions (line 27): must be true or false"


def test_office_hours_default_and_validated() -> None:
    from bot.domain.reminders import OfficeHours

    assert parse_config(SPEC_EXAMPLE, Path("x.toml")).schedule.office_hours == OfficeHours(
        time(9, 0), time(18, 0)
    )
    custom = SPEC_EXAMPLE.replace(
        "renewal_calendar_days_before = 28",
        'renewal_calendar_days_before = 28\noffice_hours = "08:30-17:00"',
    )
    assert parse_config(custom, Path("x.toml")).schedule.office_hours == OfficeHours(
        time(8, 30), time(17, 0)
    )
    bad = SPEC_EXAMPLE.replace(
        "renewal_calendar_days_before = 28",
        'renewal_calendar_days_before = 28\noffice_hours = "18:00-09:00"',
    )
    (error,) = errors_of(bad)
    assert error.startswith("schedule.office_hours") and "must end after it starts" in error


def test_fallback_approvers_are_user_ids_and_not_the_pods_own_ems() -> None:
    base = """
[[pods]]
key = "alpha"
channel = "C0ALPHA01"
members = { U0EM00001 = "em", U0BUY0001 = "buyer" }
"""
    assert parse_config(base).pods[0].fallback_approvers == ()
    good = base + 'fallback_approvers = ["U0EM00002", "U0BOSS001"]\n'
    assert parse_config(good).pods[0].fallback_approvers == ("U0EM00002", "U0BOSS001")
    for value, says in [
        ('"U0EM00002"', "must be a list of Slack user ids"),
        ('["nobody"]', '"nobody" is not a Slack user id'),
        ('["U0EM00002", "U0EM00002"]', "listed twice"),
        ('["U0EM00001"]', '"U0EM00001" is an em of this POD'),
    ]:
        with pytest.raises(ConfigError) as raised:
            parse_config(base + f"fallback_approvers = {value}\n")
        (error,) = raised.value.errors
        assert error.startswith("pods[0].fallback_approvers (line 6): ") and says in error, error


def test_approval_rules_are_amounts_in_the_pods_currency_and_user_ids() -> None:
    base = """
[[pods]]
key = "alpha"
channel = "C0ALPHA01"
currency = "EUR"
members = { U0EM00001 = "em", U0BUY0001 = "buyer" }
"""
    assert parse_config(base).pods[0].approval_rules == ()
    good = base + 'approval_rules = [{ above = "50k", then = ["U0HEAD001", "U0CFO0001"] }]\n'
    (rule,) = parse_config(good).pods[0].approval_rules
    assert (rule.above, rule.then) == (Decimal("50000"), ("U0HEAD001", "U0CFO0001"))
    for value, key, says in [
        ('{ above = "50k" }', "approval_rules", "must be a list of tables"),
        ('[{ above = "lots", then = ["U0HEAD001"] }]', "approval_rules[0].above", "not an amount"),
        ('[{ above = "$50k", then = ["U0HEAD001"] }]', "approval_rules[0].above", "EUR"),
        ('[{ above = "50k", then = [] }]', "approval_rules[0].then", "must be a list"),
        ('[{ above = "50k", then = ["U0EM00001"] }]', "approval_rules[0].then", "is an em"),
        ('[{ above = "50k", then = ["x"] }]', "approval_rules[0].then", "not a Slack user id"),
        ('[{ above = "50k", then = ["U0HEAD001"], by = 1 }]', "approval_rules[0].by", "unknown"),
    ]:
        with pytest.raises(ConfigError) as raised:
            parse_config(base + f"approval_rules = {value}\n")
        (error,) = raised.value.errors
        assert error.startswith(f"pods[0].{key}") and says in error, error


def test_member_hours_and_hold_review_days_are_read_and_checked() -> None:
    """Issue 30: `pods[].member_hours` (a member's own DM window) and `[clocks]
    hold_review_days` (default 10)."""
    config = parse_config(SPEC_EXAMPLE)
    assert config.clocks.hold_review_days == 10
    assert config.pod("alpha").member_hours == {}
    text = (
        SPEC_EXAMPLE.replace(
            "tat_days = { new = 15, renewal = 60 }   # calendar days",
            "tat_days = { new = 15, renewal = 60 }\nhold_review_days = 7",
        )
        + 'member_hours = { U0ANA0001 = "08:00-16:00" }\n'
    )
    config = parse_config(text)
    assert config.clocks.hold_review_days == 7
    hours = config.pod("alpha").member_hours["U0ANA0001"]
    assert (hours.start, hours.end) == (time(8, 0), time(16, 0))
    bad = SPEC_EXAMPLE + 'member_hours = { U0NOBODY1 = "08:00-16:00", U0ANA0001 = "9-5" }\n'
    errors = errors_of(bad)
    assert any("member_hours.U0NOBODY1" in e and "not a member" in e for e in errors)
    assert any("member_hours.U0ANA0001" in e for e in errors)


def test_the_email_table_names_an_smtp_relay_and_its_login_comes_from_the_environment() -> None:
    # Issue 32: no [email], no relay (drafts are marked sent by hand).
    assert not parse_config(SPEC_EXAMPLE).email.enabled
    config = parse_config(
        SPEC_EXAMPLE.replace(
            "[schedule]",
            '[email]\nhost = "smtp.example.com"\nfrom = "procurement@example.com"\n\n[schedule]',
        )
    )
    assert (config.email.host, config.email.port, config.email.sender) == (
        "smtp.example.com", 587, "procurement@example.com"
    )  # fmt: skip
    assert config.email.starttls and config.email.signature == "Your procurement team"
    bad = SPEC_EXAMPLE.replace(
        "[schedule]", '[email]\nhost = "smtp.example.com"\nport = 0\npassword = "x"\n\n[schedule]'
    )
    problems = errors_of(bad)
    assert any(p.startswith("email.password") and "unknown key" in p for p in problems), problems
    assert any(p.startswith("email.port") for p in problems), problems
    assert any(p.startswith("email.from") for p in problems), problems
    env = Settings.from_env({"PODBOT_SMTP_USERNAME": "relay", "PODBOT_SMTP_PASSWORD": "s3cret"})
    assert (env.smtp_username, env.smtp_password) == ("relay", "s3cret")
