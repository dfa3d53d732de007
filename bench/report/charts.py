"""The report's charts: matplotlib (Agg), each saved as PNG and SVG, one colour per framework.

Each chart function returns a Chart, or an Omitted with the sentence the page prints instead:
a chart without data is never drawn empty. Hatched bars and "x" markers are generator-bound
samples (the number describes the load generator, not the server).
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from bench.report import select
from bench.report.load import Run
from bench.report.stats import Interval, difference_ci, mean_ci

_ORDER = ("flask", "bottle", "cherrypy", "django", "fastapi", "raw-wsgi", "raw-asgi")
_COLOURS: tuple[tuple[float, float, float], ...] = tuple(
    tuple(c[:3]) for c in plt.get_cmap("tab10")(range(10))
)
BOUND_HATCH = "///"
GENERATOR_BOUND_NOTE = "hatched / x: generator-bound (the number describes the generator)"
ASYNC_SERVERS = frozenset({"uvicorn"})


def palette(framework: str) -> tuple[float, float, float]:
    """The one colour of `framework` in every chart (stable for names not known here too)."""
    index = _ORDER.index(framework) if framework in _ORDER else zlib.crc32(framework.encode())
    colour: tuple[float, float, float] = _COLOURS[index % len(_COLOURS)]
    return colour


def _rank(framework: str) -> tuple[int, str]:
    return (_ORDER.index(framework) if framework in _ORDER else len(_ORDER), framework)


def ordered(frameworks: Sequence[str]) -> list[str]:
    """Registry order for known names, then the rest alphabetically: the same in every chart."""
    return sorted(set(frameworks), key=_rank)


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    caption: str
    files: tuple[str, ...]
    """Paths relative to the report directory, PNG first."""


@dataclass(frozen=True)
class Omitted:
    name: str
    title: str
    reason: str


Series = tuple[str, str]
"""(framework, deployment)"""


def _series(rows: pd.DataFrame) -> list[Series]:
    pairs = {(str(f), str(d)) for f, d in zip(rows["framework"], rows["deployment"], strict=True)}
    return sorted(pairs, key=lambda s: (_rank(s[0]), s[1] != "local", s[1]))


def _label(s: Series, several: bool) -> str:
    return f"{s[0]} [{s[1]}]" if several else s[0]


def _alpha(s: Series) -> float:
    return 1.0 if s[1] == "local" else 0.55


def _save(fig: Figure, out: Path, name: str) -> tuple[str, ...]:
    charts = out / "charts"
    charts.mkdir(parents=True, exist_ok=True)
    files = []
    for ext in ("png", "svg"):
        fig.savefig(charts / f"{name}.{ext}", dpi=110, bbox_inches="tight")
        files.append(f"charts/{name}.{ext}")
    plt.close(fig)
    return tuple(files)


def _grouped(
    ax: Axes,
    groups: Sequence[str],
    series: Sequence[Series],
    get: Callable[[Series, str], tuple[Interval | None, bool]],
    several: bool,
    *,
    legend: bool = True,
) -> bool:
    """Grouped bars with 95% CI whiskers; returns whether any bar was generator-bound."""
    width = 0.8 / max(len(series), 1)
    any_bound = False
    for i, s in enumerate(series):
        for j, group in enumerate(groups):
            iv, bound = get(s, group)
            if iv is None or not math.isfinite(iv.mean):
                continue
            x = j - 0.4 + width * (i + 0.5)
            ax.bar(
                x,
                iv.mean,
                width,
                color=palette(s[0]),
                alpha=_alpha(s),
                hatch=BOUND_HATCH if bound else None,
                edgecolor="black" if bound else palette(s[0]),
            )
            if iv.known and iv.high > iv.low:
                ax.errorbar(
                    x,
                    iv.mean,
                    yerr=[[iv.mean - iv.low], [iv.high - iv.mean]],
                    color="black",
                    capsize=2,
                    lw=1,
                )
            any_bound = any_bound or bound
    ax.set_xticks(range(len(groups)), list(groups))
    if legend:
        _legend(ax, series, several, any_bound)
    return any_bound


def _legend(ax: Axes, series: Sequence[Series], several: bool, bound: bool) -> None:
    handles = [
        Patch(facecolor=palette(s[0]), alpha=_alpha(s), label=_label(s, several)) for s in series
    ]
    if bound:
        handles.append(
            Patch(facecolor="white", edgecolor="black", hatch=BOUND_HATCH, label="generator-bound")
        )
    # A fixed place outside the axes: "best" placement costs seconds per chart and hides bars.
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))


def _cells(run: Run, metric: str) -> tuple[list[str], pd.DataFrame]:
    """Rate-mode rows of every deployment at each scenario's highest common offered rate."""
    rows = run.samples[(run.samples["mode"] == "rate") & run.samples[metric].notna()]
    rows = rows[rows["scenario"] != select.IO_SCENARIO]
    keep = []
    for _, group in rows.groupby("scenario", sort=True):
        level = select.common_level(group, set(group["framework"]))
        keep.append(group[group["offered_rps"] == (level if level is not None else -1)])
    picked = pd.concat(keep) if keep else rows.iloc[0:0]
    return sorted(set(picked["scenario"])), picked


