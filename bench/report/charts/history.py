"""The history chart: each headline metric across runs, one line per framework."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D

from bench.report import history as history_mod
from bench.report.charts.base import Chart, Omitted, ordered, palette, save, whisker, wrap
from bench.report.load import Run

MAX_LABELS = 12
"""More runs than this get every n-th tick label, so the labels never overlap."""


def _label(run: Run) -> str:
    git = run.meta.get("git") or {}
    sha = str(git.get("sha") or "")[:7] if isinstance(git, dict) else ""
    when = run.started.replace("T", " ")[:16]
    return f"{when}\n{sha}" if sha else when


def history(runs: Sequence[Run], out: Path, name: str = "history") -> Chart | Omitted:
    title = "Headline metrics across runs"
    if len(runs) < 2:
        return Omitted(name, title, "Fewer than two comparable complete runs in results/.")
    found = history_mod.series(runs)
    metrics = [(m, label) for m, label in history_mod.METRICS if any(p.metric == m for p in found)]
    if not metrics:
        return Omitted(name, title, "The runs have no headline metric in common.")
    index = {run.run_id: i for i, run in enumerate(runs)}
    fig, axes = plt.subplots(
        len(metrics), 1, figsize=(11, 2.6 * len(metrics) + 0.8), sharex=True, squeeze=False,
        layout="constrained",
    )  # fmt: skip
    frameworks = ordered([p.framework for p in found])
    for ax, (metric, label) in zip(axes[:, 0], metrics, strict=True):
        for fw in frameworks:
            mine = sorted(
                (p for p in found if p.metric == metric and p.framework == fw),
                key=lambda p: index[p.run_id],
            )
            if not mine:
                continue
            xs = [index[p.run_id] for p in mine]
            ax.plot(xs, [p.value.mean for p in mine], "-", color=palette(fw), lw=1.4)
            for x, p in zip(xs, mine, strict=True):
                err = whisker(p.value)
                ax.errorbar(
                    x, p.value.mean, yerr=err, fmt="o", ms=5, color=palette(fw), capsize=2,
                    mfc="white" if p.lower_bound else palette(fw),
                )  # fmt: skip
        ax.set_ylabel(wrap(label, 24), fontsize=9)
        ax.grid(alpha=0.3)
    step = max(1, -(-len(runs) // MAX_LABELS))
    ticks = list(range(0, len(runs), step))
    axes[-1, 0].set_xticks(ticks, [_label(runs[i]) for i in ticks], fontsize=8)
    axes[-1, 0].set_xlabel("run (start time, git commit)")
    handles = [Line2D([], [], color=palette(fw), marker="o", label=fw) for fw in frameworks]
    handles.append(
        Line2D([], [], color="grey", marker="o", mfc="white", lw=0, label="lower bound (≥)")
    )
    fig.legend(handles=handles, loc="outside right upper", fontsize=8)
    fig.suptitle(f"{title} ({len(runs)} comparable runs)", fontsize=11)
    caption = (
        "Flat lines are good; a step between two runs is a change in that commit (or the "
        "machine); whiskers are each run's 95% CI, hollow points lower bounds."
    )
    return save(fig, out, name, title, caption)
