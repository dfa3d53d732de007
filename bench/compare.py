"""Compare two runs cell by cell: the advisory wall-clock check as a pure function.

A cell counts as changed only when its change passes the threshold AND is significant, as in
asv's `continuous`. Between two runs nothing pairs (each has its own server processes and its
own machine state), so a cell's change is the ratio of its geometric means over rounds with a
Welch t-interval on the logs. That interval alone would flag an A/A pair: two runs of the same
commit differ by more than their rounds show, because

  * the whole run moves a few per cent with the machine's state (a run-wide shift), and
  * each cell moves a little on its own between runs (a server's layout in memory, the
    calibrated rates).

So a cell is significant only when it moved away from zero AND away from the run's own median
shift of that metric, with the cells' spread between runs (estimated robustly from all cells
of the metric, so a few real changes do not inflate it) added to its variance, and with
Holm's adjustment across every cell and metric compared: one flagged cell out of a hundred is
not a fluke of the hundred. The run-wide shift is printed, not judged: a wall-clock comparison
on a shared machine cannot tell a regression of everything from a change of machine state
(the instruction-count gate can).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, replace
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats as sps

from bench.report.stats import Interval, holm, unpaired

Status = Literal["slower", "faster", "same", "generator-bound", "only in A", "only in B"]

# Per mode: the metric compared and whether a larger value is worse (a cost).
METRICS: dict[str, tuple[tuple[str, bool], ...]] = {
    "rate": (("server_cpu_us_per_req", True), ("latency_p99_us", True)),
    "peak": (("achieved_rps", False), ("server_cpu_us_per_req", True)),
    "closed": (("achieved_rps", False),),
    "capacity": (("capacity_rps", False),),
}
CELL: tuple[str, ...] = ("framework", "server", "deployment", "scenario", "mode", "users", "io_ms")
# Offered rates (and the users pacing them) are fractions of each run's own calibrated generator
# ceiling, so two runs rarely share the absolute numbers: open-loop cells pair by rate level.
RATE_CELL: tuple[str, ...] = ("framework", "server", "deployment", "scenario", "mode", "rate_level")
# Capacity-search steps differ in offered rate, and the best peak level may differ between
# runs: one value per round for the whole cell.
WHOLE_CELL: tuple[str, ...] = ("framework", "server", "deployment", "scenario", "mode")
FAMILY_ALPHA = 0.01
"""Chance that an A/A pair (two runs of one commit) flags any cell at all: one in a hundred,
after Holm over every cell and metric, so `bench compare` of a run against its twin passes."""
MAD_TO_SD = 1.4826
"""A normal sample's median absolute deviation times this estimates its standard deviation."""


@dataclass(frozen=True)
class Change:
    cell: tuple[str, ...]
    metric: str
    mean_a: float
    mean_b: float
    cost_ratio: Interval
    """B's cost over A's (for throughput metrics A/B): above 1 means B is slower. Its interval
    includes the between-run spread of the metric."""
    p_value: float
    """Holm-adjusted over every cell and metric compared."""
    status: Status
    run_shift: float = math.nan
    """The median cost ratio of every cell of this metric and mode: the run-wide shift."""

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


def _peak(rows: pd.DataFrame) -> pd.DataFrame:
    """Each framework x server x scenario at its best level (select.peak_level's rule)."""
    keep = []
    for _, group in rows.groupby(["framework", "server", "deployment", "scenario"], sort=True):
        medians = group.groupby(["users", "round"])["achieved_rps"].mean().groupby("users").median()
        keep.append(group[group["users"] == medians.idxmax()])
    return pd.concat(keep) if keep else rows.iloc[0:0]