def _getter(
    rows: pd.DataFrame, metric: str, transform: Callable[[float], float] | None = None
) -> Callable[[Series, str], tuple[Interval | None, bool]]:
    def get(s: Series, scenario: str) -> tuple[Interval | None, bool]:
        mine = rows[
            (rows["framework"] == s[0])
            & (rows["deployment"] == s[1])
            & (rows["scenario"] == scenario)
        ]
        if mine.empty:
            return None, False
        values = [float(v) for v in mine.groupby("trial")[metric].mean()]
        if transform:
            values = [transform(v) for v in values if v > 0]
        return mean_ci(values), bool(mine["generator_bound"].any())

    return get


def cpu_per_request(run: Run, out: Path) -> Chart | Omitted:
    title = "Server CPU per request at equal offered load"
    groups, rows = _cells(run, "server_cpu_us_per_req")
    if rows.empty:
        return Omitted(
            "cpu_per_request",
            title,
            "No open-loop sample has server CPU numbers "
            "(e.g. a --target run without --target-cgroup).",
        )
    series, several = _series(rows), len(set(rows["deployment"])) > 1
    fig, ax = plt.subplots(figsize=(11, 4.8))
    _grouped(ax, groups, series, _getter(rows, "server_cpu_us_per_req"), several)
    ax.set_ylabel("server CPU per request (µs), lower is better")
    ax.set_xlabel("scenario (open loop, highest common offered rate)")
    ax.set_title(title)
    caption = (
        "utime+stime of the whole server process tree over the measured window, divided "
        "by the requests completed; bars are means over trials with 95% bootstrap CIs."
    )
    return Chart("cpu_per_request", title, caption, _save(fig, out, "cpu_per_request"))


def throughput(run: Run, out: Path) -> Chart | Omitted:
    title = "Throughput capacity per core, by scenario"
    groups, rows = _cells(run, "server_cpu_us_per_req")
    if rows.empty:
        return Omitted("throughput", title, "No open-loop sample has server CPU numbers.")
    series, several = _series(rows), len(set(rows["deployment"])) > 1
    fig, ax = plt.subplots(figsize=(11, 4.8))
    _grouped(ax, groups, series, _getter(rows, "server_cpu_us_per_req", lambda v: 1e6 / v), several)
    ax.set_ylabel("capacity per core (requests/s = 1e6 / CPU µs per request)")
    ax.set_xlabel("scenario")
    ax.set_title(title)
    caption = (
        "Requests per second one server core could complete at the measured cost per "
        "request. It is derived from the server's own CPU time, so the load generator's "
        "ceiling does not cap it; 95% bootstrap CIs over trials."
    )
    return Chart("throughput", title, caption, _save(fig, out, "throughput"))


