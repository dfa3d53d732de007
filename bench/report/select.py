"""Which samples answer which question: the one place that picks cells, levels and trials.

Claims and charts both take their numbers from here, so a chart always shows what a verdict used.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

FIVE: tuple[str, ...] = ("flask", "bottle", "cherrypy", "django", "fastapi")
SYNC_FIVE: tuple[str, ...] = ("flask", "bottle", "cherrypy", "django")
BASELINE_OF: dict[str, str] = {
    "flask": "raw-wsgi",
    "bottle": "raw-wsgi",
    "cherrypy": "raw-wsgi",
    "django": "raw-wsgi",
    "fastapi": "raw-asgi",
}
IO_SCENARIO = "io"


def primary_deployment(samples: pd.DataFrame) -> str:
    """Verdicts use the local deployment (pinned, controlled); others are shown beside it."""
    deployments = set(samples["deployment"].dropna())
    if "local" in deployments or not deployments:
        return "local"
    return str(sorted(deployments)[0])


def rate_rows(samples: pd.DataFrame, deployment: str | None = None) -> pd.DataFrame:
    """Open-loop samples at equal offered load: the primary comparison."""
    dep = deployment or primary_deployment(samples)
    return samples[(samples["mode"] == "rate") & (samples["deployment"] == dep)]


def rate_scenarios(samples: pd.DataFrame, frameworks: Iterable[str]) -> list[str]:
    """Scenarios measured at a fixed rate for every one of `frameworks` (io excluded: its
    requests wait on purpose, so their cost is not the framework's)."""
    rows = rate_rows(samples)
    wanted = set(frameworks)
    out = []
    for scenario, group in rows.groupby("scenario", sort=True):
        if scenario != IO_SCENARIO and wanted <= set(group["framework"]):
            out.append(str(scenario))
    return out


def common_level(rows: pd.DataFrame, frameworks: Iterable[str]) -> float | None:
    """The highest offered rate every one of `frameworks` was measured at (the most load
    that still compares like with like)."""
    levels: set[float] | None = None
    for fw in frameworks:
        mine = set(rows.loc[rows["framework"] == fw, "offered_rps"].dropna())
        levels = mine if levels is None else levels & mine
    return max(levels) if levels else None


def cell(samples: pd.DataFrame, scenario: str, frameworks: Iterable[str]) -> pd.DataFrame:
    """Rate-mode rows of `scenario` at the common level of `frameworks`."""
    fws = list(frameworks)
    rows = rate_rows(samples)
    rows = rows[(rows["scenario"] == scenario) & rows["framework"].isin(fws)]
    level = common_level(rows, fws)
    if level is None:
        return rows.iloc[0:0]
    return rows[rows["offered_rps"] == level]


def per_trial(rows: pd.DataFrame, metric: str) -> dict[str, list[float]]:
    """One value per framework and trial (duplicates within a trial averaged)."""
    out: dict[str, list[float]] = {}
    clean = rows.dropna(subset=[metric])
    for fw, group in clean.groupby("framework", sort=True):
        out[str(fw)] = [float(v) for v in group.groupby("trial")[metric].mean()]
    return out


def per_round(
    samples: pd.DataFrame, metric: str, how: str = "max", deployment: str | None = None
) -> dict[str, list[float]]:
    """One value per framework and round: start-up and memory belong to a server's life, and
    the runner starts each server once per round."""
    dep = deployment or primary_deployment(samples)
    rows = samples[samples["deployment"] == dep].dropna(subset=[metric])
    out: dict[str, list[float]] = {}
    for fw, group in rows.groupby("framework", sort=True):
        out[str(fw)] = [float(v) for v in group.groupby("round")[metric].agg(how)]
    return out


def generator_bound(rows: pd.DataFrame) -> set[str]:
    """Frameworks with any generator-bound sample among `rows`."""
    return {str(fw) for fw in rows.loc[rows["generator_bound"].astype(bool), "framework"]}
