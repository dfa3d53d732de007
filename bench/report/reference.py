"""The run's peak figures beside the outside reference (wrk, CPU from /proc): does it agree?

A pure function of the samples and crosscheck.json. Per framework and peak scenario: the
Locust peak at wrk's connection count, its per-round throughput and server CPU per request at
saturation with their spread across rounds, and wrk's figures for the same server, path,
headers, connections and pinning, taken in the same visit of each round: the ratio is the
median of the rounds' own ratios, so that the machine's drift between rounds cancels.
Agreement is judged only where the run's peak is the server's (bound `server`); a lower
bound cannot agree with a ceiling.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

RPS_TOLERANCE = 0.05
"""Peak throughput within 5% of wrk's."""
CPU_TOLERANCE = 0.10
"""CPU per request at saturation within 10% of the /proc meter's under wrk."""


@dataclass(frozen=True)
class Agreement:
    framework: str
    server: str
    scenario: str
    users: int
    rounds: int
    bound: str
    """The most common bound of the best level's rounds."""
    peak_rps: float
    """Median over rounds."""
    peak_rps_cv: float
    cpu_us_per_req: float
    cpu_cv: float
    wrk_rps: float
    """Median over wrk's windows."""
    proc_cpu_us_per_req: float
    paired_rps_ratios: tuple[float, ...] = ()
    """Per round that has both: Locust's peak over wrk's, the same server process minutes
    apart at most (runs before the per-round cross-check have none)."""
    paired_cpu_ratios: tuple[float, ...] = ()

    @property
    def server_bound(self) -> bool:
        return self.bound == "server"

    @property
    def rps_ratio(self) -> float:
        """The median paired ratio where rounds pair up; else the medians' ratio."""
        if self.paired_rps_ratios:
            return statistics.median(self.paired_rps_ratios)
        return self.peak_rps / self.wrk_rps if self.wrk_rps else math.nan

    @property
    def cpu_ratio(self) -> float:
        if self.paired_cpu_ratios:
            return statistics.median(self.paired_cpu_ratios)
        return (
            self.cpu_us_per_req / self.proc_cpu_us_per_req if self.proc_cpu_us_per_req else math.nan
        )

    @property
    def rps_agrees(self) -> bool:
        return abs(self.rps_ratio - 1) <= RPS_TOLERANCE

    @property
    def cpu_agrees(self) -> bool:
        return abs(self.cpu_ratio - 1) <= CPU_TOLERANCE

    def as_dict(self) -> dict[str, Any]:
        return {
            **{k: v for k, v in vars(self).items()},
            "rps_ratio": self.rps_ratio,
            "cpu_ratio": self.cpu_ratio,
            "rps_agrees": self.rps_agrees,
            "cpu_agrees": self.cpu_agrees,
        }


def enough_for(percentile: float, requests: int) -> bool:
    """Whether `requests` can support a percentile: about 100 / (1 - q) of them, so that the
    tail beyond it holds some 100 requests (p99 wants 10,000, p99.9 100,000)."""
    return requests >= round(100 / (1 - percentile / 100))


def cv(values: list[float]) -> float:
    vals = [v for v in values if not math.isnan(v)]
    if len(vals) < 2 or statistics.fmean(vals) == 0:
        return math.nan
    return statistics.stdev(vals) / statistics.fmean(vals)


def best_level(rows: pd.DataFrame) -> int:
    """The users level with the highest median achieved rate over the rounds."""
    medians = rows.groupby("users")["achieved_rps"].median()
    return int(str(medians.idxmax()))


def agreements(samples: pd.DataFrame, crosscheck: list[dict[str, Any]]) -> list[Agreement]:
    """Per (framework, server, peak scenario): Locust's peak at wrk's connection count (the
    best level where wrk did not run), beside wrk's, paired round by round where both ran."""
    peak = samples[samples["mode"] == "peak"]
    wrk: dict[tuple[str, Any, str], list[dict[str, Any]]] = {}
    for r in crosscheck:
        if "wrk_rps" in r:
            wrk.setdefault((r["framework"], r.get("server"), r["scenario"]), []).append(r)
    out: list[Agreement] = []
    for (fw, server, scenario), group in peak.groupby(
        ["framework", "server", "scenario"], sort=True
    ):
        refs = wrk.get((str(fw), str(server), str(scenario)), [])
        users = int(refs[0]["users"]) if refs else best_level(group)
        rows = group[group["users"] == users]
        if rows.empty:  # wrk ran at a level this run's Locust cells did not
            users = best_level(group)
            rows = group[group["users"] == users]
        rps = [float(v) for v in rows["achieved_rps"]]
        cpu = [float(v) for v in rows["server_cpu_us_per_req"]]
        bounds = [str(b) for b in rows["bound"]]
        rps_pairs, cpu_pairs = _paired(rows, refs)
        out.append(
            Agreement(
                framework=str(fw),
                server=str(server),
                scenario=str(scenario),
                users=users,
                rounds=len(rows),
                bound=max(set(bounds), key=bounds.count),
                peak_rps=statistics.median(rps),
                peak_rps_cv=cv(rps),
                cpu_us_per_req=statistics.median(cpu),
                cpu_cv=cv(cpu),
                wrk_rps=median_known([r.get("wrk_rps") for r in refs]),
                proc_cpu_us_per_req=median_known(
                    [r.get("server_cpu_us_per_req_proc") for r in refs]
                ),
                paired_rps_ratios=rps_pairs,
                paired_cpu_ratios=cpu_pairs,
            )
        )
    return out


