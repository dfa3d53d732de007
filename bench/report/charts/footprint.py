"""Memory, start-up and installed dependencies: what a framework costs before any request."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.axes import Axes

from bench.report import select
from bench.report.charts.base import Chart, Omitted, interval, ordered, palette, save, whisker
from bench.report.load import Run


def _dots(ax: Axes, values: Mapping[str, Sequence[float]], xlabel: str, title: str) -> None:
    """One row per framework: every sample as a dot (the spread), the mean with its 95% CI."""
    names = ordered(list(values))
    if not names:
        ax.text(0.5, 0.5, "no samples in this run", ha="center", transform=ax.transAxes)
        ax.set_axis_off()
        return
    for i, fw in enumerate(names):
        y = len(names) - 1 - i
        vals = [float(v) for v in values[fw]]
        offsets = [((k % 5) - 2) * 0.06 for k in range(len(vals))]
        ax.scatter(vals, [y + o for o in offsets], s=14, color=palette(fw), alpha=0.6, lw=0)
        iv = interval(vals)
        err = whisker(iv)
        ax.errorbar(iv.mean, y, xerr=err, fmt="|", color="black", ms=12, capsize=3, lw=1.2)
    ax.set_yticks(range(len(names)), list(reversed(names)), fontsize=9)
    ax.set_ylim(-0.6, len(names) - 0.4)
    ax.set_xlabel(xlabel)
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)


def _facts(run: Run, key: str) -> dict[str, list[float]]:
    out = {}
    for fw, facts in run.facts.items():
        values = (facts.get("import_time") or {}).get(key) or []
        if values:
            out[fw] = [float(v) for v in values]
    return out


def memory(run: Run, out: Path) -> Chart | Omitted:
    title = "Memory"
    one = _facts(run, "rss_samples_mib")
    idle = select.per_round(run.samples, "rss_idle_mib")
    peak = select.per_round(run.samples, "rss_peak_mib")
    if not (one or idle or peak):
        return Omitted("memory", title, "No sample has RSS numbers and the run has no facts.")
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), layout="constrained")
    _dots(axes[0], one, "RSS (MiB)", "one process holding the app")
    _dots(axes[1], idle, "RSS of the server tree (MiB)", "server idle, after start-up")
    _dots(axes[2], peak, "RSS of the server tree (MiB)", "server peak, under load")
    fig.suptitle(f"{title}: dots are samples, bars the mean with its 95% CI", fontsize=11)
    caption = (
        "Left decides memory claims (the framework alone); middle and right add each server's "
        "worker count (gunicorn forks several processes, uvicorn and cheroot one)."
    )
    return save(fig, out, "memory", title, caption)


def startup(run: Run, out: Path) -> Chart | Omitted:
    title = "Start-up and import time"
    spawn = select.per_round(run.samples, "startup_s", "first")
    imports = _facts(run, "samples")
    if not spawn and not imports:
        return Omitted("startup", title, "The run has neither start-up times nor import facts.")
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    _dots(axes[0], spawn, "spawn to first 200 (s)", "server spawn to first 200 (each round)")
    _dots(axes[1], imports, "import time (s)", "import and build the app (fresh interpreter)")
    fig.suptitle(f"{title}: dots are samples, bars the mean with its 95% CI", fontsize=11)
    caption = (
        "Shorter is better; spawn to first 200 includes the server's own start and its workers, "
        "import time only the framework and the app."
    )
    return save(fig, out, "startup", title, caption)


def dependencies(run: Run, out: Path) -> Chart | Omitted:
    title = "Installed dependency closure"
    deps = {fw: f.get("dependencies") for fw, f in run.facts.items() if f.get("dependencies")}
    deps = {fw: d for fw, d in deps.items() if fw in select.FIVE and d}
    if not deps:
        return Omitted("dependencies", title, "The run has no dependency facts (facts.json).")
    names = ordered(list(deps))
    alone = [int(deps[n].get("framework_count", 0)) for n in names]
    server = [
        int(deps[n].get("with_server_count", 0)) - a for n, a in zip(names, alone, strict=True)
    ]
    fig, ax = plt.subplots(figsize=(8, 3.6), layout="constrained")
    colours = [palette(n) for n in names]
    ax.bar(names, alone, color=colours, label="framework alone")
    ax.bar(names, server, bottom=alone, color=colours, alpha=0.35, label="+ its production server")
    for i, (a, s) in enumerate(zip(alone, server, strict=True)):
        ax.text(i, a + s + 0.1, f"{a} (+{s})", ha="center", va="bottom", fontsize=9)
    ax.set_ylim(0, max(a + s for a, s in zip(alone, server, strict=True)) * 1.2 + 1)
    ax.set_ylabel("installed distributions (count)")
    ax.set_title(title + " (exact counts)", fontsize=10)
    ax.legend(fontsize=8, loc="upper left")
    caption = (
        "Counted from installed metadata, no sampling: the solid part is what the framework "
        "brings, the pale part what its production server adds."
    )
    return save(fig, out, "dependencies", title, caption)
