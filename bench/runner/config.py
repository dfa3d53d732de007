"""What a run is: scenarios and profiles as data, and the frozen configuration of one run."""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from bench.errors import UsageError
from bench.frameworks import Framework

# parse_target moved to bench.targets (one parser for every command); importable here still.
from bench.targets import Target, parse_target  # noqa: F401


@dataclass(frozen=True)
class Request:
    """One kind of request a scenario sends; `{id}` in the path becomes a random user id."""

    name: str
    """Locust's stats name (a template, so random ids do not make one entry each)."""
    path: str
    method: str = "GET"
    json_body: str | None = None
    weight: int = 1


@dataclass(frozen=True)
class Scenario:
    name: str
    requests: tuple[Request, ...]
    doc: str

    def with_io_ms(self, io_ms: int) -> Scenario:
        reqs = tuple(replace(r, path=r.path.replace("{ms}", str(io_ms))) for r in self.requests)
        return replace(self, requests=reqs)


_PLAINTEXT = Request("/plaintext", "/plaintext")
_JSON = Request("/json", "/json")
_USERS = Request("/users/[id]", "/users/{id}")
# A valid body with every field of the schema, so each app runs its whole validation path.
_ECHO = Request(
    "/echo", "/echo", "POST", json_body='{"name": "bench", "count": 42, "tags": ["a", "b"]}'
)
# A name that needs escaping, so autoescaping is part of the measured work.
_TEMPLATE = Request("/template", "/template?name=%3Cb%3Ebench%20%26%20co%3C%2Fb%3E")
_COOKIE = Request("/cookie", "/cookie")

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("plaintext", (_PLAINTEXT,), "GET /plaintext"),
        Scenario("json", (_JSON,), "GET /json"),
        Scenario("users", (_USERS,), "GET /users/{random id 1-100000}"),
        Scenario("echo", (_ECHO,), "POST /echo with a valid JSON body"),
        Scenario("template", (_TEMPLATE,), "GET /template?name=<escaped text>"),
        Scenario("cookie", (_COOKIE,), "GET /cookie (each user's jar counts up)"),
        Scenario("io", (Request("/io", "/io?ms={ms}"),), "GET /io?ms=N, closed loop sweep"),
        # A read-heavy API with a page and some writes, as a small product backend sees it:
        # lookups dominate (users 35%), then serialised data (json 20%) and rendered pages
        # (template 20%), then validated writes (echo 15%) and session state (cookie 10%).
        Scenario(
            "mixed",
            (
                replace(_USERS, weight=35),
                replace(_JSON, weight=20),
                replace(_TEMPLATE, weight=20),
                replace(_ECHO, weight=15),
                replace(_COOKIE, weight=10),
            ),
            "weighted mix: users 35, json 20, template 20, echo 15, cookie 10",
        ),
    )
}
# TechEmpower's database tests (contract v2), `queries` and `updates` at its counts 1-20. They
# need PostgreSQL: bench.database.cluster.running() gives the URL the servers get (extra_env).
QUERY_COUNTS = (1, 5, 10, 15, 20)
SCENARIOS.update(
    {
        s.name: s
        for s in (
            Scenario("db", (Request("/db", "/db"),), "GET /db: one random World row"),
            *(
                Scenario(
                    f"queries-{n}",
                    (Request(f"/queries?queries={n}", f"/queries?queries={n}"),),
                    f"GET /queries?queries={n}: {n} World rows, one query each",
                )
                for n in QUERY_COUNTS
            ),
            Scenario(
                "fortunes", (Request("/fortunes", "/fortunes"),), "GET /fortunes: 12 rows + 1, page"
            ),
            *(
                Scenario(
                    f"updates-{n}",
                    (Request(f"/updates?queries={n}", f"/updates?queries={n}"),),
                    f"GET /updates?queries={n}: {n} rows read and written back",
                )
                for n in QUERY_COUNTS
            ),
        )
    }
)
DATABASE_SCENARIOS: tuple[str, ...] = (
    "db",
    *(f"queries-{n}" for n in QUERY_COUNTS),
    "fortunes",
    *(f"updates-{n}" for n in QUERY_COUNTS),
)
"""Scenarios whose servers need DATABASE_URL (the baselines serve these too)."""
SCENARIO_NAMES: tuple[str, ...] = tuple(SCENARIOS)
BASELINE_SCENARIOS: tuple[str, ...] = ("plaintext", "json")
"""The bare baselines implement only these endpoints (CONTRACT.md)."""


