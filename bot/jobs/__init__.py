"""Scheduled jobs, one module each; importing this package registers them all in JOBS."""

from __future__ import annotations

import importlib
import pkgutil

from bot.jobs.runner import JobSpec

JOBS: dict[str, JobSpec] = {}
# Framework modules; every other module in this package is a job that registers itself.
_FRAMEWORK = {"ledger", "runner", "scheduler"}


def register(spec: JobSpec) -> JobSpec:
    """Add a job to the registry under its SPEC name."""
    JOBS[spec.name] = spec
    return spec


for _info in pkgutil.iter_modules(__path__):
    if _info.name not in _FRAMEWORK and not _info.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_info.name}")
