"""The generator's own ceiling on this machine, so offered rates can stay well inside it.

Closed loop (users without wait) against the bare baselines, whose servers do so little that
the generator runs out first; the same requests from wrk, a C generator at a few µs per
request, show how far the server could go and so how much of Locust's number is Locust.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import children, frameworks
from bench.runner.capacity import generator_bound
from bench.runner.client import Generator
from bench.runner.config import SCENARIOS
from bench.runner.measure import ProcessTree
from bench.runner.protocol import LoadSpec
from bench.runner.sample import drive
from bench.runner.serverctl import start_server
from bench.server import ServerStartError

CALIBRATION_USERS = 64
"""Enough connections to keep a one-core server busy; more only adds generator overhead."""
WRK = "wrk"


@dataclass(frozen=True)
class Variant:
    framework: str
    connection_close: bool

    @property
    def name(self) -> str:
        return f"{self.framework}{'-close' if self.connection_close else ''}"


VARIANTS = (
    Variant("raw-asgi", False),
    Variant("raw-wsgi", False),
    # gunicorn answers `Connection: close` by closing: each request pays a TCP handshake.
    Variant("raw-wsgi", True),
)


def _wrk(port: int, close: bool, seconds: float, cpus: tuple[int, ...]) -> dict[str, Any]:
    exe = shutil.which(WRK)
    if exe is None:
        return {"tool": "wrk", "skipped": "wrk is not installed (scripts/setup-system.sh)"}
    argv = [
        exe,
        "-t",
        str(len(cpus)),
        "-c",
        str(CALIBRATION_USERS),
        "-d",
        f"{max(1, round(seconds))}s",
    ]
    if close:
        argv += ["-H", "Connection: close"]
    argv.append(f"http://{frameworks.HOST}:{port}/plaintext")
    out = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        timeout=seconds + 30,
        preexec_fn=children.preexec(cpus=cpus, death_signal=signal.SIGKILL),
        check=False,
    )
    match = re.search(r"Requests/sec:\s+([\d.]+)", out.stdout)
    if out.returncode != 0 or match is None:
        return {"tool": "wrk", "error": (out.stderr or out.stdout).strip()[-300:]}
    return {"tool": "wrk", "achieved_rps": float(match.group(1)), "command": argv[:-1]}


def measure(
    server_cpus: tuple[int, ...],
    generator_cpus: tuple[int, ...],
    generator: Generator,
    *,
    window_s: float,
    variants: tuple[Variant, ...] = VARIANTS,
    with_wrk: bool = True,
) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    gen_source = ProcessTree(generator.pid)
    for variant in variants:
        fw = frameworks.get(variant.framework)
        try:
            server = start_server(fw, server_cpus)
        except ServerStartError as exc:  # one broken baseline must not hide the others
            rows.append(
                {
                    "variant": variant.name,
                    "framework": fw.name,
                    "connection_close": variant.connection_close,
                    "error": str(exc).splitlines()[0],
                }
            )
            continue
        try:
            spec = LoadSpec(
                sample_id=f"calibrate-{variant.name}",
                base_url=f"http://{frameworks.HOST}:{server.port}",
                requests=[vars(r) for r in SCENARIOS["plaintext"].requests],
                users=CALIBRATION_USERS,
                rate=None,
                warmup_s=min(1.0, window_s / 2),
                window_s=window_s,
                connection_close=variant.connection_close,
            )
            m = drive(generator, spec, ProcessTree(server.pid), gen_source)
            util = m.generator_util(len(generator_cpus))
            demand = m.generator_demand(len(generator_cpus))
            locust_row = {
                "tool": "locust",
                "achieved_rps": m.achieved_rps,
                "failures": m.result.failures,
                "generator_cpu_util": util,
                "generator_runq_util": m.generator_wait_util(len(generator_cpus)),
                "generator_bound": generator_bound(demand),
                "server_cpu_util": m.server_util(len(server_cpus)),
                "generator_cpu_us_per_req": m.readings.generator_cpu_s
                * 1e6
                / max(1, m.result.requests),
                "latency_p50_us": m.latency_us(50),
            }
            wrk_row = _wrk(server.port, variant.connection_close, window_s, generator_cpus)
        finally:
            server.stop()
        rows.append(
            {
                "variant": variant.name,
                "framework": fw.name,
                "connection_close": variant.connection_close,
                "locust": locust_row,
                "wrk": wrk_row if with_wrk else None,
            }
        )
    keepalive = [
        r["locust"]["achieved_rps"] for r in rows if "locust" in r and not r["connection_close"]
    ]
    return {
        "kind": "calibration",
        "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "server_cpus": list(server_cpus),
        "generator_cpus": list(generator_cpus),
        "users": CALIBRATION_USERS,
        "window_s": window_s,
        "variants": rows,
        # The rate the profiles' fractions refer to: the best Locust managed with keep-alive.
        "locust_ceiling_rps": max(keepalive) if keepalive else None,
    }


GENERATOR_DISTRIBUTIONS = ("locust", "gevent", "geventhttpclient")


def generator_fingerprint(env: dict[str, Any]) -> dict[str, Any]:
    """What the generator's ceiling depends on, from an environment record (environment.collect):
    the CPU, the interpreter and the generator's own packages."""
    packages = env.get("packages") or {}
    return {
        "cpu_model": env.get("cpu_model"),
        "cpu_count": env.get("cpu_count"),
        "python": str(env.get("python", "")).split(" ")[0],
        **{name: packages.get(name) for name in GENERATOR_DISTRIBUTIONS},
    }


def latest(
    results_dir: Path,
    server_cpus: tuple[int, ...],
    generator_cpus: tuple[int, ...],
    env: dict[str, Any],
) -> tuple[Path, dict[str, Any]] | None:
    """The newest calibration file made with the same pinning on the same CPU, Python and
    generator packages as `env` (this run's environment record), if any.

    Offered rates are fractions of the ceiling: one measured on another machine or with another
    Locust would put the "equal load" of every app at a level nobody chose.
    """
    here = generator_fingerprint(env)
    for path in sorted(results_dir.glob("calibration-*.json"), reverse=True):
        try:
            doc = json.loads(path.read_text())
        except (OSError, ValueError):
            continue
        if (
            doc.get("server_cpus") == list(server_cpus)
            and doc.get("generator_cpus") == list(generator_cpus)
            and doc.get("locust_ceiling_rps")
            and generator_fingerprint(doc.get("environment") or {}) == here
        ):
            return path, doc
    return None
