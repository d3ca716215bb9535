"""The weekly digest's PNG charts, drawn headless with matplotlib's Agg canvas from the pure
chart data of `bot.domain.digest` (no pyplot, no global figure state, no display). Not Block
Kit, but like the blocks it only presents: it imports the domain and nothing of db or
transport. matplotlib is imported when a chart is drawn, not when podbot starts."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from bot.blocks.text import plain_date, plural
from bot.domain.digest import DigestCharts
from bot.domain.kpis import MSG_BREACH_DAYS, MSG_WARNING_DAYS, QUOTA_BAR
from bot.domain.money import Money, format_money, format_percent
from bot.domain.people import name_of

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

__all__ = [
    "CHART_DPI",
    "CHART_SIZE",
    "Chart",
    "ChartPlan",
    "ats_trend_plan",
    "chart_plans",
    "drawn",
    "render_chart",
]

# Readable in Slack's preview: 1200 × 700 px, fonts of 16 px and more.
CHART_SIZE = (1200, 700)
CHART_DPI = 100
FONT = 16
# Slack's alt text is at most 1000 characters.
ALT_TEXT_LIMIT = 1000
_STATUS_COLORS = {"met": "#2e8b57", "missed": "#c0392b", "warning": "#e69f00"}
_STAGE_COLORS = {"intake": "#9fb7d9", "qualified": "#f2c14e", "negotiating": "#3f7cac"}
# matplotlib's settings while a chart is drawn: readable sizes, and no TeX (see `drawn`).
_SETTINGS: dict[RcKeyType, Any] = {
    "font.size": FONT,
    "axes.titlesize": FONT + 4,
    "axes.labelsize": FONT + 1,
    "text.parse_math": False,
}


@dataclass(frozen=True)
class Chart:
    """One rendered chart: its file's name part, title, PNG bytes and alt text."""

    name: str
    title: str
    png: bytes
    alt_text: str


@dataclass(frozen=True)
class ChartPlan:
    """One chart before it is drawn: its file's name part, title, what it plots on its axes
    and its alt text. The digest draws each plan on its own (`render_chart`), so one that
    fails leaves the others, the post and the CSV standing."""

    name: str
    title: str
    plot: Callable[[Axes], None]
    alt_text: str


def chart_plans(
    data: DigestCharts, pod_name: str, names: Mapping[str, str] | None = None
) -> list[ChartPlan]:
    """The digest's three charts: savings vs target per buyer, MSG progress per customer, open
    requests by age and stage. Buyers are drawn and described by their names (`names`, user
    id → name; an id with none is shown as it is): a mention renders in neither an image nor
    its alt text."""
    names = names or {}
    return [
        ChartPlan(
            "savings",
            f"{pod_name}: approved savings vs target per buyer, {data.quarter}",
            lambda ax: _savings(ax, data, pod_name, names),
            _clip(_savings_alt(data, names)),
        ),
        ChartPlan(
            "msg",
            f"{pod_name}: MSG progress per customer",
            lambda ax: _msg(ax, data, pod_name),
            _clip(_msg_alt(data)),
        ),
        ChartPlan(
            "aging",
            f"{pod_name}: open requests by age and stage",
            lambda ax: _aging(ax, data, pod_name),
            _clip(_aging_alt(data)),
        ),
    ]


def render_chart(plan: ChartPlan) -> Chart:
    """Draw one chart as a PNG; raises what matplotlib raises when it cannot."""
    with drawn(plan.plot) as figure:
        out = io.BytesIO()
        # No bbox_inches="tight": the image keeps exactly CHART_SIZE.
        figure.savefig(out, format="png", dpi=CHART_DPI)
    return Chart(plan.name, plan.title, out.getvalue(), plan.alt_text)


@contextmanager
def drawn(plot: Callable[[Axes], None]) -> Iterator[Figure]:
    """A figure of CHART_SIZE with `plot` drawn on its one axes and laid out, inside the
    charts' settings: render or save it in the `with` block (tick labels are made then).

    Every text is plain, so names are drawn as written: matplotlib reads the text between two
    `$` as TeX ("Ca$h $aver Stores" drawn "Cahaver Stores", "$$$$ Capital" refused, failing
    the chart). `text.parse_math` is off for every Text the figure makes — titles, axis
    labels, tick labels (made as the figure is drawn, hence inside), legends, annotations."""
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    width, height = CHART_SIZE
    with rc_context(_SETTINGS):
        figure = Figure(figsize=(width / CHART_DPI, height / CHART_DPI), dpi=CHART_DPI)
        FigureCanvasAgg(figure)
        plot(figure.add_subplot())
        figure.tight_layout()
        yield figure


