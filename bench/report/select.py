"""Which samples answer which question: the one place that picks cells, levels and trials.

Claims and charts both take their numbers from here, so a chart always shows what a verdict used.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

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


# --- v2: per-round values, saturation (peak), the same-server baseline -------------------------

PEAK_MODE = "peak"
V1_PEAK_MODE = "closed"
"""A v1 run has no peak mode; its closed-loop cells without a wait are the same measurement
(N users, no think time) and stand in for it."""
BASELINE_SCENARIOS = ("plaintext", "json")
"""The only scenarios the bare apps implement."""


def by_round(rows: pd.DataFrame, metric: str) -> dict[str, dict[int, float]]:
    """{framework: {round: value}}: duplicates within a round averaged (one server per round)."""
    out: dict[str, dict[int, float]] = {}
    clean = rows.dropna(subset=[metric, "round"])
    for fw, group in clean.groupby("framework", sort=True):
        means = group.groupby("round")[metric].mean()
        rounds = means.index.to_numpy(dtype=float)
        out[str(fw)] = dict(
            zip(rounds.astype(int).tolist(), means.to_numpy(dtype=float).tolist(), strict=True)
        )
    return out


PEAK_COLUMNS = (
    "framework",
    "server",
    "scenario",
    "mode",
    "users",
    "round",
    "achieved_rps",
    "server_cpu_us_per_req",
    "bound",
    "generator_bound",
)


def peak_rows(samples: pd.DataFrame, deployment: str | None = None) -> pd.DataFrame:
    """Saturation samples: mode `peak`, or a v1 run's no-wait closed-loop cells (only the
    columns saturation claims read: a narrow frame keeps the many selections cheap)."""
    dep = deployment or primary_deployment(samples)
    rows = samples.loc[samples["deployment"] == dep, list(PEAK_COLUMNS)]
    peak = rows[rows["mode"] == PEAK_MODE]
    if peak.empty:
        peak = rows[(rows["mode"] == V1_PEAK_MODE) & (rows["scenario"] != IO_SCENARIO)]
    return peak


@dataclass(frozen=True)
class Level:
    """The concurrency level chosen as a framework's peak in one scenario."""

    framework: str
    server: str
    scenario: str
    users: int
    median_rps: float
    rows: pd.DataFrame
    """That level's samples, one or more per round."""

    @property
    def lower_bound(self) -> bool:
        """Some window of the level was held back by the generator or by the server's slots:
        its throughput is a lower bound of what the server could do."""
        generator = bool(self.rows["generator_bound"].astype(bool).any())
        return generator or bool(
            self.rows["bound"].astype(str).isin(["generator", "threads"]).any()
        )


def peak_levels(samples: pd.DataFrame) -> dict[tuple[str, str, str], Level]:
    """{(framework, server, scenario): Level}: in each, the `users` level with the highest
    median achieved_rps over rounds (TechEmpower's 'best level'), with that level's rows."""
    rows = peak_rows(samples)
    out: dict[tuple[str, str, str], Level] = {}
    for (fw, server, scenario), group in rows.groupby(["framework", "server", "scenario"]):
        per_round = group.groupby(["users", "round"])["achieved_rps"].mean()
        medians = per_round.groupby(level="users").median()
        if medians.dropna().empty:
            continue
        users = float(str(medians.idxmax()))
        chosen = group[group["users"] == users]
        key = (str(fw), str(server), str(scenario))
        out[key] = Level(*key, int(users), float(medians.max()), chosen)
    return out


def peak_level(
    samples: pd.DataFrame, framework: str, scenario: str, server: str | None = None
) -> Level | None:
    """`framework`'s peak level in `scenario` on `server` (default: its main server)."""
    server = server or main_server(samples, framework)
    return peak_levels(samples).get((framework, server, scenario))


def main_server(samples: pd.DataFrame, framework: str) -> str:
    """The server a framework is deployed on by default (the registry's), when the run
    measured it there; else its most measured one. With the server matrix a framework runs on
    several servers; its claims are judged on the default one."""
    servers = samples["server"][samples["framework"] == framework].astype(str)
    servers = servers[servers != ""]
    if servers.empty:
        return ""
    from bench import frameworks
    from bench.errors import UsageError

    try:
        default = str(frameworks.get(framework).server)
    except UsageError:
        default = ""
    if default in set(servers):
        return default
    return str(servers.value_counts().idxmax())


@dataclass(frozen=True)
class Baseline:
    """The bare app a framework's cost is measured over."""

    name: str
    server: str
    scenario: str
    same_server: bool

    @property
    def label(self) -> str:
        where = f"on {self.server}" if self.same_server else f"on {self.server}: cross-server"
        return f"over {self.name} /{self.scenario} {where}"


def baseline(samples: pd.DataFrame, framework: str, scenario: str) -> Baseline | None:
    """The bare app of the framework's interface, on the framework's own server when the run
    has it there (the server matrix), else on the bare app's own server, labelled
    cross-server. The bare apps answer /plaintext and /json only; for the other scenarios the
    server's floor is the bare /json (a small JSON body: the least any response costs)."""
    name = BASELINE_OF.get(framework)
    if name is None:
        return None
    server = main_server(samples, framework)
    on = samples[samples["framework"] == name]
    if on.empty:
        return None
    base_scenario = scenario if scenario in BASELINE_SCENARIOS else "json"
    same = on[on["server"] == server]
    if not same.empty:
        return Baseline(name, server, base_scenario, True)
    return Baseline(name, main_server(samples, name), base_scenario, False)
