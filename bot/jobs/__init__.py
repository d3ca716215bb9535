"""Scheduled jobs, one module each; importing this package registers them all in JOBS."""

from __future__ import annotations

from bot.jobs.runner import JobSpec

JOBS: dict[str, JobSpec] = {}


def register(spec: JobSpec) -> JobSpec:
    """Add a job to the registry under its SPEC name."""
    JOBS[spec.name] = spec
    return spec


from bot.jobs import aging_report, tat_alerts  # noqa: E402, F401  (each registers itself)