def capacity(run: Run, out: Path) -> Chart | Omitted:
    title = "Capacity search: highest sustained offered rate"
    col = "capacity_rps"
    if col not in run.samples.columns or run.samples[col].notna().sum() == 0:
        return Omitted("capacity", title, "The profile of this run has no capacity search.")
    rows = run.samples[run.samples[col].notna()]
    groups = sorted(set(rows["scenario"]))
    series, several = _series(rows), len(set(rows["deployment"])) > 1
    fig, ax = plt.subplots(figsize=(10, 4.8))

    def get(s: Series, scenario: str) -> tuple[Interval | None, bool]:
        mine = rows[
            (rows["framework"] == s[0])
            & (rows["deployment"] == s[1])
            & (rows["scenario"] == scenario)
        ]
        if mine.empty:
            return None, False
        lower_bound = mine["bound"].isin(["generator", "threads"]).any()
        return mean_ci(list(mine[col])), bool(lower_bound or mine["generator_bound"].any())

    _grouped(ax, groups, series, get, several)
    ax.set_ylabel("sustained rate (requests/s)")
    ax.set_xlabel("scenario")
    ax.set_title(title)
    caption = (
        "The offered rate rose step by step until the server fell behind, p99 passed the "
        "SLO, or the generator passed 85% CPU. Hatched bars stopped on the generator (or "
        "the step limit): read them as '≥', a bound, not the server's capacity."
    )
    return Chart("capacity", title, caption, _save(fig, out, "capacity"))


_PERCENTILES = (
    ("p50", "latency_p50_us"),
    ("p90", "latency_p90_us"),
    ("p99", "latency_p99_us"),
    ("p99.9", "latency_p999_us"),
)


def latency(run: Run, out: Path) -> Chart | Omitted:
    title = "Latency percentiles at equal offered load (open loop)"
    scenarios, rows = _cells(run, "latency_p99_us")
    if rows.empty:
        return Omitted("latency", title, "No open-loop sample has latency percentiles.")
    series, several = _series(rows), len(set(rows["deployment"])) > 1
    cols = min(3, len(scenarios))
    nrows = math.ceil(len(scenarios) / cols)
    fig, axes = plt.subplots(nrows, cols, figsize=(5 * cols, 3.8 * nrows), squeeze=False)
    for ax, scenario in zip(axes.flat, scenarios, strict=False):
        level = rows.loc[rows["scenario"] == scenario, "offered_rps"].max()
        mine = rows[rows["scenario"] == scenario]

        def get(s: Series, pct: str, mine: pd.DataFrame = mine) -> tuple[Interval | None, bool]:
            col = dict(_PERCENTILES)[pct]
            sel = mine[(mine["framework"] == s[0]) & (mine["deployment"] == s[1])]
            if sel.empty:
                return None, False
            return mean_ci(list(sel.groupby("trial")[col].mean())), bool(
                sel["generator_bound"].any()
            )

        # one legend, right of the top row's last chart, where it covers no bars
        top_right = scenarios.index(scenario) == min(cols, len(scenarios)) - 1
        _grouped(ax, [p for p, _ in _PERCENTILES], series, get, several, legend=top_right)
        ax.set_yscale("log")
        ax.set_title(f"{scenario} at {level:g} req/s offered", fontsize=10)
        ax.set_ylabel("latency (µs, log scale)")
        ax.set_xlabel("percentile")
    for ax in list(axes.flat)[len(scenarios) :]:
        ax.set_visible(False)
    fig.suptitle(title)
    caption = (
        "From each sample's HdrHistogram of every request in the measured window, in "
        "microseconds; bars are means over trials with 95% bootstrap CIs."
    )
    return Chart("latency", title, caption, _save(fig, out, "latency"))