def scenarios_for(framework: Framework, wanted: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(
        s
        for s in wanted
        if not framework.baseline or s in BASELINE_SCENARIOS or s in DATABASE_SCENARIOS
    )


@dataclass(frozen=True)
class Profile:
    """How much to measure; durations in seconds, rates in requests/s.

    The three questions and the mode that answers each (measurement v2):
      peak      closed loop, no wait, at `peak_users` connections: the most the server
                delivers, and its CPU per request at saturation (the cost figure).
      rate      open loop at absolute `rate_levels`, the same on every run and machine:
                latency from intended send times and the cost curve (CPU against rate).
      capacity  the highest open-loop rate meeting the SLO (bisected), from the visit's peak.
    """

    name: str
    rounds: int
    """Interleaved rounds; each starts every server once and measures each cell once."""
    discard_s: float
    """The first cell of every visit (closed loop on json) warms the server and is thrown
    away: a fresh server's first requests pay imports, caches and lazy set-up."""
    peak_scenarios: tuple[str, ...]
    peak_users: tuple[int, ...]
    peak_warmup_s: float
    peak_window_s: float
    rate_levels: tuple[tuple[str, tuple[float, ...]], ...]
    """(scenario, offered rates) of the open-loop cells."""
    warmup_s: float
    window_s: float
    per_user_rps: float
    """Open loop: each user is one connection on a fixed schedule at this rate."""
    io_users: tuple[int, ...]
    """Closed-loop concurrency levels of the /io sweep."""
    io_ms: int
    capacity_scenarios: tuple[str, ...]
    capacity_rounds: int
    """Capacity searches run in the first N rounds only: each costs 6-10 windows."""
    capacity_warmup_s: float
    capacity_window_s: float
    capacity_factor: float
    capacity_precision: float
    capacity_max_steps: int
    slo_p99_ms: float
    drain_s: float
    """Open loop: how long requests intended in a window may still complete after it."""
    steal_max_share: float
    """A window whose server cores lost more than this share to steal is measured again once."""
    crosscheck_s: float
    """wrk's window (whole seconds) against each server, in the visit, after its Locust cells,
    at the first peak level; 0 skips it."""
    calibration_window_s: float
    crosscheck_rounds: int = 0
    """The rounds (the first N) whose visits end with the wrk cross-check: one reading per
    round, paired with the round's own Locust peak."""
    capacity_baselines: bool = False
    """A bare baseline's SLO capacity answers no claim (its peak already bounds it): searched
    only when asked for."""
    database_scenarios: tuple[str, ...] = ()
    """TechEmpower's database tests, measured at peak (closed loop) against the private
    PostgreSQL the run starts; the cluster runs on the generator's cores, never the server's."""
    database_users: tuple[int, ...] = (16,)
    database_rounds: int = 1
    """Database cells run in the first N rounds only."""
    database_window_s: float = 0.0
    """The database cells' window; 0 means the peak window."""

    def rates_for(self, scenario: str) -> tuple[float, ...]:
        return dict(self.rate_levels).get(scenario, ())


_ALL_RATE = ("plaintext", "json", "users", "echo", "template", "cookie", "mixed")

PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        # CI and smoke: one round, short windows, one cell per mode; <= 3 min for all 7 apps.
        Profile(
            name="quick",
            rounds=1,
            discard_s=0.5,
            peak_scenarios=("json",),
            peak_users=(16,),
            peak_warmup_s=0.5,
            peak_window_s=1.5,
            rate_levels=(("json", (300.0,)),),
            warmup_s=0.3,
            window_s=1.0,
            per_user_rps=10.0,
            io_users=(16,),
            io_ms=50,
            capacity_scenarios=(),
            capacity_rounds=0,
            capacity_warmup_s=0.3,
            capacity_window_s=1.0,
            capacity_factor=1.3,
            capacity_precision=0.05,
            capacity_max_steps=6,
            slo_p99_ms=100.0,
            drain_s=2.0,
            steal_max_share=0.05,
            # One 1 s wrk window per app: the reference is exercised on every quick run.
            crosscheck_s=1.0,
            crosscheck_rounds=1,
            calibration_window_s=1.0,
        ),
        # `make bench`: <= 20 min on 2 cores with set-up. Five rounds (five server processes
        # per app) because the verdicts pair rounds and need n >= 5. Peak windows of 5 s (after
        # 0.5 s; the visit's discarded first cell has already warmed the server):
        # wrk's saturated throughput repeats within CV 1% over 5 s windows here, and one GC
        # pause or wake-up costs a 1 s window several per cent. Peak at 16 and 64 connections:
        # 16 already fills gunicorn's 12 threads, cheroot's 10 and one event loop; 64 shows
        # what queueing costs. json only, at peak and open loop (TechEmpower's headline test);
        # the other HTTP scenarios are left to full. Open-loop levels 200/600/1200: light, mid
        # and ~70% of the slowest app's json capacity (CherryPy and Django near 1,700-2,300
        # requests/s here); 1.2 s windows: light-load cost is context (the cost curve), not a
        # claim. One capacity search per framework (round 1, not the baselines): 6-9 windows.
        Profile(
            name="standard",
            rounds=5,
            discard_s=0.5,
            peak_scenarios=("json",),
            peak_users=(16, 64),
            peak_warmup_s=0.5,
            peak_window_s=5.0,
            rate_levels=(("json", (200.0, 600.0, 1200.0)),),
            warmup_s=0.3,
            window_s=1.2,
            per_user_rps=10.0,
            io_users=(64,),
            io_ms=50,
            capacity_scenarios=("json",),
            capacity_rounds=1,
            capacity_warmup_s=0.3,
            capacity_window_s=1.5,
            capacity_factor=1.3,
            capacity_precision=0.03,
            capacity_max_steps=9,
            slo_p99_ms=100.0,
            drain_s=3.0,
            steal_max_share=0.05,
            # wrk in rounds 1-4, 2 s right after the round's peak cells on the same server:
            # four readings paired with those rounds' Locust peaks (about 60 s in all, what
            # one 4 s window per app after the rounds took; a fifth pair would overrun 18 min).
            crosscheck_s=2.0,
            crosscheck_rounds=4,
            calibration_window_s=2.0,
            # TechEmpower's four tests, queries and updates at 20, in the first round: one
            # 3 s peak window each at 16 connections (every app's pool holds 4-16).
            database_scenarios=("db", "queries-20", "fortunes", "updates-20"),
            database_users=(16,),
            database_rounds=1,
            database_window_s=3.0,
        ),
        # Publication (about 85 min): three scenarios at TechEmpower's concurrency levels with
        # 6 s windows, every scenario at 600/s and json at three rates, the whole /io sweep,
        # capacity in two rounds.
        Profile(
            name="full",
            rounds=5,
            discard_s=1.5,
            peak_scenarios=("plaintext", "json", "template"),
            peak_users=(16, 64, 256),
            peak_warmup_s=1.5,
            peak_window_s=6.0,
            rate_levels=(
                ("json", (200.0, 600.0, 1200.0)),
                *((s, (600.0,)) for s in _ALL_RATE if s != "json"),
            ),
            warmup_s=0.5,
            window_s=3.0,
            per_user_rps=10.0,
            io_users=(8, 16, 32, 64, 128, 256),
            io_ms=50,
            capacity_scenarios=("json",),
            capacity_rounds=2,
            capacity_warmup_s=1.0,
            capacity_window_s=4.0,
            capacity_factor=1.3,
            capacity_precision=0.03,
            capacity_max_steps=12,
            slo_p99_ms=100.0,
            drain_s=5.0,
            steal_max_share=0.05,
            # wrk in every round after the visit's peak cells, 3 s per peak scenario: five
            # pairs per scenario (about 5.5 of the 87 minutes).
            crosscheck_s=3.0,
            crosscheck_rounds=5,
            calibration_window_s=5.0,
            # All twelve database cells, once (round 1), 4 s each: about 10 of the 85 minutes.
            database_scenarios=DATABASE_SCENARIOS,
            database_users=(16,),
            database_rounds=1,
            database_window_s=4.0,
        ),
    )
}


