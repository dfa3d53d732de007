"""Schema-valid results directories with chosen numbers, for report and compare tests.

`Synthetic` holds the means per framework; `write(root)` draws trials around them with a small
seeded noise and writes run.json, samples.csv, facts.json and hdr/<sample-id>.latency.hdr
exactly as the runner lays them out (schema v2). Change one number (e.g. Bottle's RSS) and a
verdict must move.

Load model (v2 rows): one server core completes 1e6 / cpu_us requests per second (mu). Open-loop
latency stays at the framework's light-load figure up to QUEUE_KNEE of mu and then rises as a
queue does, so rate, capacity and peak rows of one spec describe the same server. Saturation is
cheaper per request than light load (SATURATED_COST): an idle server pays a wake-up per request.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import random
import zlib
from dataclasses import dataclass, field, replace
from pathlib import Path
from statistics import NormalDist
from typing import Any

from hdrh.histogram import HdrHistogram

from bench.schema import RESULTS_SCHEMA_VERSION, SAMPLE_COLUMNS

FIVE = ("flask", "bottle", "cherrypy", "django", "fastapi")
BASELINES = ("raw-wsgi", "raw-asgi")
SERVERS = {
    "flask": "gunicorn",
    "bottle": "gunicorn",
    "cherrypy": "cheroot",
    "django": "gunicorn",
    "fastapi": "uvicorn",
    "raw-wsgi": "gunicorn",
    "raw-asgi": "uvicorn",
}
QUEUE_KNEE = 0.7
"""Utilisation up to which open-loop latency stays at its light-load value."""
SATURATED_COST = 0.85
"""CPU per request at saturation / at light load."""
PEAK_EFFICIENCY = {16: 0.95, 64: 1.0, 256: 0.97}
"""Share of mu a closed loop reaches at each users level (too few, then contention)."""
GENERATOR_CEILING_RPS = 11_000.0
"""The synthetic generator's ceiling (run.json calibration); peak rows above it are capped."""


