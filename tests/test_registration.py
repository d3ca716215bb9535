"""Command modules and jobs are listed by name (a reader greps a name and finds it registered);
a module added to either package and not listed would never run, so this says so."""

from __future__ import annotations

import pkgutil

import bot.commands
import bot.jobs


def test_every_command_module_is_listed() -> None:
    found = {info.name for info in pkgutil.iter_modules(bot.commands.__path__)}
    assert found == set(bot.commands.COMMAND_MODULES)


def test_every_job_module_is_listed_and_registers_its_job() -> None:
    found = {info.name for info in pkgutil.iter_modules(bot.jobs.__path__)}
    assert found - {"ledger", "runner", "scheduler"} == set(bot.jobs.JOB_MODULES)
    assert len(bot.jobs.JOBS) == len(bot.jobs.JOB_MODULES)