def memory(run: Run, out: Path) -> Chart | Omitted:
    title = "Memory: one process holding the app, and the server tree idle and at peak"
    one = {
        fw: list(f.get("import_time", {}).get("rss_samples_mib") or [])
        for fw, f in run.facts.items()
    }
    one = {fw: v for fw, v in one.items() if v}
    if run.samples["rss_peak_mib"].notna().sum() == 0 and not one:
        return Omitted(
            "memory", title, "No sample has RSS numbers (a --target run without --target-cgroup)."
        )
    fig, axes = plt.subplots(1, 3, figsize=(14, 4.2))
    fact_series = sorted(((fw, "local") for fw in one), key=lambda s: _rank(s[0]))
    _grouped(
        axes[0],
        ["one process, no server"],
        fact_series,
        lambda s, _g: (mean_ci(one[s[0]]), False),
        False,
        legend=False,
    )
    axes[0].set_ylabel("RSS of one interpreter with the app built (MiB)")
    axes[0].set_title("the framework's own footprint")
    for ax, metric, what in (
        (axes[1], "rss_idle_mib", "idle, after start-up"),
        (axes[2], "rss_peak_mib", "peak, under load"),
    ):
        rows = run.samples.dropna(subset=[metric])
        series, several = _series(rows), len(set(rows["deployment"])) > 1

        def get(
            s: Series, _g: str, rows: pd.DataFrame = rows, metric: str = metric
        ) -> tuple[Interval | None, bool]:
            sel = rows[(rows["framework"] == s[0]) & (rows["deployment"] == s[1])]
            return mean_ci(list(sel.groupby("round")[metric].max())), False

        _grouped(ax, [what], series, get, several, legend=ax is axes[2])
        ax.set_ylabel("RSS of the server process tree (MiB)")
        ax.set_title(what)
    fig.suptitle(title)
    caption = (
        "Left: a fresh interpreter that imported and built the app (five runs, facts.json): "
        "the framework's own memory, which decides claims 3, 5 and 7. Middle and right: the "
        "server's whole process tree (all workers), one value per round (server life); 95% "
        "bootstrap CIs. Tree RSS grows with the worker count each server's formula forks: "
        "see the method section."
    )
    return Chart("memory", title, caption, _save(fig, out, "memory"))


def startup(run: Run, out: Path) -> Chart | Omitted:
    title = "Start-up and import time"
    imports = {fw: f.get("import_time", {}).get("samples") for fw, f in run.facts.items()}
    imports = {fw: v for fw, v in imports.items() if v}
    has_startup = run.samples["startup_s"].notna().sum() > 0
    if not imports and not has_startup:
        return Omitted("startup", title, "The run has neither start-up times nor import facts.")
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2))
    if has_startup:
        rows = run.samples.dropna(subset=["startup_s"])
        series, several = _series(rows), len(set(rows["deployment"])) > 1

        def get(s: Series, _g: str) -> tuple[Interval | None, bool]:
            sel = rows[(rows["framework"] == s[0]) & (rows["deployment"] == s[1])]
            return mean_ci(list(sel.groupby("round")["startup_s"].first())), False

        both = bool(imports) and several
        _grouped(axes[0], ["spawn to first 200"], series, get, several, legend=not imports or both)
        if both:
            fig.subplots_adjust(wspace=0.8)
        axes[0].set_ylabel("start-up (s)")
        axes[0].set_title("server start-up")
    else:
        axes[0].text(
            0.5, 0.5, "no start-up samples in this run", ha="center", transform=axes[0].transAxes
        )
    if imports:
        names = ordered(list(imports))
        _grouped(
            axes[1],
            ["import of the app module"],
            [(n, "local") for n in names],
            lambda s, _g: (mean_ci(imports[s[0]]), False),
            False,
        )
        axes[1].set_ylabel("import time (s, fresh interpreter)")
        axes[1].set_title("import time")
    else:
        axes[1].text(
            0.5, 0.5, "no import facts in this run", ha="center", transform=axes[1].transAxes
        )
    fig.suptitle(title)
    caption = (
        "Start-up: spawn of the production server to its first 200, once per round. "
        "Import: the app module imported and the app built in a fresh interpreter, timed inside it "
        "(facts.json). 95% bootstrap CIs."
    )
    return Chart("startup", title, caption, _save(fig, out, "startup"))