@dataclass(frozen=True)
class Synthetic:
    frameworks: tuple[str, ...] = FIVE + BASELINES
    trials: int = 3
    scenarios: tuple[str, ...] = ("plaintext", "json", "users", "echo", "template", "cookie")
    rates: tuple[float, ...] = (500.0, 1000.0)
    """Absolute open-loop levels (offered req/s), the same for every framework."""
    peak_users: tuple[int, ...] = (16, 64, 256)
    """Closed loop without wait at saturation (mode peak); () writes no peak rows."""
    peak_bound: dict[str, str] = field(default_factory=lambda: dict({}))
    generator_ceiling: bool = False
    """Peak rows above GENERATOR_CEILING_RPS become generator-bound lower bounds, and each
    users level reaches its PEAK_EFFICIENCY share, as the runner would see them."""
    """Framework -> bound of its peak rows, instead of the model's (server or generator)."""
    capacity_scenarios: tuple[str, ...] = ("plaintext", "json")
    """Scenarios with a capacity search (mode capacity); () writes none."""
    capacity_start_rps: float = 500.0
    capacity_factor: float = 1.5
    slo_p99_ms: float = 100.0
    hdr: bool = True
    """Write hdr/<sample-id>.latency.hdr for rate and peak rows."""
    started_at: str = "2026-11-25T15:00:00Z"
    git_sha: str = "abc1234"
    io_users: tuple[int, ...] = (8, 32, 128)
    io_ms: int = 50
    closed_users: tuple[int, ...] = (10, 50)
    deployments: tuple[str, ...] = ("local",)
    noise: float = 0.01
    """Relative standard deviation of every measured number across trials."""
    seed: int = 1
    status: str = "complete"
    run_id: str = "20261125T150000Z-abc1234"
    cpu_us: dict[str, float] = field(
        default_factory=lambda: dict(
            {
                "flask": 300,
                "bottle": 200,
                "cherrypy": 400,
                "django": 650,
                "fastapi": 150,
                "raw-wsgi": 60,
                "raw-asgi": 40,
            }
        )
    )
    rss_peak_mib: dict[str, float] = field(
        default_factory=lambda: dict(
            {
                "flask": 90,
                "bottle": 60,
                "cherrypy": 70,
                "django": 140,
                "fastapi": 80,
                "raw-wsgi": 40,
                "raw-asgi": 35,
            }
        )
    )
    rss_idle_mib: dict[str, float] = field(
        default_factory=lambda: dict(
            {
                "flask": 50,
                "bottle": 40,
                "cherrypy": 60,
                "django": 110,
                "fastapi": 70,
                "raw-wsgi": 30,
                "raw-asgi": 30,
            }
        )
    )
    startup_s: dict[str, float] = field(
        default_factory=lambda: dict(
            {
                "flask": 0.8,
                "bottle": 0.6,
                "cherrypy": 0.7,
                "django": 1.6,
                "fastapi": 1.1,
                "raw-wsgi": 0.5,
                "raw-asgi": 0.6,
            }
        )
    )
    io_capacity: dict[str, float] = field(
        default_factory=lambda: dict(
            {"flask": 12, "bottle": 12, "cherrypy": 10, "django": 12, "fastapi": 1000}
        )
    )
    """Waits a server can have in progress at once (its threads, or unbounded for async)."""
    p99_us: dict[str, float] = field(
        default_factory=lambda: dict(
            {
                "flask": 1500,
                "bottle": 1200,
                "cherrypy": 2000,
                "django": 2500,
                "fastapi": 900,
                "raw-wsgi": 600,
                "raw-asgi": 400,
            }
        )
    )
    app_rss_mib: dict[str, float] = field(
        default_factory=lambda: dict(
            {
                "flask": 30,
                "bottle": 18,
                "cherrypy": 33,
                "django": 48,
                "fastapi": 42,
                "raw-wsgi": 11,
                "raw-asgi": 12,
            }
        )
    )
    """RSS of one process that imported and built the app (facts.json import_time)."""
    cherrypy_failures: int = 0
    generator_bound: frozenset[tuple[str, str]] = frozenset()
    """(framework, scenario) pairs whose samples are flagged generator-bound."""
    skipped: dict[str, str] = field(default_factory=lambda: dict({}))
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Per framework, facts.json sections replacing the defaults below."""
    # Realistic noise (issue 11). All off by default, so the numbers above are drawn as before.
    shared_noise: float = 0.0
    """Relative SD of a factor drawn once per round and common to every framework (the
    machine's state in that round): interleaved rounds pair because of it."""
    run_shift: float = 1.0
    """Every cost (CPU, latency) of the run multiplied, every throughput divided, by this."""
    cell_shift: float = 0.0
    """Relative SD of a factor per framework x scenario drawn from the seed: a cell's own move
    between two runs."""
    peak_noise: float = 0.03
    """Per-round CV of peak throughput."""
    peak_cpu_noise: float = 0.05
    """Per-round CV of CPU per request at saturation."""
    rate_cpu_noise: float | None = None
    """Per-round CV of light-load CPU per request; `noise` when None."""

    def but(self, **changes: Any) -> Synthetic:
        return replace(self, **changes)


INSTALLED_MIB = {"flask": 5.0, "bottle": 0.4, "cherrypy": 3.2, "django": 31.0, "fastapi": 9.0}
TEMPLATE_SCORES = {
    # (protections on, insecure defaults) of each framework's template or quickstart
    "django": (("X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy",
                "Cross-Origin-Opener-Policy", "CSRF protection on", "HttpOnly session cookie",
                "template autoescaping"), ("debug off", "no placeholder secret key")),
    "flask": (("HttpOnly session cookie", "template autoescaping"), ()),
    "bottle": (("template autoescaping",), ("debug off",)),
    "cherrypy": ((), ("debug off",)),
    "fastapi": (("template autoescaping",), ()),
}  # fmt: skip


def checklist_facts(fw: str) -> dict[str, Any]:
    """A security checklist like bench.checklist writes: deployed from the synthetic headers
    (Django's three; CSRF off in the measured app; its fallback placeholder key), template from
    TEMPLATE_SCORES."""
    on, off = TEMPLATE_SCORES.get(fw, ((), ()))
    template = {item: {"score": 1, "evidence": "synthetic"} for item in on}
    template.update({item: {"score": -1, "evidence": "synthetic"} for item in off})
    deployed = {
        name: {"score": 1 if fw == "django" else 0, "evidence": "synthetic"}
        for name in ("X-Frame-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy")
    }
    deployed["CSRF protection on"] = {"score": 0, "evidence": "synthetic: off in the app"}
    if fw == "django":
        deployed["no placeholder secret key"] = {"score": -1, "evidence": "synthetic"}
    return {"deployed": deployed, "template": template}


def default_facts(fw: str, app_rss_mib: float = 20.0, noise: float = 0.002) -> dict[str, Any]:
    deps = {
        "flask": ["blinker", "click", "flask", "itsdangerous", "jinja2", "markupsafe", "werkzeug"],
        "bottle": ["bottle"],
        "cherrypy": ["cheroot", "cherrypy", "jaraco-functools", "more-itertools", "portend"],
        "django": ["asgiref", "django", "sqlparse"],
        "fastapi": ["anyio", "fastapi", "idna", "pydantic", "pydantic-core", "starlette"],
    }.get(fw, [])
    imports = {"flask": 0.12, "bottle": 0.03, "cherrypy": 0.25, "django": 0.3, "fastapi": 0.4}
    headers = {
        name: {"present": False, "values": {}, "contract_required": False, "set_by_app": False}
        for name in ("X-Frame-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy")
    }
    headers["X-Content-Type-Options"] = {
        "present": True,
        "values": {"plaintext": "nosniff"},
        "contract_required": True,
        "set_by_app": fw != "django",
    }
    if fw == "django":
        for name in ("X-Frame-Options", "Referrer-Policy", "Cross-Origin-Opener-Policy"):
            headers[name] = {
                "present": True,
                "values": {"plaintext": "same-origin"},
                "contract_required": False,
                "set_by_app": False,
            }
    base = imports.get(fw, 0.05)
    return {
        "framework": fw,
        "dependencies": {
            "framework": deps,
            "framework_count": len(deps),
            "with_server": [*deps, "gunicorn"],
            "with_server_count": len(deps) + 1,
            "installed_bytes": int(INSTALLED_MIB[fw] * 2**20) if fw in INSTALLED_MIB else None,
        },
        "hello": {"lines": {"flask": 5, "django": 14}.get(fw, 7), "ran": True, "status": 200}
        if fw in FIVE
        else {"lines": None, "ran": None, "reason": "baselines have no hello world"},
        "validation": (
            {
                "name": "EchoIn",
                "kind": "model",
                "lines": 6,
                "validator_functions": 0,
                "module_lines": 6,
            }
            if fw == "fastapi"
            else {"name": "validate_echo", "kind": "function", "lines": 40, "module_lines": 70}
        )
        if fw in FIVE
        else {"lines": None, "reason": "baselines have no /echo"},
        "security": {
            "headers": headers,
            "csrf": {"default_on": fw == "django", "evidence": "synthetic"},
            **({"checklist": checklist_facts(fw)} if fw in FIVE else {}),
        },
        **(
            {"startproject": {"files": 6, "lines": 137, "command": "startproject mysite"}}
            if fw == "django"
            else {}
        ),
        "import_time": {
            "seconds": base,
            "samples": [base * (1 + 0.01 * k) for k in (-1, 0, 1, 0, 1)],
            "rss_samples_mib": [app_rss_mib * (1 + noise * k) for k in (-1, 0, 1, 0, 1)],
        },
    }


def _row(spec: Synthetic, **values: Any) -> dict[str, Any]:
    row: dict[str, Any] = {c.name: "" for c in SAMPLE_COLUMNS}
    row.update(values)
    return row


def queueing(rho: float) -> float:
    """Open-loop latency at utilisation `rho` over its light-load value (1 up to QUEUE_KNEE)."""
    if rho <= QUEUE_KNEE:
        return 1.0
    return ((1 - QUEUE_KNEE) / max(1 - rho, 0.01)) ** 2


def samples(spec: Synthetic) -> list[dict[str, Any]]:
    rng = random.Random(spec.seed)
    # v2's extra rows draw from their own stream: the v1 rows stay what they were for a seed
    extra = random.Random(spec.seed + 1_000_003)

    def jitter(x: float) -> float:
        return x * (1 + rng.gauss(0, spec.noise))

    def jitter2(x: float) -> float:
        return x * (1 + extra.gauss(0, spec.noise))

    slo_us = spec.slo_p99_ms * 1000
    rows: list[dict[str, Any]] = []
    n = 0
    side = random.Random(spec.seed * 7919 + 17)  # its own stream: the default draws stay put

    def cell(fw: str, scenario: str) -> float:
        if not spec.cell_shift:
            return 1.0
        local = random.Random(zlib.crc32(f"{spec.seed}/{fw}/{scenario}".encode()))
        return math.exp(local.gauss(0, spec.cell_shift))

    def draw(x: float, cv: float) -> float:
        return x * math.exp(side.gauss(0, cv)) if cv else x

    for trial in range(spec.trials):
        shared = math.exp(side.gauss(0, spec.shared_noise)) if spec.shared_noise else 1.0
        cost = shared * spec.run_shift
        for dep in spec.deployments:
            for fw in spec.frameworks:
                if fw in spec.skipped:
                    continue
                dep_factor = 1.1 if dep == "docker" else 1.0
                rss_idle = jitter(spec.rss_idle_mib[fw])
                rss_peak = jitter(spec.rss_peak_mib[fw])
                startup = jitter(spec.startup_s[fw])
                scenarios = spec.scenarios if fw in FIVE else ("plaintext", "json")
                common = {
                    "run_id": spec.run_id,
                    "framework": fw,
                    "server": SERVERS[fw],
                    "deployment": dep,
                    "round": trial,
                    "trial": trial,
                    "server_cores": 1,
                    "rss_idle_mib": round(rss_idle, 3),
                    "rss_peak_mib": round(rss_peak, 3),
                    "startup_s": round(startup, 4),
                    "workers": 3 if SERVERS[fw] == "gunicorn" else 1,
                    "threads": 4 if SERVERS[fw] == "gunicorn" else 1,
                    "server_cpus": "0",
                    "generator_cpus": "1",
                    "bound": "",
                    "step": -1,
                    "passed": False,
                    "in_flight_end": 0,
                    "steal_share": 0.0,
                    "irq_share": 0.01,
                }

                def add(
                    scenario: str,
                    mode: str,
                    users: int,
                    offered: float | str,
                    *,
                    fw: str = fw,
                    common: dict[str, Any] = common,
                    **kw: Any,
                ) -> None:
                    nonlocal n
                    n += 1
                    bound = (fw, scenario) in spec.generator_bound
                    rows.append(
                        _row(
                            spec,
                            **{
                                **common,
                                **({"bound": kw.pop("bound")} if "bound" in kw else {}),
                                "sample_id": f"s{n:05d}",
                                "scenario": scenario,
                                "mode": mode,
                                "users": users,
                                "offered_rps": offered,
                                "generator_bound": bound,
                                "generator_cpu_util": 0.95 if bound else 0.4,
                                "cell_index": len(rows) % 7,
                                **kw,
                            },
                        )
                    )

                def open_loop(rate: float, cpu: float, light_p99: float) -> dict[str, Any]:
                    """One open-loop window at `rate` of a server costing `cpu` µs/request."""
                    mu = 1e6 / cpu
                    rho = rate / mu
                    duration = 10.0
                    requests = int(rate * duration)
                    p99 = light_p99 * queueing(rho)
                    if rho >= 1:  # a queue that only grows: latency is the backlog's age
                        p99 = max(p99, slo_us * (2 + 10 * (rho - 1)))
                    p50 = light_p99 / 3 * queueing(rho) ** 0.8
                    achieved = min(rate, mu * 0.995)
                    return {
                        "io_ms": 0,
                        "duration_s": duration,
                        "requests": requests,
                        "achieved_rps": round(achieved, 3),
                        "latency_p50_us": round(p50, 1),
                        "latency_p90_us": round((p50 + p99) / 2, 1),
                        "latency_p99_us": round(p99, 1),
                        "latency_p999_us": round(p99 * 1.5, 1),
                        "latency_max_us": round(p99 * 3, 1),
                        "latency_mean_us": round(p50 * 1.07, 1),
                        # the service time leaves out the wait for a late send
                        "service_p50_us": round(p50 * 0.9, 1),
                        "service_p90_us": round((p50 + p99) / 2 * 0.85, 1),
                        "service_p99_us": round(p99 * 0.8, 1),
                        "server_cpu_s": cpu * requests / 1e6,
                        "server_cpu_us_per_req": round(cpu, 3),
                        "server_cpu_util": round(min(rho, 1.0), 4),
                        "rate_shortfall": achieved < 0.99 * rate,
                    }

                for scenario in scenarios:
                    for users in spec.peak_users:
                        shift = cost * cell(fw, scenario)
                        cpu = draw(spec.cpu_us[fw] * dep_factor * shift, spec.peak_cpu_noise)
                        # Throughput rises with concurrency towards the server's capacity.
                        share = users / (users + 4)
                        if spec.generator_ceiling:  # too few users, then contention
                            share = PEAK_EFFICIENCY.get(users, share)
                        cap = 1e6 / (spec.cpu_us[fw] * dep_factor * shift) * share
                        achieved = draw(cap, spec.peak_noise)
                        bound_here = (fw, scenario) in spec.generator_bound
                        if spec.generator_ceiling and achieved > GENERATOR_CEILING_RPS * 0.9:
                            bound_here, achieved = True, GENERATOR_CEILING_RPS * 0.9 * 0.95
                        peak_bound = spec.peak_bound.get(
                            fw, "generator" if bound_here else "server"
                        )
                        if peak_bound == "threads":
                            achieved *= 0.6
                        add(
                            scenario,
                            "peak",
                            users,
                            "",
                            io_ms=0,
                            duration_s=10.0,
                            requests=int(achieved * 10),
                            failures=0,
                            achieved_rps=round(achieved, 3),
                            latency_p50_us=round(users / achieved * 1e6, 1),
                            latency_p99_us=round(users / achieved * 3e6, 1),
                            server_cpu_s=cpu * achieved * 10 / 1e6,
                            server_cpu_us_per_req=round(cpu, 3),
                            latency_mean_us=round(users / achieved * 1e6, 1),
                            service_p50_us=round(users / achieved * 1e6, 1),
                            service_p99_us=round(users / achieved * 3e6, 1),
                            server_cpu_util=0.97 if peak_bound == "server" else 0.6,
                            bound=peak_bound,
                        )
                    for rate in spec.rates:
                        cpu = jitter(spec.cpu_us[fw] * dep_factor)
                        if spec.rate_cpu_noise is not None or cost != 1.0 or spec.cell_shift:
                            cpu = draw(
                                spec.cpu_us[fw] * dep_factor * cost * cell(fw, scenario),
                                spec.noise if spec.rate_cpu_noise is None else spec.rate_cpu_noise,
                            )
                        failures = spec.cherrypy_failures if fw == "cherrypy" else 0
                        p99 = jitter(spec.p99_us[fw]) * cost * cell(fw, scenario)
                        window = open_loop(rate, cpu, p99)
                        add(scenario, "rate", 20, rate, failures=failures, **window)
                    for users in spec.closed_users:
                        cap = 1e6 / (spec.cpu_us[fw] * dep_factor)
                        achieved = jitter(min(cap, 3000.0 + users))
                        add(
                            scenario,
                            "closed",
                            users,
                            "",
                            io_ms=0,
                            duration_s=10.0,
                            requests=int(achieved * 10),
                            failures=0,
                            achieved_rps=achieved,
                            latency_p50_us=users / achieved * 1e6,
                            latency_p99_us=users / achieved * 2e6,
                            server_cpu_s=1.0,
                            server_cpu_us_per_req=jitter(spec.cpu_us[fw]),
                            server_cpu_util=0.9,
                        )
                    if scenario in spec.capacity_scenarios:
                        cpu = jitter2(spec.cpu_us[fw] * dep_factor)
                        light = jitter2(spec.p99_us[fw])
                        steps = _search(spec, lambda r, c=cpu, p=light: open_loop(r, c, p))
                        capacity = max((r for r, w in steps if w["passed"]), default=math.nan)
                        last = steps[-1][1]
                        for step, (rate, w) in enumerate(steps):
                            add(
                                scenario,
                                "capacity",
                                max(1, math.ceil(rate / 10)),
                                round(rate, 1),
                                step=step,
                                failures=0,
                                capacity_rps=round(capacity, 1),
                                **{**w, "bound": last["bound"]},
                            )
                if fw in FIVE and "io" not in spec.skipped:
                    for users in spec.io_users:
                        inflight = min(users, spec.io_capacity[fw])
                        achieved = jitter(inflight / (spec.io_ms / 1000.0))
                        add(
                            "io",
                            "closed",
                            users,
                            "",
                            io_ms=spec.io_ms,
                            duration_s=10.0,
                            requests=int(achieved * 10),
                            failures=0,
                            achieved_rps=achieved,
                            latency_p50_us=users / achieved * 1e6,
                            latency_p99_us=users / achieved * 1.3e6,
                            latency_mean_us=users / achieved * 1e6,
                            server_cpu_s=0.5,
                            server_cpu_us_per_req=jitter(spec.cpu_us[fw]),
                            server_cpu_util=0.3,
                            bound="threads" if users > spec.io_capacity[fw] else "",
                        )
    return rows


def _search(spec: Synthetic, window: Any) -> list[tuple[float, dict[str, Any]]]:
    """A capacity search as the runner's: geometric steps to the first failure, two bisections.

    A step passes with achieved >= 99% of offered and p99 <= the SLO; the search is bound by
    whichever rule the failing step broke, or by the generator when it nears its ceiling."""
    slo_us = spec.slo_p99_ms * 1000

    def judged(rate: float) -> dict[str, Any]:
        w = window(rate)
        late = w["latency_p99_us"] > slo_us
        w["passed"] = not w["rate_shortfall"] and not late
        w["bound"] = "server" if w["rate_shortfall"] else "slo" if late else ""
        return w

    steps: list[tuple[float, dict[str, Any]]] = []
    rate = spec.capacity_start_rps
    while rate < GENERATOR_CEILING_RPS * 0.85:
        steps.append((rate, judged(rate)))
        if not steps[-1][1]["passed"]:
            break
        rate *= spec.capacity_factor
    else:
        for _, w in steps:
            w["bound"] = "generator"
        return steps
    low = steps[-2][0] if len(steps) > 1 else rate / spec.capacity_factor
    high = steps[-1][0]
    fail = steps[-1][1]
    for _ in range(2):
        mid = (low + high) / 2
        w = judged(mid)
        steps.append((mid, w))
        if w["passed"]:
            low = mid
        else:
            high, fail = mid, w
    steps[-1][1]["bound"] = fail["bound"]
    return steps


def run_meta(spec: Synthetic) -> dict[str, Any]:
    return {
        "schema_version": RESULTS_SCHEMA_VERSION,
        "run_id": spec.run_id,
        "status": spec.status,
        "started_at": spec.started_at,
        "finished_at": spec.started_at,
        "git": {"sha": spec.git_sha, "dirty": False},
        "environment": {"python": "3.11.7", "cpu_model": "synthetic CPU", "cpu_count": 2},
        "pinning": {"server_cpus": [0], "generator_cpus": [1]},
        "profile": "synthetic",
        "config": {
            "trials": spec.trials,
            "rates": list(spec.rates),
            "profile": {"name": "synthetic", "slo_p99_ms": spec.slo_p99_ms},
        },
        "frameworks": {
            fw: {
                "server": SERVERS[fw],
                "command": ["python", "-m", SERVERS[fw], "..."],
                "workers": {"formula": "synthetic formula"},
            }
            for fw in spec.frameworks
        },
        "calibration": {"ceiling_rps": GENERATOR_CEILING_RPS},
        "skipped": [{"framework": fw, "reason": why} for fw, why in spec.skipped.items()],
    }


_STRATA = [k / 100 for k in range(91)] + [1 - 0.1 * 10 ** (-k / 20) for k in range(1, 81)] + [1.0]
"""Quantile edges: even in the body, log-spaced in the tail (to 1 - 1e-5), so a few hundred
recorded values give a spectrum to p99.99 without recording every request."""


def latency_histogram(p50_us: float, p99_us: float, requests: int) -> HdrHistogram:
    """A log-normal latency histogram (µs) with the given median and p99 over `requests`."""
    hist = HdrHistogram(1, 60_000_000, 3)
    z99 = NormalDist().inv_cdf(0.99)
    sigma = math.log(max(p99_us, p50_us * 1.01) / p50_us) / z99
    recorded = 0
    for low, high in itertools.pairwise(_STRATA):
        # cumulative rounding: strata of less than one request still add up to the total
        count = round(high * requests) - recorded
        if count <= 0:
            continue
        recorded += count
        q = min((low + high) / 2, 1 - 1e-7)
        value = p50_us * math.exp(sigma * NormalDist().inv_cdf(q))
        hist.record_value(max(1, round(value)), count)
    return hist


def write(root: Path, spec: Synthetic | None = None) -> Path:
    """A results directory under `root` named by spec.run_id; returns its path."""
    spec = spec or Synthetic()
    path = root / spec.run_id
    path.mkdir(parents=True)
    (path / "run.json").write_text(json.dumps(run_meta(spec), indent=2))
    rows = samples(spec)
    with (path / "samples.csv").open("w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[c.name for c in SAMPLE_COLUMNS])
        writer.writeheader()
        writer.writerows(rows)
    if spec.hdr:
        (path / "hdr").mkdir()
        for row in rows:
            if row["mode"] in ("rate", "peak"):
                hist = latency_histogram(
                    row["latency_p50_us"], row["latency_p99_us"], row["requests"]
                )
                (path / "hdr" / f"{row['sample_id']}.latency.hdr").write_bytes(hist.encode())
    facts = {}
    for fw in spec.frameworks:
        base = default_facts(fw, spec.app_rss_mib.get(fw, 20.0), spec.noise)
        base.update(spec.facts.get(fw, {}))
        facts[fw] = base
    (path / "facts.json").write_text(json.dumps(facts, indent=2))
    return path