def median_known(values: Sequence[Any]) -> float:
    """Median of the values that are known (neither None nor NaN); NaN when none is."""
    known = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    return statistics.median(known) if known else math.nan


def _paired(
    rows: pd.DataFrame, refs: list[dict[str, Any]]
) -> tuple[tuple[float, ...], tuple[float, ...]]:
    by_round = {int(r["round"]): r for r in refs if r.get("round") is not None}
    rps: list[float] = []
    cpu: list[float] = []
    if "round" not in rows.columns:
        return (), ()
    for _, row in rows.iterrows():
        ref = by_round.get(int(row["round"]))
        if ref is None:
            continue
        if ref.get("wrk_rps"):
            rps.append(float(row["achieved_rps"]) / float(ref["wrk_rps"]))
        if ref.get("server_cpu_us_per_req_proc"):
            proc = float(ref["server_cpu_us_per_req_proc"])
            cpu.append(float(row["server_cpu_us_per_req"]) / proc)
    return tuple(rps), tuple(cpu)


def median_cvs(found: list[Agreement]) -> tuple[float, float]:
    """Median CV across rounds of server-bound peak throughput and of its CPU per request."""
    bound = [a for a in found if a.server_bound]
    rps = [a.peak_rps_cv for a in bound if not math.isnan(a.peak_rps_cv)]
    cpu = [a.cpu_cv for a in bound if not math.isnan(a.cpu_cv)]
    return (
        statistics.median(rps) if rps else math.nan,
        statistics.median(cpu) if cpu else math.nan,
    )


@dataclass(frozen=True)
class CostFit:
    """Server CPU against offered load: CPU µs per second = intercept + slope x rate."""

    framework: str
    scenario: str
    slope_us_per_req: float
    """The marginal cost of one more request per second."""
    intercept_us_per_s: float
    """What the server spends per second with no load at all (idle wake-ups, timers)."""
    r_squared: float
    n: int


def cost_curves(samples: pd.DataFrame) -> list[CostFit]:
    """A straight-line fit per framework and scenario over the open-loop cells, when it has
    at least two distinct rates. Never extrapolated: capacity claims use the peak cost."""
    from scipy.stats import linregress

    rows = samples[(samples["mode"] == "rate")].dropna(
        subset=["server_cpu_s", "duration_s", "achieved_rps"]
    )
    out: list[CostFit] = []
    for (fw, scenario), group in rows.groupby(["framework", "scenario"], sort=True):
        if group["offered_rps"].nunique() < 2:
            continue
        x = group["achieved_rps"].to_numpy(dtype=float)
        y = (group["server_cpu_s"] / group["duration_s"]).to_numpy(dtype=float) * 1e6
        fit = linregress(x, y)
        out.append(
            CostFit(
                str(fw),
                str(scenario),
                float(fit.slope),
                float(fit.intercept),
                float(fit.rvalue) ** 2,
                len(group),
            )
        )
    return out


@dataclass(frozen=True)
class CoreSpeed:
    """How far the server cores' speed moved over a run (bench.runner.speed), and whether
    peak throughput moved with it."""

    windows: int
    median_us: float
    fast_us: float
    """10th percentile of the probe: the core at its fastest (less CPU time for the work)."""
    slow_us: float
    """90th percentile: at its slowest."""
    peak_correlation: float
    """Spearman's rank correlation over the peak windows between the probe (mean of before
    and after) and throughput relative to its own cell's median: negative when a slower
    core delivered less, NaN with fewer than 5 peak windows."""
    peak_windows: int

    @property
    def spread(self) -> float:
        return self.slow_us / self.fast_us if self.fast_us else math.nan


def core_speed(samples: pd.DataFrame) -> CoreSpeed | None:
    """None for a run without probes (schema v2 or older, a --target run)."""
    from scipy import stats

    if "core_probe_before_us" not in samples.columns:
        return None
    probe = samples[["core_probe_before_us", "core_probe_after_us"]].astype(float).mean(axis=1)
    known = probe.dropna()
    if known.empty:
        return None
    peak = samples.assign(probe=probe)
    peak = peak[(peak["mode"] == "peak") & peak["probe"].notna()]
    cell = ["framework", "server", "scenario", "users"]
    relative = peak["achieved_rps"] / peak.groupby(cell)["achieved_rps"].transform("median")
    rho = math.nan
    if len(peak) >= 5 and peak["probe"].nunique() > 1 and relative.nunique() > 1:
        rho = float(stats.spearmanr(peak["probe"], relative).statistic)
    return CoreSpeed(
        windows=len(known),
        median_us=float(known.median()),
        fast_us=float(known.quantile(0.1)),
        slow_us=float(known.quantile(0.9)),
        peak_correlation=rho,
        peak_windows=len(peak),
    )


def core_speed_line(found: CoreSpeed) -> str:
    text = (
        f"server core speed over the run (fixed work, CPU µs, {found.windows} windows): "
        f"median {found.median_us:,.0f}, fastest decile {found.fast_us:,.0f}, slowest decile "
        f"{found.slow_us:,.0f} ({found.spread:.2f}x)"
    )
    if not math.isnan(found.peak_correlation):
        text += (
            f"; peak throughput vs probe over {found.peak_windows} peak windows: Spearman "
            f"{found.peak_correlation:+.2f} (negative: slower core, fewer requests)"
        )
    return text
