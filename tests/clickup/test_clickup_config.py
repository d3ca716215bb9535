"""`[clickup]` and `pods[].clickup` (issue 31): read, defaulted, and refused naming the key."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, parse_config
from tests.conftest import TEST_CONFIG

BASE = TEST_CONFIG.read_text(encoding="utf-8")
ALPHA_CLICKUP = (
    'clickup = { list_id = "901", req_field = "cf-1", '
    'statuses = { intake = "to do", closed-won = "complete", hold-vendor = "waiting" } }\n'
)


def with_clickup(pod_table: str, section: str = "") -> str:
    head, sep, tail = BASE.partition('key = "beta"')
    return (
        head.replace("members = { U0EM00001", pod_table + "members = { U0EM00001")
        + sep
        + tail
        + section
    )


def test_a_pods_list_and_the_section_are_read() -> None:
    config = parse_config(
        with_clickup(
            ALPHA_CLICKUP, '\n[clickup]\nrate_limit_per_minute = 1000\ntask_on = "assign"\n'
        )
    )
    assert config.clickup is not None
    assert (config.clickup.rate_limit_per_minute, config.clickup.task_on) == (1000, "assign")
    assert config.clickup.api_url == "https://api.clickup.com/api/v2"
    pod = config.pod("alpha").clickup
    assert pod is not None and pod.list_id == "901" and pod.req_field == "cf-1"
    assert pod.status_for("hold-vendor", "hold", "negotiating") == "waiting"
    assert pod.keys_for("Complete") == ["closed-won"]
    assert config.pod("beta").clickup is None


def test_a_pods_list_without_the_section_takes_its_defaults() -> None:
    config = parse_config(with_clickup(ALPHA_CLICKUP))
    assert config.clickup is not None and config.clickup.task_on == "create"
    assert parse_config(BASE).clickup is None


@pytest.mark.parametrize(
    ("pod_table", "section", "wanted"),
    [
        (
            'clickup = { list_id = "901", statuses = { shipped = "done" } }\n',
            "",
            "pods[0].clickup.statuses.shipped",
        ),
        ('clickup = { list = "901" }\n', "", "pods[0].clickup.list"),
        ("", '\n[clickup]\ntask_on = "never"\n', "clickup.task_on"),
        ("", '\n[clickup]\ntoken = "pk_1"\n', "clickup.token"),
    ],
)
def test_a_wrong_key_is_refused_by_name(pod_table: str, section: str, wanted: str) -> None:
    with pytest.raises(ConfigError) as refused:
        parse_config(with_clickup(pod_table, section))
    assert any(wanted in error for error in refused.value.errors), refused.value.errors
