"""The report's charts from one synthetic v2 run: each drawn (PNG and SVG) with a one-line
caption, units in its axis labels, no overlapping text, and the numbers it shows are the run's."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from hdrh.histogram import HdrHistogram

from bench.report import peak
from bench.report.charts import Chart, Omitted, palette
from bench.report.charts.base import ORDER
from bench.report.charts.baseline import server_matrix
from bench.report.charts.effects import ForestRow, forest
from bench.report.charts.latency import slo_ms
from bench.report.load import Run
from tests.bench.report.synthetic import latency_histogram

FIELD = ("headline", "load_curve", "spectrum", "saturation", "overhead", "concurrency",
         "memory", "startup", "dependencies", "forest")  # fmt: skip


def by_name(charts: list[Chart | Omitted]) -> dict[str, Chart | Omitted]:
    return {c.name: c for c in charts}


def test_every_chart_of_the_field_is_drawn_as_png_and_svg(
    v2_charts: list[Chart | Omitted], v2_report: Path
) -> None:
    drawn = by_name(v2_charts)
    for name in FIELD:
        chart = drawn[name]
        assert isinstance(chart, Chart), f"{name}: {getattr(chart, 'reason', '')}"
        png, svg = chart.files
        assert (v2_report / png).stat().st_size > 5_000
        assert (v2_report / svg).read_text().lstrip().startswith("<?xml")


def test_no_chart_has_overlapping_text(v2_charts: list[Chart | Omitted]) -> None:
    overlapping = {c.name: c.overlaps for c in v2_charts if isinstance(c, Chart) and c.overlaps}
    assert overlapping == {}


def test_each_caption_is_one_line_saying_what_to_look_for(
    v2_charts: list[Chart | Omitted],
) -> None:
    for chart in v2_charts:
        if isinstance(chart, Chart):
            assert chart.caption and "\n" not in chart.caption and len(chart.caption) < 260


def test_the_light_load_extrapolation_is_gone(v2_charts: list[Chart | Omitted]) -> None:
    names = {c.name for c in v2_charts}
    assert "throughput" not in names and "cpu_per_request" not in names
    for c in v2_charts:
        assert "1e6" not in c.title and "per core" not in c.title


def test_every_axis_label_of_a_measured_quantity_names_its_unit(v2_report: Path) -> None:
    # SVG text is searchable: each chart's value axis carries a unit in parentheses
    units = {
        "headline": "requests per second",
        "load_curve": "latency (ms",
        "spectrum": "latency (ms",
        "saturation": "server CPU per request (µs)",
        "overhead": "(µs)",
        "concurrency": "waits in progress (requests",
        "memory": "(MiB)",
        "startup": "import time (s)",
        "dependencies": "(count)",
    }
    for name, unit in units.items():
        svg = (v2_report / "charts" / f"{name}.svg").read_text()
        assert unit in svg, name


def test_colours_are_fixed_distinct_and_colour_blind_safe() -> None:
    okabe_ito = {"#E69F00", "#56B4E9", "#009E73", "#F0E442", "#0072B2", "#D55E00", "#CC79A7",
                 "#000000"}  # fmt: skip
    colours = [palette(n) for n in ORDER]
    assert len(set(colours)) == len(ORDER) and set(colours) <= okabe_ito
    assert palette("granian") == palette("granian")


def test_the_headline_is_sorted_and_marks_lower_bounds(v2_run: Run) -> None:
    found = peak.headline(v2_run.samples)
    assert [p.scenario for p in found] == ["json"] * 7
    means = [p.rps.mean for p in found]
    assert means == sorted(means, reverse=True)
    bound = {p.framework: p.bound for p in found}
    # baselines outrun the synthetic generator's ceiling; the five saturate their server
    assert bound["raw-asgi"] == bound["raw-wsgi"] == "generator"
    assert all(bound[fw] == "server" for fw in ("flask", "bottle", "cherrypy", "django"))
    assert {p.framework: p.users for p in found}["flask"] == 64  # the best level, not the last


def test_a_peak_is_a_lower_bound_when_any_window_of_its_level_was(v2_run: Run) -> None:
    samples = v2_run.samples.copy()
    rows = (samples["framework"] == "flask") & (samples["mode"] == "peak")
    samples.loc[rows & (samples["trial"] == 0), "bound"] = "threads"
    (flask,) = [p for p in peak.headline(samples) if p.framework == "flask"]
    assert flask.lower_bound and flask.bound == "threads" and flask.mark == "≥"


def test_the_slo_is_read_from_the_runs_config(v2_run: Run) -> None:
    assert slo_ms(v2_run.meta) == 100.0
    assert slo_ms({"config": {"profile": {"slo_p99_ms": 50}}}) == 50.0
    assert slo_ms({}) is None


def test_the_synthetic_histograms_hold_the_rows_percentiles() -> None:
    hist = latency_histogram(500.0, 1500.0, 10_000)
    assert hist.get_total_count() == 10_000
    assert hist.get_value_at_percentile(50) == pytest.approx(500, rel=0.02)
    assert hist.get_value_at_percentile(99) == pytest.approx(1500, rel=0.03)


def test_the_spectrum_pools_every_trials_histogram(v2_run: Run) -> None:
    rows = v2_run.samples
    at = rows[(rows["mode"] == "rate") & (rows["framework"] == "flask")
              & (rows["scenario"] == "json") & (rows["offered_rps"] == 1000)]  # fmt: skip
    pooled = HdrHistogram(1, 60_000_000, 3)
    for sid in at["sample_id"]:
        pooled.add(HdrHistogram.decode((v2_run.path / "hdr" / f"{sid}.latency.hdr").read_bytes()))
    assert pooled.get_total_count() == int(at["requests"].sum())
    assert pooled.get_value_at_percentile(99) == pytest.approx(
        at["latency_p99_us"].mean(), rel=0.05
    )


def test_the_server_matrix_needs_two_servers_for_a_framework(v2_run: Run, tmp_path: Path) -> None:
    assert isinstance(server_matrix(v2_run, tmp_path), Omitted)
    flask = v2_run.samples[v2_run.samples["framework"] == "flask"].copy()
    flask["server"] = "granian"
    flask["achieved_rps"] *= 1.3
    both = Run(v2_run.path, v2_run.meta, pd.concat([v2_run.samples, flask]), v2_run.facts)
    chart = server_matrix(both, tmp_path)
    assert isinstance(chart, Chart) and chart.overlaps == ()
    assert (tmp_path / "charts" / "server_matrix.png").is_file()


def test_the_forest_plot_takes_plain_rows(tmp_path: Path) -> None:
    rows = [
        ForestRow(1, "server CPU per request, json", 0.8, 0.75, 0.86, 0.05, "supported"),
        ForestRow(3, "RSS of one process", 1.01, 0.97, 1.04, 0.05, "inconclusive"),
        ForestRow(6, "hello.py lines", 0.7, math.nan, math.nan, None, "contradicted"),
    ]
    chart = forest(rows, tmp_path)
    assert isinstance(chart, Chart) and chart.overlaps == ()
    assert "equivalence ±5%" in (tmp_path / "charts" / "forest.svg").read_text()
    assert isinstance(forest([], tmp_path), Omitted)


def test_the_same_results_redraw_the_same_files(v2_run: Run, tmp_path: Path) -> None:
    from bench.report.charts.footprint import dependencies

    first = dependencies(v2_run, tmp_path / "a")
    second = dependencies(v2_run, tmp_path / "b")
    assert isinstance(first, Chart) and isinstance(second, Chart)
    for name in first.files:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()


def test_a_v1_run_without_peak_samples_omits_peak_charts_with_a_reason(
    v2_run: Run, tmp_path: Path
) -> None:
    from bench.report.charts.throughput import headline

    rows = v2_run.samples[v2_run.samples["mode"] != "peak"]
    chart = headline(Run(v2_run.path, v2_run.meta, rows, v2_run.facts), tmp_path)
    assert isinstance(chart, Omitted) and "peak" in chart.reason
    plt.close("all")
