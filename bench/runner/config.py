"""What a run is: scenarios and profiles as data, and the frozen configuration of one run."""

from __future__ import annotations

import ipaddress
import os
import urllib.parse
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from bench.errors import UsageError
from bench.frameworks import Framework


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
SCENARIO_NAMES: tuple[str, ...] = tuple(SCENARIOS)
BASELINE_SCENARIOS: tuple[str, ...] = ("plaintext", "json")
"""The bare baselines implement only these endpoints (CONTRACT.md)."""


def scenarios_for(framework: Framework, wanted: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(s for s in wanted if not framework.baseline or s in BASELINE_SCENARIOS)


@dataclass(frozen=True)
class Profile:
    """How much to measure. Durations in seconds; rates as fractions of the generator ceiling."""

    name: str
    rounds: int
    """Interleaved rounds; each is one trial of every cell."""
    warmup_s: float
    window_s: float
    rate_fractions: tuple[float, ...]
    """Offered rates for the open-loop cells, as fractions of the calibrated Locust ceiling.
    Far below 1, so the generator never limits them, and low enough that the slowest app on
    one core keeps up: latencies are only comparable at a load every app sustains. Measured
    here (ceiling ~4,400 requests/s): Django rendering the template used 52% of its core at
    450 requests/s (0.1) and 96% at 900 (0.2), with p90 rising from 4 to 23 ms; so 0.1.
    Much lower is no fairer: at 0.05 every request pays the wake-up of an idle server, and
    CPU per request rose 10-30% over 0.1 for every app."""
    rate_scenarios: tuple[str, ...]
    per_user_rps: float
    """Open loop: each user is paced to this rate, so a response slower than 1/per_user_rps
    starts to lower the offered rate (REFERENCES.md: constant_throughput only slows users)."""
    io_users: tuple[int, ...]
    """Closed-loop concurrency levels of the /io sweep."""
    io_ms: int
    closed_users: tuple[int, ...]
    """Closed loop without wait on plaintext (for comparison with other benchmarks)."""
    capacity_scenarios: tuple[str, ...]
    capacity_start_fraction: float
    capacity_factor: float
    capacity_max_steps: int
    capacity_warmup_s: float
    capacity_window_s: float
    slo_p99_ms: float
    calibration_window_s: float


_ALL_RATE = ("plaintext", "json", "users", "echo", "template", "cookie", "mixed")

PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        # CI and smoke: one round, tiny windows, one cell per kind; <= 2 min for all 7 apps.
        Profile(
            name="quick",
            rounds=1,
            warmup_s=0.3,
            window_s=0.8,
            rate_fractions=(0.1,),
            rate_scenarios=("plaintext", "json", "echo"),
            per_user_rps=10.0,
            io_users=(16,),
            io_ms=50,
            closed_users=(),
            capacity_scenarios=(),
            capacity_start_fraction=0.1,
            capacity_factor=1.5,
            capacity_max_steps=3,
            capacity_warmup_s=0.3,
            capacity_window_s=0.8,
            slo_p99_ms=100.0,
            calibration_window_s=1.0,
        ),
        # `make bench`: 3 interleaved rounds of every scenario, <= 12 min on 2 cores.
        Profile(
            name="standard",
            rounds=3,
            warmup_s=0.4,
            window_s=1.2,
            rate_fractions=(0.1,),
            rate_scenarios=_ALL_RATE,
            per_user_rps=10.0,
            io_users=(8, 32, 128),
            io_ms=50,
            closed_users=(),
            capacity_scenarios=("plaintext",),
            # Start below the open-loop level, which every app sustains, so a search never
            # fails at its first step; 0.08 x 1.45^6 ~ 0.75: seven steps pass the point (~0.6
            # to 0.7 of the ceiling) where the generator's own CPU reaches GENERATOR_BOUND.
            capacity_start_fraction=0.08,
            capacity_factor=1.45,
            capacity_max_steps=7,
            capacity_warmup_s=0.3,
            capacity_window_s=1.0,
            slo_p99_ms=100.0,
            calibration_window_s=2.0,
        ),
        # Longer windows, two load levels, more concurrency levels, closed loop, more rounds.
        Profile(
            name="full",
            rounds=5,
            warmup_s=2.0,
            window_s=8.0,
            rate_fractions=(0.05, 0.1, 0.15),
            rate_scenarios=_ALL_RATE,
            per_user_rps=10.0,
            io_users=(8, 16, 32, 64, 128, 256),
            io_ms=50,
            closed_users=(16, 64),
            capacity_scenarios=("plaintext", "json", "template"),
            capacity_start_fraction=0.05,
            capacity_factor=1.3,
            capacity_max_steps=12,
            capacity_warmup_s=1.0,
            capacity_window_s=4.0,
            slo_p99_ms=100.0,
            calibration_window_s=5.0,
        ),
    )
}


@dataclass(frozen=True)
class Target:
    """An already running app the run drives instead of starting one."""

    url: str
    host: str
    port: int
    cgroup: Path | None


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


def parse_target(url: str, cgroup: str | None) -> Target:
    """A loopback http URL with a port; anything else is refused (loopback-only rule)."""
    parts = urllib.parse.urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or parts.port is None:
        raise UsageError(f"--target must look like http://127.0.0.1:PORT, got {url!r}")
    try:
        loopback = ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise UsageError(f"--target must be loopback (127.0.0.0/8 or [::1]), got {parts.hostname}")
    group = Path(cgroup) if cgroup else None
    if group is not None and not (group / "cpu.stat").is_file():
        raise UsageError(f"--target-cgroup {group} has no cpu.stat (not a cgroup v2 directory)")
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return Target(
        url=f"http://{host}:{parts.port}", host=parts.hostname, port=parts.port, cgroup=group
    )


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
