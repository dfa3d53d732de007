"""Headline metrics across runs and commits, as asv draws them: a regression shows as a step.

Runs are comparable when they used the same profile on the same kind of machine (CPU model and
count from run.json); only complete runs count. Every run's results stay in results/, so the
history is redrawn from them alone.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.errors import UsageError
from bench.report import peak as peak_mod
from bench.report import select
from bench.report.load import Run, load
from bench.report.stats import Interval, mean_ci

METRICS: tuple[tuple[str, str], ...] = (
    ("peak_rps", "peak throughput (requests/s)"),
    ("cpu_us", "server CPU per request, saturated (µs)"),
    ("p99_ms", "p99 latency at the top common rate (ms)"),
)


@dataclass(frozen=True)
class Point:
    run_id: str
    framework: str
    metric: str
    value: Interval
    lower_bound: bool = False


def profile_name(meta: dict[str, Any]) -> str:
    profile = meta.get("profile")
    if isinstance(profile, dict):
        profile = profile.get("name")
    return str(profile or "?")


def _key(meta: dict[str, Any]) -> tuple[str, str, str]:
    env = meta.get("environment") or {}
    return (profile_name(meta), str(env.get("cpu_model", "?")), str(env.get("cpu_count", "?")))


def _complete(results_root: Path) -> list[tuple[str, Path, dict[str, Any]]]:
    found = []
    if not results_root.is_dir():
        raise UsageError(f"results directory {results_root} does not exist")
    for child in sorted(results_root.iterdir()):
        run_json = child / "run.json"
        try:
            meta = json.loads(run_json.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(meta, dict) and meta.get("status") == "complete":
            started = str(meta.get("started") or meta.get("started_at") or child.name)
            found.append((started, child, meta))
    return sorted(found, key=lambda t: (t[0], t[1].name))


def comparable(results_root: Path, newest: Path | None = None) -> list[Run]:
    """Complete runs comparable with `newest` (default: the newest complete run), up to and
    including it, oldest first."""
    runs = _complete(results_root)
    if newest is not None:
        newest = newest.resolve()
        mine = [t for t in runs if t[1].resolve() == newest]
        if not mine:
            return []
        anchor = mine[0]
    elif runs:
        anchor = runs[-1]
    else:
        return []
    key = _key(anchor[2])
    picked = [t for t in runs if _key(t[2]) == key and t[0] <= anchor[0]]
    return [load(path) for _, path, _ in picked]


def points(run: Run) -> list[Point]:
    out = []
    for p in peak_mod.headline(run.samples, run.meta):
        out.append(Point(run.run_id, p.framework, "peak_rps", p.rps, p.lower_bound))
        out.append(Point(run.run_id, p.framework, "cpu_us", p.cpu_us_per_req, p.lower_bound))
    scenario = peak_mod.headline_scenario(run.samples) or "json"
    rows = select.rate_rows(run.samples)
    rows = rows[rows["scenario"] == scenario]
    level = select.common_level(rows, set(rows["framework"]))
    if level is not None:
        at = rows[rows["offered_rps"] == level].dropna(subset=["latency_p99_us"])
        for fw, group in at.groupby("framework", sort=True):
            values = [v / 1000 for v in group.groupby("trial")["latency_p99_us"].mean()]
            out.append(Point(run.run_id, str(fw), "p99_ms", mean_ci(values)))
    return [p for p in out if math.isfinite(p.value.mean)]


def series(runs: Sequence[Run]) -> list[Point]:
    return [p for run in runs for p in points(run)]
