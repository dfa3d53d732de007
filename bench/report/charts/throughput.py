"""The headline (peak throughput per framework) and peak throughput and cost per scenario."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from bench.report import peak as peak_mod
from bench.report.charts.base import (
    BOUND_HATCH,
    LOWER_BOUND_NOTE,
    Chart,
    Omitted,
    finite,
    ordered,
    palette,
    rank,
    save,
    whisker,
)
from bench.report.load import Run
from bench.report.peak import Peak
from bench.report.stats import Interval

NO_PEAK = "The run has no peak-mode samples (closed loop at saturation; schema v2 runs have them)."


def _bar_label(p: Peak) -> str:
    value = f"{p.mark}{p.rps.mean:,.0f}"
    return value if not p.lower_bound else f"{value} ({p.bound}-bound)"


def headline(run: Run, out: Path) -> Chart | Omitted:
    found = peak_mod.headline(run.samples, run.meta)
    title = "Peak throughput per framework"
    if not found:
        return Omitted("headline", title, NO_PEAK)
    scenario = found[0].scenario
    levels = sorted({int(u) for u in peak_mod.peak_rows(run.samples)["users"].dropna()})
    fig, ax = plt.subplots(figsize=(7.2, 0.42 * len(found) + 1.5), layout="constrained")
    top = max(p.rps.high if p.rps.known else p.rps.mean for p in found)
    for i, p in enumerate(found):
        y = len(found) - 1 - i
        ax.barh(
            y,
            p.rps.mean,
            color=palette(p.framework),
            # pale under the hatch, so the hatch shows on every colour (black included)
            alpha=0.45 if p.lower_bound else 1.0,
            hatch=BOUND_HATCH if p.lower_bound else None,
            edgecolor="black" if p.lower_bound else palette(p.framework),
            height=0.7,
        )
        err = whisker(p.rps)
        if err:
            ax.errorbar(p.rps.mean, y, xerr=err, color="black", capsize=3, lw=1)
        end = p.rps.high if p.rps.known else p.rps.mean
        ax.text(end + top * 0.015, y, _bar_label(p), va="center", fontsize=9)
    ax.set_yticks(
        range(len(found)), [f"{p.framework} ({p.server})" for p in reversed(found)], fontsize=9
    )
    ax.set_xlim(0, top * 1.5)
    ax.set_xlabel("requests per second (mean over trials, 95% CI)")
    ax.set_title(f"{title}: /{scenario}, best of {'/'.join(map(str, levels))} users", fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    ax.set_axisbelow(True)
    caption = (
        "Longest bar serves the most requests per second at saturation; hatched bars and '≥' "
        "are lower bounds: something other than the server's cores ran out first."
    )
    return save(fig, out, "headline", title, caption)


def _grouped(
    ax: Axes,
    scenarios: Sequence[str],
    frameworks: Sequence[str],
    get: dict[tuple[str, str], tuple[Interval, bool]],
) -> bool:
    width = 0.8 / max(len(frameworks), 1)
    any_bound = False
    for i, fw in enumerate(frameworks):
        for j, scenario in enumerate(scenarios):
            if (fw, scenario) not in get:
                continue
            iv, bound = get[(fw, scenario)]
            if not finite(iv.mean):
                continue
            x = j - 0.4 + width * (i + 0.5)
            ax.bar(
                x,
                iv.mean,
                width,
                color=palette(fw),
                alpha=0.45 if bound else 1.0,
                hatch=BOUND_HATCH if bound else None,
                edgecolor="black" if bound else palette(fw),
            )
            err = whisker(iv)
            if err:
                ax.errorbar(x, iv.mean, yerr=err, color="black", capsize=2, lw=1)
            any_bound = any_bound or bound
    ax.set_xticks(range(len(scenarios)), list(scenarios))
    ax.grid(axis="y", alpha=0.3)
    ax.set_axisbelow(True)
    return any_bound


def saturation(run: Run, out: Path) -> Chart | Omitted:
    title = "Peak throughput and server CPU per request at saturation, by scenario"
    found = peak_mod.peaks(run.samples)
    if not found:
        return Omitted("saturation", title, NO_PEAK)
    best: dict[tuple[str, str], Peak] = {}
    for p in found:
        key = (p.framework, p.scenario)
        if key not in best or p.rps.mean > best[key].rps.mean:
            best[key] = p
    scenarios = sorted({p.scenario for p in found})
    frameworks = ordered([p.framework for p in found])
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(11, 7.2), sharex=True, layout="constrained")
    bound = _grouped(
        top, scenarios, frameworks, {k: (p.rps, p.lower_bound) for k, p in best.items()}
    )
    _grouped(
        bottom,
        scenarios,
        frameworks,
        {k: (p.cpu_us_per_req, p.lower_bound) for k, p in best.items()},
    )
    top.set_ylabel("peak throughput (requests/s)")
    bottom.set_ylabel("server CPU per request (µs)")
    bottom.set_xlabel("scenario (closed loop, best users level per framework)")
    handles = [Patch(facecolor=palette(fw), label=fw) for fw in sorted(frameworks, key=rank)]
    if bound:
        handles.append(
            Patch(facecolor="white", edgecolor="black", hatch=BOUND_HATCH, label="lower bound (≥)")
        )
    fig.legend(handles=handles, loc="outside right upper", fontsize=8)
    fig.suptitle(title, fontsize=11)
    caption = (
        "Tall bars on top and short bars below are good; a framework's cost at saturation "
        "is what capacity claims use. " + (LOWER_BOUND_NOTE + "." if bound else "")
    ).strip()
    return save(fig, out, "saturation", title, caption)
