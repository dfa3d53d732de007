"""What a framework adds over the bare callable on the same server, and the framework x server
matrix once more than one server per framework is measured."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from bench.report import peak as peak_mod
from bench.report import select
from bench.report.charts.base import (
    BOUND_HATCH,
    Chart,
    Omitted,
    finite,
    ordered,
    palette,
    primary,
    rank,
    save,
    whisker,
)
from bench.report.load import Run
from bench.report.stats import Interval, difference_ci

COST = "server_cpu_us_per_req"


def _cost_rows(run: Run) -> tuple[pd.DataFrame, str]:
    """Rows to take cost from: each (framework, server, scenario)'s best peak level, or in a
    run without peak samples the highest offered rate all were measured at."""
    rows = primary(run.samples).dropna(subset=[COST])
    peaks = peak_mod.peaks(run.samples)
    if peaks:
        keep = []
        for p in peaks:
            keep.append(
                rows[
                    (rows["mode"] == "peak")
                    & (rows["framework"] == p.framework)
                    & (rows["server"] == p.server)
                    & (rows["scenario"] == p.scenario)
                    & (rows["users"] == p.users)
                ]
            )
        return pd.concat(keep), "at saturation (peak)"
    rate = rows[rows["mode"] == "rate"]
    keep = []
    for _, group in rate.groupby("scenario"):
        level = select.common_level(group, set(group["framework"]))
        keep.append(group[group["offered_rps"] == level])
    out = pd.concat(keep) if keep else rate.iloc[0:0]
    return out, "at the highest common offered rate"


def _values(rows: pd.DataFrame, fw: str, server: str | None, scenario: str) -> list[float]:
    sel = rows[(rows["framework"] == fw) & (rows["scenario"] == scenario)]
    if server is not None:
        sel = sel[sel["server"] == server]
    return [float(v) for v in sel.groupby("trial")[COST].mean()]


def overhead(run: Run, out: Path) -> Chart | Omitted:
    title = "Overhead over the bare baseline"
    rows, where = _cost_rows(run)
    pairs: list[tuple[str, str, str, Interval, bool]] = []
    for (fw, server), mine in rows.groupby(["framework", "server"], sort=True):
        base = select.BASELINE_OF.get(str(fw))
        if base is None:
            continue
        for scenario in sorted(set(mine["scenario"])):
            same = _values(rows, base, str(server), scenario)
            cross = not same
            base_values = same or _values(rows, base, None, scenario)
            values = _values(rows, str(fw), str(server), scenario)
            if values and base_values:
                iv = difference_ci(values, base_values)
                pairs.append((str(fw), str(server), scenario, iv, cross))
    if not pairs:
        return Omitted(
            "overhead", title, "The run lacks a framework and its baseline on one scenario."
        )
    scenarios = sorted({p[2] for p in pairs})
    series = sorted({(p[0], p[1]) for p in pairs}, key=lambda s: (rank(s[0]), s[1]))
    width = 0.8 / len(series)
    fig, ax = plt.subplots(figsize=(9, 4.4), layout="constrained")
    any_cross = False
    for i, (fw, server) in enumerate(series):
        for j, scenario in enumerate(scenarios):
            hit = [p for p in pairs if p[:3] == (fw, server, scenario)]
            if not hit or not finite(hit[0][3].mean):
                continue
            iv, cross = hit[0][3], hit[0][4]
            x = j - 0.4 + width * (i + 0.5)
            ax.bar(
                x,
                iv.mean,
                width,
                color=palette(fw),
                hatch=BOUND_HATCH if cross else None,
                edgecolor="black" if cross else palette(fw),
            )
            err = whisker(iv)
            if err:
                ax.errorbar(x, iv.mean, yerr=err, color="black", capsize=2, lw=1)
            any_cross = any_cross or cross
    ax.axhline(0, color="black", lw=0.8)
    ax.set_xticks(range(len(scenarios)), [f"/{s}" for s in scenarios])
    ax.set_ylabel("extra server CPU per request (µs)")
    ax.set_xlabel(f"scenario ({where})")
    several = len({s for _, s in series}) < len(series)
    handles = [
        Patch(facecolor=palette(fw), label=f"{fw} ({server})" if several else fw)
        for fw, server in series
    ]
    if any_cross:
        handles.append(
            Patch(facecolor="white", edgecolor="black", hatch=BOUND_HATCH, label="cross-server")
        )
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(f"{title} on the same server ({where})", fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    caption = (
        "Each bar is a framework's CPU per request minus the bare WSGI/ASGI callable's on the "
        "same server: the framework's own cost; hatched bars compare across servers "
        "(CherryPy on cheroot against raw WSGI on gunicorn)."
    )
    return save(fig, out, "overhead", title, caption)


def server_matrix(run: Run, out: Path) -> Chart | Omitted:
    title = "Framework x server: peak throughput"
    scenario = peak_mod.headline_scenario(run.samples)
    found = peak_mod.peaks(run.samples, scenario) if scenario else []
    servers_of: dict[str, set[str]] = {}
    for p in found:
        servers_of.setdefault(p.framework, set()).add(p.server)
    if not any(len(s) > 1 for s in servers_of.values()):
        return Omitted(
            "server_matrix",
            title,
            "Each framework ran on one server in this run; the matrix needs the server matrix.",
        )
    frameworks = ordered(list(servers_of))
    servers = sorted({p.server for p in found})
    grid = np.full((len(frameworks), len(servers)), np.nan)
    marks: dict[tuple[int, int], str] = {}
    for p in found:
        i, j = frameworks.index(p.framework), servers.index(p.server)
        grid[i, j] = p.rps.mean
        marks[(i, j)] = f"{p.mark}{p.rps.mean:,.0f}"
    fig, ax = plt.subplots(
        figsize=(1.3 * len(servers) + 3.5, 0.5 * len(frameworks) + 1.6), layout="constrained"
    )
    image = ax.imshow(grid, cmap="viridis", aspect="auto")
    for (i, j), text in marks.items():
        light = grid[i, j] < np.nanmean(grid)
        ax.text(j, i, text, ha="center", va="center", fontsize=8,
                color="white" if light else "black")  # fmt: skip
    ax.set_xticks(range(len(servers)), servers)
    ax.set_yticks(range(len(frameworks)), frameworks)
    fig.colorbar(image, ax=ax, label="peak throughput (requests/s)")
    ax.set_title(f"{title}, /{scenario}", fontsize=10)
    caption = (
        "Read along a row for what the server changes and down a column for what the framework "
        "changes; '≥' cells are lower bounds, empty cells were not measured."
    )
    return save(fig, out, "server_matrix", title, caption)