@dataclass(frozen=True)
class RunConfig:
    profile: Profile
    frameworks: tuple[str, ...]
    scenarios: tuple[str, ...]
    seed: int
    server_cpus: tuple[int, ...]
    generator_cpus: tuple[int, ...]
    generator_processes: int
    results_dir: Path
    deployment: str = "local"
    rates: tuple[float, ...] = ()
    """Absolute offered rates (--rate); empty means profile fractions of the ceiling."""
    target: Target | None = None
    database_url: str | None = None
    """An existing loopback PostgreSQL for the database scenarios (else a private cluster)."""
    extra: dict[str, Any] = field(default_factory=dict)
    servers: tuple[str, ...] = ("default",)
    """--servers as frameworks.parse_servers reads it: ("default",), ("all",) or server names;
    frameworks.deployments(frameworks, servers) gives what the run visits."""

    def to_json(self) -> dict[str, Any]:
        doc = asdict(self)
        doc["results_dir"] = str(self.results_dir)
        if self.target is not None:
            doc["target"]["cgroup"] = str(self.target.cgroup) if self.target.cgroup else None
        return doc


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise UsageError(f"unknown profile {name!r}; valid: {', '.join(PROFILES)}") from None


def check_scenarios(names: tuple[str, ...]) -> tuple[str, ...]:
    for name in names:
        if name not in SCENARIOS:
            raise UsageError(f"unknown scenario {name!r}; valid: {', '.join(SCENARIO_NAMES)}")
    return names


def parse_cpus(text: str, option: str) -> tuple[int, ...]:
    """'0', '0,1' or '2-3' -> CPU ids, each one this process may run on."""
    cpus: list[int] = []
    try:
        for part in text.split(","):
            lo, _, hi = part.partition("-")
            cpus.extend(range(int(lo), int(hi or lo) + 1))
    except ValueError:
        raise UsageError(f"{option} takes CPU ids like 0 or 0,1 or 2-3, got {text!r}") from None
    allowed = _allowed_cpus()
    bad = [c for c in cpus if c not in allowed]
    if not cpus or bad:
        raise UsageError(f"{option}: CPU {bad or text} not available (allowed: {sorted(allowed)})")
    return tuple(sorted(set(cpus)))


def _allowed_cpus() -> set[int]:
    return set(os.sched_getaffinity(0))


def positive(value: float, option: str) -> float:
    if not value > 0:
        raise UsageError(f"{option} must be positive, got {value}")
    return value
