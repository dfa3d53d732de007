"""Latency against offered load (the hockey stick) and latency by percentile (the spectrum)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from hdrh.histogram import HdrHistogram
from matplotlib.lines import Line2D

from bench.report.charts.base import (
    Chart,
    Omitted,
    grid,
    interval,
    one_server,
    ordered,
    palette,
    primary,
    save,
)
from bench.report.load import Run

OPEN_LOOP = ("rate", "capacity")
LEVEL_DIGITS = 3
"""Capacity steps of different trials land on slightly different rates; offered rates equal to
three significant digits are one point of the curve."""


def slo_ms(meta: Mapping[str, Any]) -> float | None:
    """The run's p99 SLO (ms), wherever run.json's config keeps it."""

    def walk(node: Any) -> Iterator[float]:
        if isinstance(node, Mapping):
            for key, value in node.items():
                if key == "slo_p99_ms" and isinstance(value, int | float):
                    yield float(value)
                else:
                    yield from walk(value)

    return next(walk(meta.get("config") or {}), None)


def _round(x: float) -> float:
    if not math.isfinite(x) or x <= 0:
        return x
    return round(x, LEVEL_DIGITS - 1 - math.floor(math.log10(x)))


def _intended(run: Run) -> str:
    if int(run.meta.get("schema_version", 1)) >= 2:
        return "from intended send times"
    return "from actual send times (a v1 run: coordinated omission not corrected)"


def load_curve(run: Run, out: Path) -> Chart | Omitted:
    title = "Latency against offered load"
    rows = one_server(run.meta, primary(run.samples))
    rows = rows[rows["mode"].isin(OPEN_LOOP) & rows["latency_p99_us"].notna()]
    rows = rows[rows["offered_rps"].notna()]
    if rows.empty:
        return Omitted("load_curve", title, "The run has no open-loop samples with latency.")
    rows = rows.assign(level=rows["offered_rps"].map(_round))
    scenarios = sorted(set(rows["scenario"]))
    fig, axes = grid(len(scenarios), 3, 11, 3.6)
    slo = slo_ms(run.meta)
    for ax, scenario in zip(axes, scenarios, strict=True):
        mine = rows[rows["scenario"] == scenario]
        for fw in ordered(list(mine["framework"])):
            sel = mine[mine["framework"] == fw]
            levels = sorted(set(sel["level"]))
            for col, style, width in (("latency_p99_us", "-", 1.6), ("latency_p50_us", "--", 1)):
                ivs = [interval(list(sel.loc[sel["level"] == lv, col] / 1000)) for lv in levels]
                ys = [iv.mean for iv in ivs]
                ax.plot(levels, ys, style, color=palette(fw), lw=width, marker=".", ms=4)
                lo = [iv.low if iv.known else iv.mean for iv in ivs]
                hi = [iv.high if iv.known else iv.mean for iv in ivs]
                if col == "latency_p99_us":
                    ax.fill_between(levels, lo, hi, color=palette(fw), alpha=0.15, lw=0)
            capacity = sel["capacity_rps"].dropna()
            if not capacity.empty:
                hollow = sel["bound"].isin(["generator", "threads"]).any()
                ax.plot(
                    [float(capacity.mean())],
                    [0.0],
                    marker="^",
                    ms=8,
                    color=palette(fw),
                    mfc="white" if hollow else palette(fw),
                    transform=ax.get_xaxis_transform(),
                    clip_on=False,
                    zorder=5,
                )
        if slo is not None:
            ax.axhline(slo, color="#D55E00", lw=1, ls=":")
        ax.set_yscale("log")
        ax.minorticks_off()  # decades are enough to read a knee, and minor ticks cost seconds
        ax.set_title(f"/{scenario}", fontsize=10)
        ax.set_xlabel("offered load (requests/s)")
        ax.set_ylabel("latency (ms, log)")
        ax.grid(alpha=0.3, which="major")
    handles = [
        Line2D([], [], color=palette(fw), lw=2, label=fw) for fw in ordered(list(rows["framework"]))
    ]
    handles += [
        Line2D([], [], color="grey", lw=1.6, label="p99"),
        Line2D([], [], color="grey", lw=1, ls="--", label="p50"),
        Line2D([], [], color="grey", marker="^", lw=0, label="capacity at the SLO"),
    ]
    if slo is not None:
        handles.append(Line2D([], [], color="#D55E00", ls=":", label=f"SLO p99 {slo:g} ms"))
    fig.legend(handles=handles, loc="outside right upper", fontsize=8)
    fig.suptitle(f"{title} (open loop, {_intended(run)})", fontsize=11)
    caption = (
        "Flat is good: where a framework's p99 turns up (the knee) is where it stops keeping up; "
        "triangles mark each one's capacity at the SLO (hollow: a lower bound)."
    )
    return save(fig, out, "load_curve", title, caption)


# p50 .. p99.99 on a 1/(1-q) axis: each decade is one more nine.
SPECTRUM_X = np.logspace(math.log10(2), 4, 60)
SPECTRUM_TICKS = ((2, "50%"), (10, "90%"), (100, "99%"), (1000, "99.9%"), (10000, "99.99%"))
BACKING = 100
"""A percentile q is drawn solid only with >= BACKING / (1 - q) requests behind it (p99 wants
10,000): fewer, and the tail is a handful of requests."""


def _histogram(run: Run, sample_ids: list[str]) -> HdrHistogram | None:
    pooled: HdrHistogram | None = None
    for sid in sample_ids:
        path = run.path / "hdr" / f"{sid}.latency.hdr"
        if not path.is_file():  # a v1 run's name for the same histogram
            path = run.path / "hdr" / f"{sid}.hdr"
        if not path.is_file():
            continue
        hist = HdrHistogram.decode(path.read_bytes().strip())
        if pooled is None:
            pooled = hist
        else:
            pooled.add(hist)
    return pooled


def _levels(rows: pd.DataFrame) -> dict[str, float]:
    """Per scenario, the highest offered rate every framework there was measured at."""
    out = {}
    for scenario, group in rows.groupby("scenario", sort=True):
        common: set[float] | None = None
        for _, mine in group.groupby("framework"):
            levels = set(mine["offered_rps"].dropna())
            common = levels if common is None else common & levels
        if common:
            out[str(scenario)] = max(common)
    return out


def spectrum(run: Run, out: Path) -> Chart | Omitted:
    title = "Latency by percentile"
    rows = one_server(run.meta, primary(run.samples))
    rows = rows[rows["mode"] == "rate"]
    levels = _levels(rows)
    curves: dict[str, dict[str, tuple[np.ndarray, int]]] = {}
    for scenario, level in levels.items():
        at = rows[(rows["scenario"] == scenario) & (rows["offered_rps"] == level)]
        for fw, mine in at.groupby("framework"):
            hist = _histogram(run, [str(s) for s in mine["sample_id"]])
            if hist is None or hist.get_total_count() == 0:
                continue
            qs = 100 * (1 - 1 / SPECTRUM_X)
            ms = np.array([hist.get_value_at_percentile(q) / 1000 for q in qs])
            curves.setdefault(scenario, {})[str(fw)] = (ms, int(hist.get_total_count()))
    if not curves:
        return Omitted(
            "spectrum", title, "The run has no hdr/<sample-id>.latency.hdr for its rate samples."
        )
    scenarios = sorted(curves)
    fig, axes = grid(len(scenarios), 3, 11, 3.4)
    for ax, scenario in zip(axes, scenarios, strict=True):
        for fw in ordered(list(curves[scenario])):
            ms, count = curves[scenario][fw]
            backed = count / BACKING >= SPECTRUM_X
            ax.plot(SPECTRUM_X[backed], ms[backed], color=palette(fw), lw=1.6)
            tail = ~backed
            if tail.any():
                start = max(int(np.argmax(tail)) - 1, 0)
                ax.plot(SPECTRUM_X[start:], ms[start:], color=palette(fw), lw=1, ls=":")
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks([t for t, _ in SPECTRUM_TICKS], [label for _, label in SPECTRUM_TICKS])
        ax.minorticks_off()
        ax.set_title(f"/{scenario} at {levels[scenario]:g} req/s offered", fontsize=10)
        ax.set_xlabel("percentile (1/(1-q) scale)")
        ax.set_ylabel("latency (ms, log)")
        ax.grid(alpha=0.3)
    fws = ordered([fw for c in curves.values() for fw in c])
    handles = [Line2D([], [], color=palette(fw), lw=2, label=fw) for fw in fws]
    handles.append(
        Line2D([], [], color="grey", ls=":", label=f"< {BACKING}/(1-q) requests behind it")
    )
    fig.legend(handles=handles, loc="outside right upper", fontsize=8)
    fig.suptitle(f"{title} (HdrHistograms pooled over trials, {_intended(run)})", fontsize=11)
    caption = (
        "Low and flat is good: each curve climbs from the median (left) to one request in ten "
        "thousand (right); dotted where too few requests stand behind the percentile."
    )
    return save(fig, out, "spectrum", title, caption)