def _money(amount: Decimal, currency: str) -> str:
    return format_money(Money(amount, currency))


def _no_data(ax: Axes, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=FONT + 2)
    ax.set_xticks([])
    ax.set_yticks([])


def _savings(ax: Axes, data: DigestCharts, pod_name: str, names: Mapping[str, str]) -> None:
    ax.set_title(f"{pod_name} · approved savings vs target per buyer · {data.quarter}")
    if not data.buyers:
        _no_data(ax, "No buyers in this POD")
        return
    xs = list(range(len(data.buyers)))
    approved = [float(b.approved) for b in data.buyers]
    targets = [float(b.target) if b.target is not None else 0.0 for b in data.buyers]
    width = 0.38
    ax.bar([x - width / 2 for x in xs], approved, width, label="Approved", color="#3f7cac")
    ax.bar(
        [x + width / 2 for x in xs], targets, width, label="Target", color="#d9d9d9",
        edgecolor="#7f7f7f",
    )  # fmt: skip
    bar, labelled = float(QUOTA_BAR), False
    for x, buyer in zip(xs, data.buyers, strict=True):
        if buyer.target is None:
            ax.text(x + width / 2, 0, "no target", ha="center", va="bottom", fontsize=FONT - 2)
            continue
        ax.hlines(
            float(buyer.target) * bar, x - width, x + width, colors="#c0392b", linestyles="--",
            linewidth=3, label="" if labelled else "70 % of target",
        )  # fmt: skip
        labelled = True
        if buyer.quota is not None:
            ax.text(
                x - width / 2, float(buyer.approved), format_percent(buyer.quota * 100),
                ha="center", va="bottom", fontsize=FONT - 1,
            )  # fmt: skip
    ax.set_xticks(xs, [name_of(b.buyer, names) for b in data.buyers])
    ax.set_ylabel(f"Savings ({data.currency})")
    ax.yaxis.set_major_formatter(_money_axis(data.currency))
    ax.legend(loc="upper right")


def _money_axis(currency: str) -> Any:
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: _money(Decimal(int(value)), currency))


def _msg(ax: Axes, data: DigestCharts, pod_name: str) -> None:
    ax.set_title(f"{pod_name} · MSG progress per customer (as of {plain_date(data.as_of)})")
    if not data.customers:
        _no_data(ax, "No handed-over customer with an MSG")
        return
    xs = [c.days_since_handover for c in data.customers]
    ys = [float(c.share * 100) for c in data.customers]
    colors = [_STATUS_COLORS.get(c.status, "#3f7cac") for c in data.customers]
    ax.scatter(xs, ys, s=160, c=colors, zorder=3)
    for customer, x, y in zip(data.customers, xs, ys, strict=True):
        ax.annotate(customer.customer, (x, y), textcoords="offset points", xytext=(8, 6))
    ax.axhline(100, color="#2e8b57", linestyle="--", linewidth=2, label="MSG reached")
    ax.axvline(
        MSG_WARNING_DAYS, color="#e69f00", linestyle=":", linewidth=2,
        label=f"day {MSG_WARNING_DAYS} (warning)",
    )  # fmt: skip
    ax.axvline(
        MSG_BREACH_DAYS, color="#c0392b", linestyle=":", linewidth=2,
        label=f"day {MSG_BREACH_DAYS} (missed)",
    )  # fmt: skip
    ax.set_xlim(0, max(MSG_BREACH_DAYS + 20, max(xs) + 20))
    ax.set_ylim(0, max(120.0, max(ys) + 15))
    ax.set_xlabel("Days since handover")
    ax.set_ylabel(f"Approved savings, % of MSG ({data.currency})")
    ax.legend(loc="upper left")