def dependencies(run: Run, out: Path) -> Chart | Omitted:
    title = "Installed dependency closure"
    deps = {fw: f.get("dependencies") for fw, f in run.facts.items() if f.get("dependencies")}
    deps = {fw: d for fw, d in deps.items() if fw in select.FIVE}
    if not deps:
        return Omitted("dependencies", title, "The run has no dependency facts (facts.json).")
    names = ordered(list(deps))
    fig, ax = plt.subplots(figsize=(9, 4.2))
    alone = [deps[n].get("framework_count", 0) for n in names]
    server = [
        deps[n].get("with_server_count", 0) - deps[n].get("framework_count", 0) for n in names
    ]
    ax.bar(names, alone, color=[palette(n) for n in names], label="framework alone")
    ax.bar(
        names,
        server,
        bottom=alone,
        color=[palette(n) for n in names],
        alpha=0.35,
        label="+ its production server",
    )
    for i, (a, s) in enumerate(zip(alone, server, strict=True)):
        ax.text(i, a + s, f"{a} (+{s})", ha="center", va="bottom", fontsize=9)
    ax.set_ylabel("installed distributions (count)")
    ax.set_title(title)
    ax.legend(fontsize=8, loc="upper left")
    caption = (
        "Every distribution installed with the framework, walked through installed "
        "metadata with this Python's markers; exact counts, no sampling."
    )
    return Chart("dependencies", title, caption, _save(fig, out, "dependencies"))


def overhead(run: Run, out: Path) -> Chart | Omitted:
    title = "Framework overhead over the bare WSGI/ASGI baseline"
    groups, rows = _cells(run, "server_cpu_us_per_req")
    rows = rows[rows["scenario"].isin(["plaintext", "json"])]
    present = set(rows["framework"])
    pairs = [(fw, b) for fw, b in select.BASELINE_OF.items() if fw in present and b in present]
    if not pairs:
        return Omitted(
            "overhead",
            title,
            "The run lacks a framework and its baseline measured "
            "on the same scenario (plaintext or json).",
        )
    groups = sorted(set(rows["scenario"]))
    series = [(fw, "local") for fw in ordered([p[0] for p in pairs])]
    dep = select.primary_deployment(rows)
    fig, ax = plt.subplots(figsize=(9, 4.4))

    def get(s: Series, scenario: str) -> tuple[Interval | None, bool]:
        def values(fw: str) -> list[float]:
            sel = rows[
                (rows["framework"] == fw)
                & (rows["scenario"] == scenario)
                & (rows["deployment"] == dep)
            ]
            return [float(v) for v in sel.groupby("trial")["server_cpu_us_per_req"].mean()]

        mine, base = values(s[0]), values(select.BASELINE_OF[s[0]])
        if not mine or not base:
            return None, False
        return difference_ci(mine, base), False

    _grouped(ax, groups, series, get, False)
    ax.axhline(0, color="black", lw=0.8)
    ax.set_ylabel("extra server CPU per request over baseline (µs)")
    ax.set_xlabel("scenario")
    ax.set_title(title)
    caption = (
        "CPU µs per request of each framework minus that of the bare callable on the same "
        "server kind (raw WSGI under gunicorn, raw ASGI under uvicorn; CherryPy's cheroot "
        "is compared with raw WSGI under gunicorn). 95% bootstrap CIs of the difference."
    )
    return Chart("overhead", title, caption, _save(fig, out, "overhead"))


def _lines(ax: Axes, rows: pd.DataFrame, metric: str, several: bool) -> bool:
    any_bound = False
    for s in _series(rows):
        sel = rows[(rows["framework"] == s[0]) & (rows["deployment"] == s[1])]
        xs: list[float] = []
        ys: list[float] = []
        lo: list[float] = []
        hi: list[float] = []
        bound_x: list[float] = []
        bound_y: list[float] = []
        for users_value, group in sel.groupby("users", sort=True):
            users = float(str(users_value))
            iv = mean_ci(list(group.groupby("trial")[metric].mean()))
            if not math.isfinite(iv.mean):
                continue
            xs.append(users)
            ys.append(iv.mean)
            lo.append(iv.low if iv.known else iv.mean)
            hi.append(iv.high if iv.known else iv.mean)
            if group["generator_bound"].any():
                bound_x.append(users)
                bound_y.append(iv.mean)
        style = "-" if str(sel["server"].iloc[0]) in ASYNC_SERVERS else "--"
        ax.plot(
            xs,
            ys,
            style,
            marker="o",
            color=palette(s[0]),
            alpha=_alpha(s),
            label=_label(s, several) + (" (async)" if style == "-" else " (sync)"),
        )
        ax.fill_between(xs, lo, hi, color=palette(s[0]), alpha=0.15)
        if bound_x:
            ax.scatter(bound_x, bound_y, marker="x", s=90, color="black", zorder=5)
            any_bound = True
    ax.set_xscale("log", base=2)
    ticks = sorted({float(str(u)) for u in rows["users"].dropna()})
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks])
    return any_bound


