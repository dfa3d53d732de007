"""The report's charts: matplotlib (Agg), each saved as PNG and SVG, one colour per framework.

Each chart function returns a Chart, or an Omitted with the sentence the page prints instead:
a chart without data is never drawn empty. Hatched bars are lower bounds (the server was not
what ran out).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from bench.report.charts.base import Chart, Omitted, ordered, palette
from bench.report.charts.baseline import overhead, server_matrix
from bench.report.charts.effects import forest, rows_from_results
from bench.report.charts.footprint import dependencies, memory, startup
from bench.report.charts.latency import load_curve, spectrum
from bench.report.charts.throughput import headline, saturation
from bench.report.charts.waits import concurrency
from bench.report.claims import Result
from bench.report.load import Run

CHARTS: tuple[Callable[[Run, Path], Chart | Omitted], ...] = (
    load_curve,
    spectrum,
    saturation,
    overhead,
    server_matrix,
    concurrency,
    memory,
    startup,
    dependencies,
)
"""The charts of the field, in page order after the headline."""


def draw_all(run: Run, out: Path, results: Sequence[Result] = ()) -> list[Chart | Omitted]:
    """The headline first, then CHARTS, then the claims' forest plot."""
    drawn = [headline(run, out)]
    drawn += [chart(run, out) for chart in CHARTS]
    drawn.append(forest(rows_from_results(results), out))
    return drawn


__all__ = ["CHARTS", "Chart", "Omitted", "draw_all", "ordered", "palette"]