def _cells(samples: pd.DataFrame, mode: str) -> dict[tuple[str, ...], pd.DataFrame]:
    rows = samples[samples["mode"] == mode]
    if rows.empty:
        return {}
    if mode == "capacity":
        rows = rows[rows["capacity_rps"].notna()]
        keys = WHOLE_CELL
    elif mode == "peak":
        rows = _peak(rows)
        keys = WHOLE_CELL
    elif mode == "rate":
        level = rows.groupby(["framework", "server", "deployment", "scenario"])["offered_rps"].rank(
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


def _per_round(rows: pd.DataFrame, metric: str) -> list[float]:
    """One value per round (a v1 run's trials are its rounds)."""
    key = "round" if rows["round"].notna().any() else "trial"
    clean = rows.dropna(subset=[metric])
    return [float(v) for v in clean.groupby(key)[metric].mean()]


@dataclass(frozen=True)
class _Cell:
    cell: tuple[str, ...]
    metric: str
    cost: bool
    va: list[float]
    vb: list[float]
    bound: bool


def _spread(cells: list[_Cell]) -> tuple[float, float]:
    """(median log change, between-run variance beyond the rounds') of one metric's cells."""
    d, se2 = [], []
    for c in cells:
        got = unpaired(c.vb, c.va) if c.cost else unpaired(c.va, c.vb)
        if got.kind == "unpaired" and got.ratio.mean > 0:
            d.append(math.log(got.ratio.mean))
            se2.append(got.se**2)
    if not d:
        return 0.0, 0.0
    shift = statistics.median(d)
    if len(d) < 3:
        return shift, 0.0
    mad = statistics.median(abs(x - shift) for x in d)
    return shift, max(0.0, (MAD_TO_SD * mad) ** 2 - statistics.median(se2))


def compare(a: pd.DataFrame, b: pd.DataFrame, threshold: float) -> list[Change]:
    """Every cell and metric of the two runs' samples, with its change and status."""
    groups: dict[tuple[str, str], list[_Cell]] = {}
    only: list[Change] = []
    for mode, metrics in METRICS.items():
        cells_a, cells_b = _cells(a, mode), _cells(b, mode)
        for cell in sorted(set(cells_a) | set(cells_b)):
            ra, rb = cells_a.get(cell), cells_b.get(cell)
            for metric, cost in metrics:
                va = _per_round(ra, metric) if ra is not None else []
                vb = _per_round(rb, metric) if rb is not None else []
                if not va or not vb:
                    if va or vb:
                        nan = Interval(math.nan, -math.inf, math.inf, 0)
                        mean_a = float(np.mean(va)) if va else math.nan
                        mean_b = float(np.mean(vb)) if vb else math.nan
                        status: Status = "only in A" if va else "only in B"
                        only.append(Change(cell, metric, mean_a, mean_b, nan, math.nan, status))
                    continue
                bound = bool(
                    ra is not None
                    and rb is not None
                    and (ra["generator_bound"].any() or rb["generator_bound"].any())
                )
                groups.setdefault((mode, metric), []).append(
                    _Cell(cell, metric, cost, va, vb, bound)
                )
    tested: list[tuple[_Cell, Interval, float, float]] = []
    for cells in groups.values():
        shift, tau2 = _spread(cells)
        for c in cells:
            got = (
                unpaired(c.vb, c.va, extra_variance=tau2)
                if c.cost
                else unpaired(c.va, c.vb, extra_variance=tau2)
            )
            p = got.p_different
            if got.kind == "unpaired" and got.se > 0:
                # Away from the run's own shift too, not only from no change at all.
                off = abs(math.log(got.ratio.mean) - shift) / got.se
                p = max(p, float(2 * sps.t.sf(off, got.df)))
            tested.append((c, got.ratio, p, math.exp(shift)))
    adjusted = holm([p for _, _, p, _ in tested])
    changes: list[Change] = []
    for (c, ratio, _, shift), p in zip(tested, adjusted, strict=True):
        significant = ratio.known and p < FAMILY_ALPHA
        # CPU per request is the server's own cost: a busy generator does not change it.
        if c.bound and c.metric != "server_cpu_us_per_req":
            status = "generator-bound"
        elif significant and ratio.mean > 1 + threshold:
            status = "slower"
        elif significant and ratio.mean < 1 - threshold:
            status = "faster"
        else:
            status = "same"
        change = Change(
            c.cell, c.metric, float(np.mean(c.va)), float(np.mean(c.vb)), ratio, p, status
        )
        changes.append(replace(change, run_shift=shift))
    return sorted(changes + only, key=lambda ch: (ch.cell, ch.metric))


def run_shifts(changes: list[Change]) -> dict[tuple[str, str], float]:
    """{(mode, metric): run-wide cost ratio}: how much the whole run moved, per metric."""
    out: dict[tuple[str, str], float] = {}
    for c in changes:
        if math.isfinite(c.run_shift):
            out[(c.cell[4], c.metric)] = c.run_shift
    return out


def regressions(changes: list[Change]) -> list[Change]:
    return [c for c in changes if c.status == "slower"]
