"""The outside reference: the same server, the same request, driven by wrk, its CPU from /proc.

In each of the profile's first `crosscheck_rounds` rounds, right after a framework's Locust
cells and on the same server process: send the peak cell's exact request (path, Locust's
User-Agent and Accept-Encoding headers, the same number of keep-alive connections as the
first peak level, wrk on the generator's cores) closed loop for a window, and read the server
tree's CPU from /proc/<pid>/stat (utime + stime, kernel ticks) before and after: a meter
independent of the harness's own (clock_gettime on each process's CPU clock). The report sets
the run's peak throughput and CPU per request at saturation beside these figures, round by
round: this machine's core speed moves by up to 2x within minutes (bench.runner.speed), so
a reference taken once after the rounds would differ from their median by the drift alone.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from typing import Any

import psutil

from bench import children, frameworks, interrupts
from bench.frameworks import Framework
from bench.runner.config import SCENARIOS

WRK = "wrk"
_TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


def locust_headers() -> dict[str, str]:
    """What Locust's FastHttpUser sends besides Host (seen on the wire: geventhttpclient's
    User-Agent and Locust's Accept-Encoding), so wrk's request is byte for byte the same."""
    try:
        version = metadata.version("geventhttpclient")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {
        "User-Agent": f"python/gevent-http-client-{version}",
        "Accept-Encoding": "gzip, deflate, br",
    }


def proc_cpu_s(pid: int) -> float:
    """utime + stime of `pid` and all its live descendants from /proc/<pid>/stat."""
    total = 0.0
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return float("nan")
    for proc in procs:
        try:
            text = Path(f"/proc/{proc.pid}/stat").read_text()
        except OSError:
            continue
        # Fields after the command name (which may hold spaces) start after the last ')'.
        fields = text[text.rindex(")") + 2 :].split()
        total += (int(fields[11]) + int(fields[12])) * _TICK_S
    return total


@dataclass(frozen=True)
class WrkResult:
    requests: int
    duration_s: float
    errors: int
    argv: list[str]

    @property
    def rps(self) -> float:
        return self.requests / self.duration_s if self.duration_s else float("nan")


_DONE = re.compile(r"(\d+) requests in ([\d.]+)(us|ms|s|m)")
_UNIT = {"us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0}


def parse_wrk(text: str) -> tuple[int, float, int]:
    """(requests, seconds, errors) from wrk's summary."""
    match = _DONE.search(text)
    if match is None:
        raise ValueError(f"no wrk summary in: {text.strip()[-200:]!r}")
    errors = 0
    for found in re.finditer(r"(connect|read|write|timeout) (\d+)", text):
        errors += int(found.group(2))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    if non2xx:
        errors += int(non2xx.group(1))
    return int(match.group(1)), float(match.group(2)) * _UNIT[match.group(3)], errors


def run_wrk(url: str, connections: int, seconds: float, cpus: tuple[int, ...]) -> WrkResult:
    exe = shutil.which(WRK)
    if exe is None:
        raise FileNotFoundError("wrk is not installed (scripts/setup-system.sh installs it)")
    argv = [exe, "-t", str(len(cpus)), "-c", str(connections), "-d", f"{max(1, round(seconds))}s"]
    for name, value in locust_headers().items():
        argv += ["-H", f"{name}: {value}"]
    argv.append(url)
    with interrupts.deferred():
        proc = subprocess.Popen(
            argv,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            preexec_fn=children.preexec(cpus=cpus, death_signal=signal.SIGKILL),  # noqa: PLW1509
        )
    try:
        out, _ = proc.communicate(timeout=seconds + 30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    if proc.returncode != 0:
        raise RuntimeError(f"wrk exited {proc.returncode}: {out.strip()[-300:]}")
    requests, duration, errors = parse_wrk(out)
    return WrkResult(requests, duration, errors, argv[:-1])


def measure(
    fw: Framework,
    scenario: str,
    connections: int,
    *,
    port: int,
    pid: int,
    server_cpus: tuple[int, ...],
    generator_cpus: tuple[int, ...],
    window_s: float,
) -> dict[str, Any]:
    """One wrk window against the running server of `fw` (listening on `port`, its tree under
    `pid`) on `scenario`, a single-request GET scenario. Taken in the same visit as the
    round's Locust peak cells, on the same server process: the two meters read the same
    server at the same minute, so a drift of the machine's speed between rounds moves both."""
    requests = SCENARIOS[scenario].requests
    row: dict[str, Any] = {
        "framework": fw.name,
        "server": fw.server,
        "scenario": scenario,
        "users": connections,
        "tool": "wrk",
        "headers": locust_headers(),
    }
    if len(requests) != 1 or requests[0].method != "GET" or "{" in requests[0].path:
        return {**row, "skipped": "wrk sends one fixed GET; this scenario is not one"}
    url = f"http://{frameworks.HOST}:{port}{requests[0].path}"
    try:
        cpu0, t0 = proc_cpu_s(pid), time.monotonic()
        result = run_wrk(url, connections, window_s, generator_cpus)
        cpu1, t1 = proc_cpu_s(pid), time.monotonic()
    except (OSError, RuntimeError, ValueError) as exc:
        return {**row, "error": str(exc)}
    cpu = cpu1 - cpu0
    return {
        **row,
        "command": result.argv,
        "requests": result.requests,
        "duration_s": result.duration_s,
        "errors": result.errors,
        "wrk_rps": result.rps,
        "server_cpu_s_proc": cpu,
        "server_cpu_util_proc": cpu / ((t1 - t0) * len(server_cpus)),
        "server_cpu_us_per_req_proc": cpu * 1e6 / result.requests if result.requests else None,
        "meter": "/proc/<pid>/stat utime+stime over the server tree, kernel ticks",
    }
