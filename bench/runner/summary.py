"""The table `run` prints at the end: medians over trials per cell, and their spread.

The real report (charts, CIs, verdicts) is `python -m bench report`; this is what a person
watching the terminal needs to see that the run produced sensible numbers.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from rich.table import Table

from bench.report.reference import Agreement, cv, median_known
from bench.runner.capacity import LOWER_BOUNDS


def _fmt(value: float, digits: int = 0) -> str:
    return "-" if math.isnan(value) else f"{value:,.{digits}f}"


def _num(row: dict[str, Any], key: str) -> float:
    value = row[key]
    return math.nan if value is None else float(value)


def cell_key(row: dict[str, Any], with_server: bool = False) -> tuple[str, str, str, str]:
    """(framework, scenario, mode, level); the framework reads "flask on cheroot" when the
    run put some framework on more than one server (`run --servers`)."""
    name = f"{row['framework']} on {row['server']}" if with_server else row["framework"]
    if row["mode"] in ("closed", "peak"):
        level = f"{row['users']} users"
    elif row["mode"] == "rate":
        level = f"{row['offered_rps']:.0f} rps"
    else:
        level = "search"
    io = f" ms={row['io_ms']}" if row["io_ms"] else ""
    return name, row["scenario"] + io, row["mode"], level


def table(rows: list[dict[str, Any]]) -> Table:
    groups: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    servers: dict[str, set[str]] = defaultdict(set)
    for row in rows:
        servers[row["framework"]].add(str(row.get("server")))
    with_server = any(len(s) > 1 for s in servers.values())
    for row in rows:
        if row["mode"] == "capacity" and row.get("step", 0) not in (0, -1):
            continue  # every step row of a search carries its result; one per trial
        groups[cell_key(row, with_server)].append(row)
    out = Table(title="medians over trials (CV = stdev/mean across trials)")
    for name in (
        "framework",
        "scenario",
        "mode",
        "level",
        "n",
        "achieved rps",
        "CV rps",
        "p50 µs",
        "p99 µs",
        "CPU µs/req",
        "CV CPU",
        "server busy",
        "bound",
        "flags",
    ):
        out.add_column(name, justify="left" if name in ("framework", "scenario") else "right")
    for key in sorted(groups):
        g = groups[key]
        flags = []
        if any(r["rate_shortfall"] for r in g):
            flags.append("shortfall")
        if any(r["failures"] for r in g):
            flags.append(f"{sum(r['failures'] for r in g)} failures")
        rps = [_num(r, "achieved_rps") for r in g]
        bounds = sorted({str(r["bound"]) for r in g if r["bound"]})
        lower = any(b in LOWER_BOUNDS for b in bounds)
        achieved = (">= " if lower and key[2] == "peak" else "") + _fmt(median_known(rps))
        if key[2] == "capacity":
            achieved = (">= " if lower else "") + _fmt(
                median_known([_num(r, "capacity_rps") for r in g])
            )
        cpu = [_num(r, "server_cpu_us_per_req") for r in g]
        out.add_row(
            *key,
            str(len(g)),
            achieved,
            _pct(cv(rps)) if key[2] == "peak" else "",
            _fmt(median_known([_num(r, "latency_p50_us") for r in g])),
            _fmt(median_known([_num(r, "latency_p99_us") for r in g])),
            _fmt(median_known(cpu), 1),
            _pct(cv(cpu)),
            _pct(median_known([_num(r, "server_cpu_util") for r in g]), 0),
            "/".join(bounds),
            ", ".join(flags),
        )
    return out


def _pct(value: float, digits: int = 1) -> str:
    return "-" if math.isnan(value) else f"{value * 100:.{digits}f}%"


# Above this share of the window spent waiting for a CPU, other processes shared the pinned
# cores enough to move latencies and capacities; the numbers then describe a busy machine.
CONTENDED_RUNQ = 0.10


def contention_warning(rows: list[dict[str, Any]]) -> str | None:
    waits = [_num(r, "server_runq_util") for r in rows] + [
        _num(r, "generator_runq_util") for r in rows
    ]
    worst = median_known([w for w in waits if not math.isnan(w)])
    if math.isnan(worst) or worst < CONTENDED_RUNQ:
        return None
    return (
        f"warning: the pinned processes waited for a CPU {worst:.0%} of the time (median): "
        "other work shared their cores, so latencies and capacities are not representative"
    )


def reference_table(found: list[Agreement]) -> Table:
    """The run's peak beside wrk's (same request, connections and pinning, CPU from /proc)."""
    out = Table(
        title="peak vs the outside reference (wrk on the same server in the same visit; server "
        "CPU from /proc under wrk; ratio: median over the paired rounds)"
    )
    for name in (
        "framework",
        "scenario",
        "users",
        "bound",
        "peak rps",
        "CV",
        "wrk rps",
        "ratio",
        "pairs",
        "CPU µs/req",
        "CV",
        "/proc µs/req",
        "ratio",
    ):
        out.add_column(name, justify="left" if name in ("framework", "scenario") else "right")
    for a in found:
        out.add_row(
            a.framework,
            a.scenario,
            str(a.users),
            a.bound,
            _fmt(a.peak_rps),
            _pct(a.peak_rps_cv),
            _fmt(a.wrk_rps),
            _fmt(a.rps_ratio, 3),
            str(len(a.paired_rps_ratios)),
            _fmt(a.cpu_us_per_req, 1),
            _pct(a.cpu_cv),
            _fmt(a.proc_cpu_us_per_req, 1),
            _fmt(a.cpu_ratio, 3),
        )
    return out
