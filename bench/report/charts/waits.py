"""Concurrency: how many waits (on /io, or on the database) a server keeps in progress."""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
from matplotlib.axes import Axes
from matplotlib.lines import Line2D

from bench.report import select
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

DATABASE_SCENARIOS = ("db", "queries", "fortunes", "updates")
ASYNC_SERVERS = frozenset({"uvicorn", "granian-asgi", "hypercorn"})


def _waits(rows: pd.DataFrame) -> pd.Series:
    """Little's law, L = lambda x W. With W the wait the server was told to make (/io?ms=N) this
    counts waits held at once inside the server; with W the client's mean latency it would
    only count the users themselves (a closed loop always has every user waiting)."""
    known = rows["io_ms"].fillna(0) > 0
    wait_s = rows["io_ms"].where(known, rows["latency_mean_us"] / 1000.0) / 1000.0
    return rows["achieved_rps"] * wait_s


def _draw(ax: Axes, rows: pd.DataFrame, metric: pd.Series) -> None:
    rows = rows.assign(metric=metric)
    for fw in ordered(list(rows["framework"])):
        sel = rows[rows["framework"] == fw]
        users = sorted({int(u) for u in sel["users"].dropna()})
        ivs = [
            interval(list(sel.loc[sel["users"] == u].groupby("trial")["metric"].mean()))
            for u in users
        ]
        style = "-" if str(sel["server"].iloc[0]) in ASYNC_SERVERS else "--"
        ax.plot(users, [iv.mean for iv in ivs], style, marker="o", ms=4, color=palette(fw))
        lo = [iv.low if iv.known else iv.mean for iv in ivs]
        hi = [iv.high if iv.known else iv.mean for iv in ivs]
        ax.fill_between(users, lo, hi, color=palette(fw), alpha=0.15, lw=0)
    ticks = sorted({int(u) for u in rows["users"].dropna()})
    ax.set_xscale("log", base=2)
    ax.set_yscale("log", base=2)
    ax.set_xticks(ticks, [str(t) for t in ticks])
    top = max(float(metric.max()), float(max(ticks)))
    ys = [2**k for k in range(0, int(math.log2(max(top, 1))) + 2)]
    ax.set_yticks(ys, [str(y) for y in ys])
    ax.minorticks_off()
    ax.grid(alpha=0.3)


def concurrency(run: Run, out: Path) -> Chart | Omitted:
    title = "Waits in progress against users"
    rows = one_server(run.meta, primary(run.samples))
    wanted = rows["scenario"].isin([select.IO_SCENARIO, *DATABASE_SCENARIOS])
    rows = rows[wanted & rows["mode"].isin(["closed", "peak"]) & rows["achieved_rps"].notna()]
    if rows.empty:
        return Omitted(
            "concurrency", title, "The profile of this run has no /io or database sweep."
        )
    scenarios = sorted(set(rows["scenario"]))
    fig, axes = grid(len(scenarios), 2, 11, 4.2)
    for ax, scenario in zip(axes, scenarios, strict=True):
        mine = rows[rows["scenario"] == scenario]
        _draw(ax, mine, _waits(mine))
        users = sorted({int(u) for u in mine["users"].dropna()})
        ax.plot(users, users, color="grey", lw=0.8, ls=":")
        io_ms = float(mine["io_ms"].max())
        what = f"/io?ms={io_ms:g}" if io_ms > 0 else f"/{scenario}"
        ax.set_title(what, fontsize=10)
        ax.set_xlabel("concurrent users (closed loop, log scale)")
        ax.set_ylabel("waits in progress (requests, log)")
    handles = [
        Line2D([], [], color=palette(fw), lw=2, label=fw) for fw in ordered(list(rows["framework"]))
    ]
    handles += [
        Line2D([], [], color="grey", ls="-", label="async server"),
        Line2D([], [], color="grey", ls="--", label="threaded server"),
        Line2D([], [], color="grey", ls=":", lw=0.8, label="every user waiting"),
    ]
    fig.legend(handles=handles, loc="outside right upper", fontsize=8)
    fig.suptitle(f"{title} (Little's law: achieved req/s x wait)", fontsize=11)
    caption = (
        "A line on the dotted diagonal keeps every user's wait in progress; one that flattens has "
        "run out of slots (threads, workers, pool connections) at that height."
    )
    return save(fig, out, "concurrency", title, caption)
