"""Peak throughput: each framework's best concurrency level in mode peak, as TechEmpower reports
it (the best of 16/64/256 users), with its interval over trials and what bound it.

A peak counts as the server's only when every window at that level was server-bound (its cores
>= 90% busy, the generator with headroom); otherwise it is a lower bound, shown as "≥", and the
bound says what ran out first (generator, threads, errors).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd

from bench.report.stats import Interval, mean_ci

HEADLINE_SCENARIOS = ("json", "plaintext")
"""The headline scenario, in order of preference: /json is the smallest request that still runs
framework code on both ends (routing and serialisation); /plaintext next."""
SERVER = "server"


@dataclass(frozen=True)
class Peak:
    framework: str
    scenario: str
    server: str
    users: int
    rps: Interval
    cpu_us_per_req: Interval
    """Server CPU per request at that level: the cost at saturation."""
    bound: str

    @property
    def lower_bound(self) -> bool:
        return self.bound != SERVER

    @property
    def mark(self) -> str:
        return "" if not self.lower_bound else "≥"


def _primary(samples: pd.DataFrame) -> pd.DataFrame:
    deployments = set(samples["deployment"].dropna())
    dep = "local" if "local" in deployments or not deployments else sorted(deployments)[0]
    return samples[samples["deployment"] == dep]


def peak_rows(samples: pd.DataFrame) -> pd.DataFrame:
    rows = _primary(samples)
    return rows[(rows["mode"] == "peak") & rows["achieved_rps"].notna()]


def _bound(rows: pd.DataFrame) -> str:
    bounds = [
        "generator" if flagged else str(b or "")
        for b, flagged in zip(rows["bound"], rows["generator_bound"].astype(bool), strict=True)
    ]
    if bounds and all(b == SERVER for b in bounds):
        return SERVER
    others = Counter(b for b in bounds if b != SERVER)
    # a window with no bound recorded (a v1 run) is not evidence that the server ran out
    if not others:
        return "unknown"
    return others.most_common(1)[0][0] or "unknown"


def peaks(samples: pd.DataFrame, scenario: str | None = None) -> list[Peak]:
    """One Peak per (framework, server, scenario) of the primary deployment, best level first
    chosen by the mean over trials."""
    rows = peak_rows(samples)
    if scenario is not None:
        rows = rows[rows["scenario"] == scenario]
    out = []
    for (fw, server, scen), group in rows.groupby(["framework", "server", "scenario"], sort=True):
        by_level = group.groupby("users")["achieved_rps"].mean()
        users = float(str(by_level.idxmax()))
        best = group[group["users"] == users]
        out.append(
            Peak(
                framework=str(fw),
                scenario=str(scen),
                server=str(server),
                users=int(users),
                rps=mean_ci(list(best.groupby("trial")["achieved_rps"].mean())),
                cpu_us_per_req=mean_ci(
                    list(best.groupby("trial")["server_cpu_us_per_req"].mean().dropna())
                ),
                bound=_bound(best),
            )
        )
    return out


def headline_scenario(samples: pd.DataFrame) -> str | None:
    scenarios = set(peak_rows(samples)["scenario"])
    for name in HEADLINE_SCENARIOS:
        if name in scenarios:
            return name
    return min(scenarios) if scenarios else None


def default_servers(meta: Mapping[str, Any]) -> dict[str, str]:
    """Each framework's own server as run.json records it (`frameworks[name].server`; entries
    named `name@server` are the server matrix's other cells)."""
    out = {}
    for name, entry in (meta.get("frameworks") or {}).items():
        if "@" not in str(name) and isinstance(entry, Mapping) and entry.get("server"):
            out[str(name)] = str(entry["server"])
    return out


def headline(samples: pd.DataFrame, meta: Mapping[str, Any] | None = None) -> list[Peak]:
    """The headline scenario's peaks, highest first: one per framework, on its own server
    (run.json's) when the server matrix measured it on several, else the best of them."""
    scenario = headline_scenario(samples)
    if scenario is None:
        return []
    own = default_servers(meta or {})
    chosen: dict[str, Peak] = {}
    for p in peaks(samples, scenario):
        mine = chosen.get(p.framework)
        if mine is None or (
            own.get(p.framework) != mine.server
            and (own.get(p.framework) == p.server or p.rps.mean > mine.rps.mean)
        ):
            chosen[p.framework] = p
    return sorted(chosen.values(), key=lambda p: -p.rps.mean)
