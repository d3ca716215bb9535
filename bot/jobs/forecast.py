"""`forecast` (issue 35, item 5): Mondays at 07:30 POD time, each account's MSG forecast
(`bot/domain/forecast.py`) worked out and kept — one per account and ISO week (the run's ledger
period, and a unique index on the rows) — with the requests deciding it and the POD's projected
GDR for the quarter. The em's and the buyer's Homes show the kept week; `podbot forecast
backtest` compares the kept weeks with what happened. It sends nothing."""

from __future__ import annotations

from datetime import time

from bot.blocks.text import plural
from bot.db.forecast import forecasts_now, quarter_now, store
from bot.domain.forecast import Standing
from bot.jobs import register
from bot.jobs.runner import JobContext, weekly_job

NAME = "forecast"
DAY = "mon"
AT = time(7, 30)  # POD time: before the weekly digest and the morning's Homes


def _body(context: JobContext) -> str:
    runtime, pod, now = context.runtime, context.pod, context.now
    with runtime.db.reading() as session:
        forecasts = forecasts_now(session, runtime.config, pod, now)
    quarter = quarter_now(pod, now)
    context.write(lambda session: store(session, pod, now, forecasts, quarter))
    at_risk = sum(f.standing == Standing.AT_RISK for f in forecasts)
    return f"forecast {plural(len(forecasts), 'account')}; {at_risk} at risk"


SPEC = register(
    weekly_job(
        NAME,
        "each account's MSG forecast and the POD's projected GDR, kept for the Homes",
        _body,
        day=lambda pod: DAY,
        at=lambda pod: AT,
    )
)
