"""Charts as PNG images (matplotlib, Agg, no pyplot: safe in a worker thread). One image per
``Chart``, one panel per unit, every text from ``ChartTexts``. Matplotlib shapes Arabic and lays
it out right to left itself (text layout by libraqm); DejaVu Sans, its bundled font, has the
Arabic glyphs. Rendering takes a few hundred milliseconds: call it through ``asyncio.to_thread``
(``render_all``)."""

from __future__ import annotations

import asyncio
import io
import math
from decimal import Decimal

from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from core.reports.figures import Chart, Series
from core.reports.texts import ChartTexts

WIDTH, HEIGHT, DPI = 1000, 600, 100  # pixels of every image
MAX_TICKS = 10
COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")


def _number(value: float) -> str:
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if value == int(value):
        return f"{value:.0f}"
    return f"{value:.2f}".rstrip("0")


def _floats(series: Series) -> list[float]:
    """Display only: the exact Decimals stay in the CSV."""
    return [math.nan if v is None else float(v) for v in series.values]


def _empty(chart: Chart) -> bool:
    return all(v is None or v == Decimal(0) for s in chart.series for v in s.values)


def _bucket_label(chart: Chart, i: int) -> str:
    bucket = chart.buckets[i]
    hourly = len(chart.buckets) > 1 and (chart.buckets[1] - chart.buckets[0]).total_seconds() == 3600
    return bucket.strftime("%H:00") if hourly else bucket.strftime("%d/%m")


def draw(chart: Chart, texts: ChartTexts) -> Figure:
    """The chart as a matplotlib Figure (``render`` saves it)."""
    panels = chart.panels() or [""]
    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, layout="constrained")
    axes = figure.subplots(len(panels), 1, sharex=True, squeeze=False)[:, 0]
    title = texts.titles.get(chart.key, chart.key)
    figure.suptitle(f"{title}\n{texts.period}" if texts.period else title, fontsize=13)
    positions = list(range(len(chart.buckets)))
    step = max(1, math.ceil(len(positions) / MAX_TICKS))
    for ax, panel in zip(axes, panels, strict=True):
        members = [s for s in chart.series if s.panel == panel]
        width = 0.8 / max(len(members), 1)
        for n, series in enumerate(members):
            label = texts.name(series.name)
            color = COLORS[n % len(COLORS)]
            if chart.style == "bar":
                offset = (n - (len(members) - 1) / 2) * width
                ax.bar([x + offset for x in positions], _floats(series), width=width, label=label, color=color)
            else:
                ax.plot(positions, _floats(series), marker="o", markersize=3, label=label, color=color)
        ax.set_ylabel(texts.name(panel))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: texts.digits(_number(v))))
        if panel == "count":
            ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(axis="y", alpha=0.3)
        if members:
            ax.legend(loc="upper left" if texts.rtl else "upper right", fontsize=8)
        if ax.yaxis.label.get_text() and texts.rtl:
            ax.yaxis.set_label_position("right")
            ax.yaxis.tick_right()
    shown = positions[::step]
    axes[-1].xaxis.set_major_locator(FixedLocator(shown))
    axes[-1].set_xticklabels([texts.digits(_bucket_label(chart, i)) for i in shown])
    axes[-1].set_xlim(-0.6, max(len(positions) - 0.4, 0.6))
    if _empty(chart):
        axes[0].text(0.5, 0.5, texts.no_data, transform=axes[0].transAxes, ha="center", va="center",
                     fontsize=14, color="#888888")  # fmt: skip
    return figure


def render(chart: Chart, texts: ChartTexts) -> bytes:
    """The chart as a WIDTH x HEIGHT PNG."""
    buffer = io.BytesIO()
    draw(chart, texts).savefig(buffer, format="png", dpi=DPI)
    return buffer.getvalue()


def render_many(charts: list[Chart] | tuple[Chart, ...], texts: ChartTexts) -> list[bytes]:
    return [render(chart, texts) for chart in charts]


async def render_all(charts: list[Chart] | tuple[Chart, ...], texts: ChartTexts) -> list[bytes]:
    """Every chart, rendered in a worker thread: the event loop goes on meanwhile."""
    return await asyncio.to_thread(render_many, charts, texts)
