"""Scheduled jobs, one module each, listed by name below; importing this package registers
them all in JOBS (each module calls `register(JobSpec(name="aging-report", …))`)."""

from __future__ import annotations

import importlib

from bot.jobs.runner import JobSpec

JOBS: dict[str, JobSpec] = {}
# The job modules, in the order `podbot jobs list` shows them (ledger, runner and scheduler
# are the framework around them).
JOB_MODULES = (
    "aging_report", "ats_snapshots", "bundles", "catchup", "checkin_pack", "customer_updates",
    "forecast", "leadership_report", "member_digests", "people_refresh", "reminders",
    "renewal_calendar", "renewal_reminders", "retention", "tat_alerts", "vendor_files",
    "weekly_digest",
)  # fmt: skip


def register(spec: JobSpec) -> JobSpec:
    """Add a job to the registry under its SPEC name."""
    JOBS[spec.name] = spec
    return spec


for _name in JOB_MODULES:
    importlib.import_module(f"{__name__}.{_name}")