def io_sweep(run: Run, out: Path) -> Chart | Omitted:
    title = "/io concurrency sweep: sync vs async"
    rows = run.samples[run.samples["scenario"] == select.IO_SCENARIO]
    if rows.empty:
        return Omitted("io_sweep", title, "The profile of this run has no /io sweep.")
    several = len(set(rows["deployment"])) > 1
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.6))
    bound = _lines(axes[0], rows, "achieved_rps", several)
    _lines(axes[1], rows, "latency_p99_us", several)
    io_ms = rows["io_ms"].max()
    axes[0].set_ylabel("achieved throughput (requests/s)")
    axes[1].set_ylabel("p99 latency (µs)")
    axes[1].set_yscale("log")
    for ax in axes:
        ax.set_xlabel("concurrent users (closed loop, log scale)")
    axes[1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.suptitle(
        f"{title} (each request waits {io_ms:g} ms on the server)"
        + (f"; {GENERATOR_BOUND_NOTE}" if bound else "")
    )
    caption = (
        "Closed loop: each user sends its next /io request when the previous answers. A "
        "server that can keep N waits in progress tops out near N / wait seconds. Solid: "
        "async server (uvicorn); dashed: threaded WSGI servers. Bands: 95% CIs."
    )
    return Chart("io_sweep", title, caption, _save(fig, out, "io_sweep"))


def throughput_vs_users(run: Run, out: Path) -> Chart | Omitted:
    title = "Throughput vs users (closed loop, no wait)"
    rows = run.samples[
        (run.samples["mode"] == "closed") & (run.samples["scenario"] != select.IO_SCENARIO)
    ]
    if rows.empty:
        return Omitted(
            "throughput_vs_users",
            title,
            "The profile of this run has no closed-loop "
            "load levels besides /io (the standard profile leaves them out: on this "
            "machine Locust saturates before the servers do).",
        )
    scenarios = sorted(set(rows["scenario"]))
    fig, axes = plt.subplots(1, len(scenarios), figsize=(6 * len(scenarios), 4.4), squeeze=False)
    several = len(set(rows["deployment"])) > 1
    bound = False
    for ax, scenario in zip(axes.flat, scenarios, strict=True):
        bound = _lines(ax, rows[rows["scenario"] == scenario], "achieved_rps", several) or bound
        ax.set_title(scenario)
        ax.set_xlabel("users (log scale)")
        ax.set_ylabel("achieved throughput (requests/s)")
    axes.flat[-1].legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    fig.suptitle(title + (f"; {GENERATOR_BOUND_NOTE}" if bound else ""))
    caption = (
        "Kept for comparison with other benchmarks. Points marked x were generator-bound: "
        "they show the ceiling of one Locust process, not the server's."
    )
    return Chart("throughput_vs_users", title, caption, _save(fig, out, "throughput_vs_users"))


CHARTS: tuple[Callable[[Run, Path], Chart | Omitted], ...] = (
    throughput,
    cpu_per_request,
    capacity,
    latency,
    memory,
    startup,
    dependencies,
    overhead,
    io_sweep,
    throughput_vs_users,
)


def draw_all(run: Run, out: Path) -> list[Chart | Omitted]:
    return [chart(run, out) for chart in CHARTS]


__all__ = ["CHARTS", "Chart", "Omitted", "draw_all", "ordered", "palette"]
