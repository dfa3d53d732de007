"""The order of work: interleaved rounds of visits, each visit's cells in a seeded shuffled
order after a discarded warm-up cell, and what the whole run should cost in time."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from bench.frameworks import Framework
from bench.runner.config import DATABASE_SCENARIOS, SCENARIO_NAMES, Profile, scenarios_for

Mode = Literal["rate", "peak", "capacity", "closed", "discard"]

# Estimates for the planned duration (not measurements): a server start with smoke check and
# idle RSS (gunicorn forks 3 workers, Django loads its settings), and the per-cell cost of
# building a Locust environment, spawning users and shipping the histograms back.
SERVER_START_S = 3.5
CELL_OVERHEAD_S = 0.3
CAPACITY_STEPS_EXPECTED = 7
"""A search from 0.6 x peak brackets in 2-3 steps, bisects in 3-4 and repeats the boundary."""
CROSSCHECK_OVERHEAD_S = 0.2
"""wrk's start, connections and exit around its window."""


@dataclass(frozen=True)
class Cell:
    """One measured configuration of one framework; each round measures it once (one trial)."""

    scenario: str
    mode: Mode
    users: int = 0
    """Closed loop and peak: the users; open loop: computed from the rate at run time."""
    rate: float | None = None
    """Open loop: the offered rate."""
    io_ms: int = 0

    @property
    def key(self) -> str:
        if self.mode in ("closed", "peak", "discard"):
            level = f"u{self.users}"
        elif self.rate is not None:
            level = f"r{self.rate:g}"
        else:
            level = "search"
        return f"{self.scenario}-{self.mode}-{level}"

    def seconds(self, profile: Profile) -> float:
        if self.mode == "capacity":
            step = profile.capacity_warmup_s + profile.capacity_window_s + CELL_OVERHEAD_S
            return CAPACITY_STEPS_EXPECTED * step
        if self.mode == "peak":
            return profile.peak_warmup_s + window_of(self, profile) + CELL_OVERHEAD_S
        if self.mode == "discard":
            return profile.discard_s + CELL_OVERHEAD_S
        return profile.warmup_s + profile.window_s + CELL_OVERHEAD_S


DISCARD = Cell("json", "discard", users=16)


def window_of(cell: Cell, profile: Profile) -> float:
    """A peak cell's window: the database cells may have their own."""
    if cell.scenario in DATABASE_SCENARIOS and profile.database_window_s:
        return profile.database_window_s
    return profile.peak_window_s


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
    """Every cell of the profile this framework implements, in the profile's order.

    Scenarios the user named are each measured open-loop at the profile's json levels (or at
    `rates`) even where the profile leaves them out: a named scenario is never dropped
    silently. `rates` replaces every open-loop level.
    """
    allowed = set(scenarios_for(framework, scenarios))
    if framework.server_spec.scenarios is not None:  # a server for one question (gevent: /io)
        allowed &= set(framework.server_spec.scenarios)
    explicit = scenarios != SCENARIO_NAMES
    cells: list[Cell] = []
    cells.extend(
        Cell(s, "peak", users=u)
        for s in profile.peak_scenarios
        if s in allowed
        for u in profile.peak_users
    )
    cells.extend(
        Cell(s, "peak", users=u)
        for s in profile.database_scenarios
        if s in allowed
        for u in profile.database_users
    )
    rate_scenarios = [s for s, _ in profile.rate_levels]
    if explicit:
        rate_scenarios += [s for s in scenarios if s not in rate_scenarios and s != "io"]
    default_levels = profile.rates_for("json") or next(iter(dict(profile.rate_levels).values()), ())
    for s in rate_scenarios:
        if s not in allowed:
            continue
        levels = rates or profile.rates_for(s) or default_levels
        cells.extend(Cell(s, "rate", rate=r) for r in levels)
    if profile.capacity_baselines or not framework.baseline:
        cells.extend(Cell(s, "capacity") for s in profile.capacity_scenarios if s in allowed)
    if "io" in allowed:
        cells.extend(
            Cell("io", "closed", users=u, io_ms=profile.io_ms) for u in users or profile.io_users
        )
    return tuple(cells)


def visit_order(cells: tuple[Cell, ...], rng: random.Random) -> tuple[Cell, ...]:
    """The cells of one visit: a discarded warm-up cell, then peak and rate cells shuffled,
    then the capacity searches (which start from the visit's peak), then /io (it leaves
    waits queued in thread-bound servers; see execute._settle).

    A fixed order would always measure the same cell on the freshest server; shuffling per
    visit spreads that over every cell.
    """
    movable = [c for c in cells if c.mode in ("peak", "rate")]
    rng.shuffle(movable)
    searches = [c for c in cells if c.mode == "capacity"]
    rest = [c for c in cells if c.mode == "closed"]
    return (DISCARD, *movable, *searches, *rest)


def interleave(
    frameworks: tuple[Framework, ...],
    rounds: int,
    seed: int,
    cells: dict[str, tuple[Cell, ...]],
    *,
    capacity_rounds: int | None = None,
    database_rounds: int | None = None,
) -> list[Visit]:
    """Round-robin over deployments (frameworks on their servers), in a seeded random order
    per round; `cells` is keyed by each deployment's label (its name on its default server).

    Shuffling each round spreads slow drifts of the machine (thermal, other tenants) over all
    deployments instead of always penalising whoever comes last; the seed makes it repeatable.
    Capacity searches run only in the first `capacity_rounds` rounds, database cells only in
    the first `database_rounds` (all when None).
    """
    rng = random.Random(seed)
    visits: list[Visit] = []
    for r in range(rounds):
        order = list(frameworks)
        rng.shuffle(order)
        for fw in order:
            mine = cells[fw.label]
            if capacity_rounds is not None and r >= capacity_rounds:
                mine = tuple(c for c in mine if c.mode != "capacity")
            if database_rounds is not None and r >= database_rounds:
                mine = tuple(c for c in mine if c.scenario not in DATABASE_SCENARIOS)
            if mine:
                visits.append(Visit(r, fw, visit_order(mine, rng)))
    return visits


def planned_seconds(visits: list[Visit], profile: Profile, starts_servers: bool = True) -> float:
    return sum(v.seconds(profile, starts_servers) for v in visits)


def crosscheck_seconds(profile: Profile, frameworks: int) -> float:
    """wrk's windows over the run: one per framework, peak scenario and cross-checked round."""
    if not profile.crosscheck_s:
        return 0.0
    rounds = min(profile.rounds, profile.crosscheck_rounds)
    each = profile.crosscheck_s + CROSSCHECK_OVERHEAD_S
    return frameworks * rounds * len(profile.peak_scenarios) * each