def _aging(ax: Axes, data: DigestCharts, pod_name: str) -> None:
    ages = data.ages
    ax.set_title(f"{pod_name} · open requests by age and stage (as of {plain_date(data.as_of)})")
    if ages.total == 0:
        _no_data(ax, "No open requests")
        return
    xs = list(range(len(ages.buckets)))
    bottom = [0] * len(xs)
    for stage in ages.stages:
        counts = ages.counts[stage]
        ax.bar(xs, counts, 0.6, bottom=bottom, label=stage, color=_STAGE_COLORS.get(stage))
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    for x, total in zip(xs, bottom, strict=True):
        if total:
            ax.text(x, total, str(total), ha="center", va="bottom", fontsize=FONT)
    ax.set_xticks(xs, list(ages.buckets))
    ax.set_xlabel("Age (calendar days since the request was made)")
    ax.set_ylabel("Open requests")
    ax.set_ylim(0, max(bottom) * 1.15 + 1)
    from matplotlib.ticker import MaxNLocator

    locator = ax.yaxis.get_major_locator()
    assert isinstance(locator, MaxNLocator), locator  # the default AutoLocator is one
    locator.set_params(integer=True)
    ax.legend(loc="upper right")


# --- alt text: what each chart shows, in words ----------------------------------------------


def _clip(text: str) -> str:
    return text if len(text) <= ALT_TEXT_LIMIT else text[: ALT_TEXT_LIMIT - 1] + "…"


def _savings_alt(data: DigestCharts, names: Mapping[str, str]) -> str:
    parts = []
    for b in data.buyers:
        who = name_of(b.buyer, names)
        if b.target is None:
            parts.append(f"{who} {_money(b.approved, data.currency)}, no target")
        else:
            quota = format_percent(b.quota * 100) if b.quota is not None else "no data"
            parts.append(
                f"{who} {_money(b.approved, data.currency)} of "
                f"{_money(b.target, data.currency)} ({quota})"
            )
    return (
        f"Bar chart of approved savings against target per buyer, {data.quarter}, in "
        f"{data.currency}, with the 70 % of target line: " + ("; ".join(parts) or "no buyers") + "."
    )


def _msg_alt(data: DigestCharts) -> str:
    parts = [
        f"{c.customer} day {c.days_since_handover}: {format_percent(c.share * 100)} "
        f"({_money(c.approved, data.currency)} of {_money(c.msg, data.currency)}, {c.status})"
        for c in data.customers
    ]
    return (
        f"Scatter chart of MSG progress per customer: days since handover against approved "
        f"savings as a share of the MSG, in {data.currency}: "
        + ("; ".join(parts) or "no handed-over customer with an MSG") + "."
    )  # fmt: skip


def _aging_alt(data: DigestCharts) -> str:
    ages = data.ages
    parts = []
    for i, bucket in enumerate(ages.buckets):
        counts = [f"{ages.counts[s][i]} {s}" for s in ages.stages if ages.counts[s][i]]
        if counts:
            parts.append(f"{bucket}: " + ", ".join(counts))
    return (
        f"Stacked bar chart of {plural(ages.total, 'open request')} by age bucket and stage: "
        + ("; ".join(parts) or "none") + "."
    )  # fmt: skip


# --- the catch-up pack's 12-week ATS chart (issue 35) ------------------------------------------


def ats_trend_plan(
    series: Sequence[tuple[str, Decimal | None]], pod_name: str, currency: str
) -> ChartPlan:
    """The POD's ATS on the platform per ISO week (the snapshots' sums; a week with none is
    left as a gap): the catch-up pack's chart."""
    title = f"{pod_name}: ATS on the platform, last {len(series)} weeks"
    return ChartPlan(
        "ats",
        title,
        lambda ax: _ats_trend(ax, series, pod_name, currency),
        _clip(_ats_trend_alt(series, currency)),
    )


def _ats_trend(
    ax: Axes, series: Sequence[tuple[str, Decimal | None]], pod_name: str, currency: str
) -> None:
    ax.set_title(f"{pod_name} · ATS on the platform per week")
    points = [(i, float(v)) for i, (_, v) in enumerate(series) if v is not None]
    if not points:
        _no_data(ax, "No ATS snapshots yet")
        return
    ax.plot([x for x, _ in points], [y for _, y in points], marker="o", linewidth=3)
    ax.set_xticks(list(range(len(series))), [week[-3:] for week, _ in series])
    ax.set_xlabel("ISO week")
    ax.set_ylabel(f"ATS ({currency})")
    ax.set_ylim(0, max(y for _, y in points) * 1.15 + 1)
    ax.yaxis.set_major_formatter(_money_axis(currency))


def _ats_trend_alt(series: Sequence[tuple[str, Decimal | None]], currency: str) -> str:
    parts = [
        f"{week} {_money(v, currency) if v is not None else 'no snapshot'}" for week, v in series
    ]
    return (
        f"Line chart of the POD's ATS on the platform per week, in {currency}: "
        + "; ".join(parts)
        + "."
    )
