"""How fast a core runs right now: a fixed piece of pure-Python work, timed in CPU time.

A shared VM's host can slow a virtual CPU without counting steal: another guest on the other
hyperthread of the same physical core, a host busy with its own work, frequency changes. On
this project's 2-core KVM machine (2026-12-02) the same 300,000-iteration loop took 16 ms of
CPU time on one reading and 34 ms a few seconds later, and every server's saturated
throughput under wrk moved with it (FastAPI 3,148-5,044 req/s over eight 2-3 s windows of
the same server), while /proc/stat's steal counters barely moved. No counter in the guest
shows it, so the probe measures it: CPU time (CLOCK_THREAD_CPUTIME_ID, which a wait for the
core does not inflate) of the same work on the core in question.

The runner probes the server's cores just before a window starts and just after it ends,
never inside it (the window's only readings stay its two CPU snapshots); the quiet check
probes them for a second before the run and warns when the machine is unsteady. A reader
sees a window taken on a slow core, and how far the machine's speed moved over the run.
"""

from __future__ import annotations

import math
import os
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass

from bench.errors import BenchError

ITERATIONS = 100_000
"""About 5-12 ms of CPU time on the reference machine: long next to the clock's resolution
(ns) and a scheduler tick, short enough to leave a warm-up or a drain as it was."""
REPEATS = 3
SPREAD_LIMIT = 1.25
"""Slowest / fastest reading of a check: beyond a quarter, a number taken on one reading's
core would move by as much on the next, above any effect a claim here rests on."""


def _work(n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def probe_us(cpu: int, iterations: int = ITERATIONS, repeats: int = REPEATS) -> float:
    """CPU µs the fixed work takes on `cpu` now: the median of `repeats` timings. Runs in
    the calling thread, moved to `cpu` for the probe and back afterwards."""
    affinity = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {cpu})
    try:
        timings = []
        for _ in range(repeats):
            start = time.thread_time()
            _work(iterations)
            timings.append(time.thread_time() - start)
    finally:
        os.sched_setaffinity(0, affinity)
    return statistics.median(timings) * 1e6


def probe_cores_us(cpus: Sequence[int]) -> float:
    """The slowest of `cpus` now (a server spread over its cores waits for the slowest);
    NaN without cores to probe (a --target whose server runs elsewhere)."""
    if not cpus:
        return math.nan
    return max(probe_us(cpu) for cpu in cpus)


@dataclass(frozen=True)
class SpeedCheck:
    cpus: tuple[int, ...]
    readings_us: tuple[float, ...]

    @property
    def spread(self) -> float:
        """Slowest over fastest reading: 1.0 for a steady machine."""
        return max(self.readings_us) / min(self.readings_us)

    def to_json(self) -> dict[str, object]:
        return {
            "cpus": list(self.cpus),
            "iterations": ITERATIONS,
            "readings_us": [round(r, 1) for r in self.readings_us],
            "median_us": round(statistics.median(self.readings_us), 1),
            "spread": round(self.spread, 3),
        }


def check(cpus: Sequence[int], seconds: float = 1.0, readings: int = 8) -> SpeedCheck:
    """`readings` probes of each of `cpus`, spread over `seconds`."""
    values: list[float] = []
    pause = seconds / readings
    for _ in range(readings):
        values.extend(probe_us(cpu) for cpu in cpus)
        time.sleep(pause)
    return SpeedCheck(tuple(cpus), tuple(values))


class UnsteadyCoresError(BenchError):
    """The cores' speed moved beyond the limit within the check (refused under --strict)."""


def require_steady(
    cpus: Sequence[int], strict: bool, limit: float = SPREAD_LIMIT
) -> tuple[SpeedCheck, str | None]:
    """The check over a second, and a warning when it moved beyond `limit`; under `strict`
    that warning is an UnsteadyCoresError instead."""
    result = check(cpus)
    message = unsteady(result, limit)
    if message and strict:
        raise UnsteadyCoresError(f"{message}; refusing under --strict")
    return result, f"warning: {message}" if message else None


def unsteady(result: SpeedCheck, limit: float = SPREAD_LIMIT) -> str | None:
    if result.spread <= limit:
        return None
    return (
        f"the speed of CPU {','.join(map(str, result.cpus))} varied {result.spread:.2f}x "
        f"between readings within a second (limit {limit:.2f}x): the host is taking the cores "
        "away without counting steal, and absolute numbers will move as much"
    )
