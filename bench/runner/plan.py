"""The order of work: interleaved rounds of cells, and what the whole run should cost in time."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from bench.frameworks import Framework
from bench.runner.config import SCENARIO_NAMES, Profile, scenarios_for

Mode = Literal["rate", "capacity", "closed"]

# Estimates for the planned duration (not measurements): a server start with smoke check and
# idle RSS (gunicorn forks 3 workers, Django loads its settings), and the per-cell cost of
# building a Locust environment, spawning users and shipping the histogram back.
SERVER_START_S = 3.0
CELL_OVERHEAD_S = 0.5


@dataclass(frozen=True)
class Cell:
    """One measured configuration of one framework; each round measures it once (one trial)."""

    scenario: str
    mode: Mode
    users: int = 0
    """Closed loop: the users; open loop: computed from the rate at run time."""
    rate_fraction: float | None = None
    rate: float | None = None
    """Absolute offered rate (--rate); None: rate_fraction x the generator ceiling."""
    io_ms: int = 0

    @property
    def key(self) -> str:
        level = (
            f"u{self.users}"
            if self.mode == "closed"
            else f"r{self.rate:g}"
            if self.rate is not None
            else f"f{self.rate_fraction:g}"
            if self.rate_fraction is not None
            else "search"
        )
        return f"{self.scenario}-{self.mode}-{level}"

    def seconds(self, profile: Profile) -> float:
        if self.mode == "capacity":
            step = profile.capacity_warmup_s + profile.capacity_window_s + CELL_OVERHEAD_S
            return profile.capacity_max_steps * step
        return profile.warmup_s + profile.window_s + CELL_OVERHEAD_S


@dataclass(frozen=True)
class Visit:
    """One deployment's turn in one round: start its server once, measure every cell, stop."""

    round: int
    framework: Framework
    cells: tuple[Cell, ...]

    def seconds(self, profile: Profile, started: bool = True) -> float:
        start = SERVER_START_S if started else 0.0
        return start + sum(c.seconds(profile) for c in self.cells)


def cells_for(
    framework: Framework,
    profile: Profile,
    scenarios: tuple[str, ...],
    rates: tuple[float, ...] = (),
    users: tuple[int, ...] = (),
) -> tuple[Cell, ...]:
    """Every cell of the profile this framework implements, in a fixed order.

    The profile chooses the modes and, by default, the open-loop scenarios; scenarios the user
    named are each measured open-loop (in a profile that has that mode), even where the
    profile's own list leaves them out: a named scenario is never dropped silently.
    """
    allowed = set(scenarios_for(framework, scenarios))
    if framework.server_spec.scenarios is not None:  # a server for one question (gevent: /io)
        allowed &= set(framework.server_spec.scenarios)
    explicit = scenarios != SCENARIO_NAMES and profile.rate_scenarios
    named = tuple(s for s in scenarios if s != "io") if explicit else ()
    cells: list[Cell] = []
    for scenario in (s for s in named or profile.rate_scenarios if s in allowed):
        if rates:
            cells.extend(Cell(scenario, "rate", rate=r) for r in rates)
        else:
            cells.extend(Cell(scenario, "rate", rate_fraction=f) for f in profile.rate_fractions)
    cells.extend(Cell(s, "capacity") for s in profile.capacity_scenarios if s in allowed)
    if "plaintext" in allowed:
        cells.extend(Cell("plaintext", "closed", users=u) for u in profile.closed_users)
    # Closed-loop /io last: it leaves waits queued in thread-bound servers (see execute._settle).
    if "io" in allowed:
        cells.extend(
            Cell("io", "closed", users=u, io_ms=profile.io_ms) for u in users or profile.io_users
        )
    return tuple(cells)


def interleave(
    frameworks: tuple[Framework, ...],
    rounds: int,
    seed: int,
    cells: dict[str, tuple[Cell, ...]],
) -> list[Visit]:
    """Round-robin over deployments (frameworks on their servers), in a seeded random order
    per round; `cells` is keyed by each deployment's label (its name on its default server).

    Shuffling each round spreads slow drifts of the machine (thermal, other tenants) over all
    deployments instead of always penalising whoever comes last; the seed makes it repeatable.
    """
    rng = random.Random(seed)
    visits: list[Visit] = []
    for r in range(rounds):
        order = list(frameworks)
        rng.shuffle(order)
        visits.extend(Visit(r, fw, cells[fw.label]) for fw in order if cells[fw.label])
    return visits


def planned_seconds(visits: list[Visit], profile: Profile, starts_servers: bool = True) -> float:
    return sum(v.seconds(profile, starts_servers) for v in visits)
