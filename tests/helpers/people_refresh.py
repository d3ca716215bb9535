"""Test helpers shared by several test modules: people refresh."""

from __future__ import annotations

import csv
import io
from typing import Any

from bot.jobs import JOBS
from tests.conftest import RunningBot
from tests.helpers.weekly_digest_job import NOW, digests
from tests.jobs.conftest import run_job

# Moved here from tests/jobs/test_people_refresh.py by move_helpers.py (issue 28).


def digest_files(bot: RunningBot) -> tuple[Any, dict[str, Any], dict[tuple[str, str, str], Any]]:
    """Run the weekly digest for POD Alpha; its post, its files by name and its CSV's rows."""
    outcome = run_job(bot.runtime, JOBS["weekly-digest"], bot.runtime.config.pod("alpha"), now=NOW)
    assert outcome.outcome == "ok", outcome
    (post,) = digests(bot)
    files = {f.filename: f for f in bot.api.files.values() if f.thread_ts == post.ts}
    rows = csv.DictReader(io.StringIO(files["kpis-alpha-2026-W48.csv"].content.decode("utf-8")))
    return post, files, {(r["scope"], r["subject"], r["kpi"]): r for r in rows}


def lookups(bot: RunningBot) -> list[str]:
    return [c.params["user"] for c in bot.api.calls_to("users.info")]
