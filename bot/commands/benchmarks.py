"""`benchmark`: what the POD has paid per seat for a tool (and plan), by quantity band (issue
34)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.actions.pricing import benchmark_answer
from bot.commands.router import Invocation, Reply, arguments, subcommand
from bot.commands.stats import pod_for_stats
from bot.domain.pricing import parse_benchmark

if TYPE_CHECKING:
    from bot.runtime import Runtime


@subcommand(
    "benchmark", "benchmark <tool> [plan] [seats]",
    "what your POD paid per seat a year for a tool, by quantity band",
    order=175,
)  # fmt: skip
def benchmark(runtime: Runtime, invocation: Invocation) -> Reply:
    """Answer ephemerally from the POD's itemised quotes of the last 24 months."""
    pod, _role = pod_for_stats(runtime.config, invocation.user_id, invocation.channel_id)
    words, seats = arguments(parse_benchmark, invocation.args)
    with runtime.db.reading() as session:
        text = benchmark_answer(session, runtime.config, pod, words, seats, runtime.clock.now())
    return Reply(text=text)
