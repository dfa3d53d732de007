"""Compare two runs cell by cell: the advisory wall-clock check (issue 7) as a pure function.

A cell counts as slower only when the change passes the threshold AND is significant, as in
asv's `continuous`. Significance is a 95% bootstrap CI of the ratio of means that excludes 1:
with the 3 trials a standard cell has, an exact Mann-Whitney U test cannot go below p = 0.1, so
it could never flag anything; its p-value is still shown for reference.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import pandas as pd

from bench.report.stats import Interval, ratio_ci

Status = Literal["slower", "faster", "same", "generator-bound", "only in A", "only in B"]

# Per mode: the metric compared and whether a larger value is worse (a cost).
METRICS: dict[str, tuple[tuple[str, bool], ...]] = {
    "rate": (("server_cpu_us_per_req", True), ("latency_p99_us", True)),
    "closed": (("achieved_rps", False),),
    "capacity": (("capacity_rps", False),),
}
CELL: tuple[str, ...] = ("framework", "deployment", "scenario", "mode", "users", "io_ms")
# Offered rates (and the users pacing them) are fractions of each run's own calibrated generator
# ceiling, so two runs rarely share the absolute numbers: open-loop cells pair by rate level.
RATE_CELL: tuple[str, ...] = ("framework", "deployment", "scenario", "mode", "rate_level")
# Capacity-search steps differ in offered rate; the search's result is one value per trial.
CAPACITY_CELL: tuple[str, ...] = ("framework", "deployment", "scenario", "mode")


@dataclass(frozen=True)
class Change:
    cell: tuple[str, ...]
    metric: str
    mean_a: float
    mean_b: float
    cost_ratio: Interval
    """B's cost over A's (for throughput metrics A/B): above 1 means B is slower."""
    p_value: float
    status: Status

    @property
    def percent(self) -> float:
        return (self.cost_ratio.mean - 1) * 100


def parse_threshold(text: str) -> float:
    """'5%', '5' or '0.05' -> 0.05."""
    from bench.errors import UsageError

    raw = text.strip().rstrip("%")
    try:
        value = float(raw)
    except ValueError:
        raise UsageError(f"--threshold must be a percentage like 5%, got {text!r}") from None
    fraction = value / 100 if text.strip().endswith("%") or value >= 1 else value
    if not 0 <= fraction < 10 or math.isnan(fraction):
        raise UsageError(f"--threshold must be between 0% and 1000%, got {text!r}")
    return fraction


def _cells(samples: pd.DataFrame, mode: str) -> dict[tuple[str, ...], pd.DataFrame]:
    rows = samples[samples["mode"] == mode]
    if mode == "capacity":
        if "capacity_rps" not in rows.columns:
            return {}
        rows = rows[rows["capacity_rps"].notna()]
        keys = CAPACITY_CELL
    elif mode == "rate":
        level = rows.groupby(["framework", "deployment", "scenario"])["offered_rps"].rank(
            method="dense"
        )
        rows = rows.assign(rate_level=[f"level {v:g}" for v in level])
        keys = RATE_CELL
    else:
        keys = CELL
    out: dict[tuple[str, ...], pd.DataFrame] = {}
    for key, group in rows.groupby(list(keys), dropna=False, sort=True):
        out[tuple(_label(k) for k in key)] = group
    return out


def _label(value: object) -> str:
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:g}"
    return str(value)


def _per_trial(rows: pd.DataFrame, metric: str) -> list[float]:
    clean = rows.dropna(subset=[metric])
    return [float(v) for v in clean.groupby("trial")[metric].mean()]


def _p_value(a: list[float], b: list[float]) -> float:
    from scipy.stats import mannwhitneyu

    if len(a) < 2 or len(b) < 2 or len(set(a) | set(b)) < 2:
        return math.nan
    return float(mannwhitneyu(a, b, alternative="two-sided").pvalue)


def compare(a: pd.DataFrame, b: pd.DataFrame, threshold: float) -> list[Change]:
    """Every cell and metric of the two runs' samples, with its change and status."""
    changes: list[Change] = []
    for mode, metrics in METRICS.items():
        cells_a, cells_b = _cells(a, mode), _cells(b, mode)
        for cell in sorted(set(cells_a) | set(cells_b)):
            for metric, cost in metrics:
                if metric not in a.columns or metric not in b.columns:
                    continue
                ra, rb = cells_a.get(cell), cells_b.get(cell)
                va = _per_trial(ra, metric) if ra is not None else []
                vb = _per_trial(rb, metric) if rb is not None else []
                if not va or not vb:
                    if va or vb:
                        status: Status = "only in A" if va else "only in B"
                        nan = Interval(math.nan, -math.inf, math.inf, 0)
                        mean_a = sum(va) / len(va) if va else math.nan
                        mean_b = sum(vb) / len(vb) if vb else math.nan
                        changes.append(Change(cell, metric, mean_a, mean_b, nan, math.nan, status))
                    continue
                ratio = ratio_ci(vb, va) if cost else ratio_ci(va, vb)
                bound = bool(
                    ra is not None
                    and rb is not None
                    and (ra["generator_bound"].any() or rb["generator_bound"].any())
                )
                # CPU per request is the server's own cost: a busy generator does not change it.
                if bound and metric != "server_cpu_us_per_req":
                    status = "generator-bound"
                elif ratio.known and ratio.low > 1 and ratio.mean > 1 + threshold:
                    status = "slower"
                elif ratio.known and ratio.high < 1 and ratio.mean < 1 - threshold:
                    status = "faster"
                else:
                    status = "same"
                changes.append(
                    Change(
                        cell,
                        metric,
                        sum(va) / len(va),
                        sum(vb) / len(vb),
                        ratio,
                        _p_value(va, vb),
                        status,
                    )
                )
    return changes


def regressions(changes: list[Change]) -> list[Change]:
    return [c for c in changes if c.status == "slower"]
