"""What limited a window, and the capacity search at an SLO.

Both are pure functions of what a window measured, so the rules are unit-tested without load.

A window's bound (schema v2 `bound`), checked in this order:
  errors     failures >= ERROR_SHARE of its requests: its throughput is not the server's work.
  generator  the generator used or waited for >= GENERATOR_BOUND of its cores: the numbers
             describe Locust, so throughput is a lower bound.
  server     the server's cores were >= SERVER_BUSY busy: the server ran out of CPU.
  threads    neither: the server's concurrency (threads, workers, the GIL) or the users held
             it back; a lower bound of what the server's CPU could do.

Capacity at an SLO: the highest open-loop rate at which achieved >= ACHIEVED_RATIO x offered,
p99 (from intended send times) <= the SLO, errors < ERROR_SHARE, and every sub-window of the
window also met the SLO (a queue that grows through the window is not a steady state). The
search brackets geometrically, bisects (geometric mean) until the bracket is within
`precision` either side, then measures the boundary step again and only keeps it if it passes
twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

# Locust's own warning fires at 90% CPU; above ~85% a Python generator's scheduler delays
# sending and reading, which shows up as latency the server did not cause.
GENERATOR_BOUND = 0.85
# A server whose cores are 90% busy is saturated: the rest is the kernel's network work on the
# same core (irq/softirq, recorded apart) and scheduling gaps between requests.
SERVER_BUSY = 0.90
# 1 in 1,000: TechEmpower fails a test on any error; a benchmark of servers that refuse at
# saturation allows a trace, but a number with more than that is not the server's throughput.
ERROR_SHARE = 0.001
# Open loop: the server delivered at least 99% of the offered rate in the window.
ACHIEVED_RATIO = 0.99

LOWER_BOUNDS = ("generator", "threads")
"""A peak (or capacity) with one of these bounds is a lower bound, shown as ">= N"."""


@dataclass(frozen=True)
class Window:
    """The figures of one measured window the rules look at."""

    offered_rps: float | None
    achieved_rps: float
    p99_us: float
    error_share: float
    generator_demand: float
    """Share of its cores the generator used or waited for on a run queue."""
    server_util: float
    sub_p99_us: tuple[float, ...] = ()
    duration_s: float = math.inf


def generator_bound(demand: float) -> bool:
    return not math.isnan(demand) and demand >= GENERATOR_BOUND


SHORT_BY_REQUESTS = 2
"""Responses counted in a window differ from the offered count by a request or two at its
edges; a shortfall is more than that (20 requests in a 1 s window are 95% from one short)."""


def shortfall(offered: float | None, achieved: float, duration_s: float = math.inf) -> bool:
    if offered is None:
        return False
    return achieved < ACHIEVED_RATIO * offered - SHORT_BY_REQUESTS / duration_s


def bound(window: Window) -> str:
    """What limited a saturating (closed-loop) window."""
    if window.error_share >= ERROR_SHARE:
        return "errors"
    if generator_bound(window.generator_demand):
        return "generator"
    if not math.isnan(window.server_util) and window.server_util >= SERVER_BUSY:
        return "server"
    return "threads"


def rate_bound(window: Window) -> str:
    """An open-loop cell below saturation: '' unless something ran out that should not have."""
    if window.error_share >= ERROR_SHARE:
        return "errors"
    if generator_bound(window.generator_demand):
        return "generator"
    if shortfall(window.offered_rps, window.achieved_rps, window.duration_s):
        return "server" if window.server_util >= SERVER_BUSY else "threads"
    return ""


def failed_rule(window: Window, slo_p99_ms: float) -> str:
    """'' when the step meets the SLO rules, else the first rule it broke."""
    slo_us = slo_p99_ms * 1000
    if generator_bound(window.generator_demand):
        return "generator"
    if window.error_share >= ERROR_SHARE:
        return "errors"
    if shortfall(window.offered_rps, window.achieved_rps, window.duration_s):
        return "shortfall"
    if math.isnan(window.p99_us) or window.p99_us > slo_us:
        return "p99"
    if any(not math.isnan(p) and p > slo_us for p in window.sub_p99_us):
        return "unsteady"
    return ""


@dataclass(frozen=True)
class Step:
    rate: float
    window: Window
    failed: str
    """'' when it passed, else the rule it broke."""


@dataclass(frozen=True)
class CapacityResult:
    capacity_rps: float
    """Highest offered rate that passed (twice at the boundary); 0 when none did."""
    bound: str
    """server (CPU ran out at the next rate up), threads (latency broke the SLO with CPU to
    spare), errors, or generator (the generator's limit came first: a lower bound)."""
    steps: tuple[Step, ...]

    @property
    def is_lower_bound(self) -> bool:
        return self.bound in LOWER_BOUNDS

    def label(self) -> str:
        prefix = ">= " if self.is_lower_bound else ""
        return f"{prefix}{self.capacity_rps:,.0f} ({self.bound})"


def _limit_of(step: Step) -> str:
    """The resource that ran out at a failing step."""
    if step.failed == "generator":
        return "generator"
    if step.failed == "errors":
        return "errors"
    util = step.window.server_util
    return "server" if not math.isnan(util) and util >= SERVER_BUSY else "threads"


def search(
    measure: Callable[[float], Window],
    start_rps: float,
    *,
    slo_p99_ms: float,
    max_rps: float,
    factor: float = 1.3,
    precision: float = 0.03,
    max_steps: int = 12,
) -> CapacityResult:
    """Capacity at the SLO; `max_rps` is the highest rate the generator may be asked for."""
    steps: list[Step] = []

    def run(rate: float) -> Step:
        window = measure(rate)
        step = Step(rate, window, failed_rule(window, slo_p99_ms))
        steps.append(step)
        return step

    lo: float | None = None
    hi: Step | None = None
    rate = min(start_rps, max_rps)
    # Bracket: up by `factor` from a passing step, down from a failing one.
    while len(steps) < max_steps:
        step = run(rate)
        if step.failed == "generator":
            return CapacityResult(lo or 0.0, "generator", tuple(steps))
        if step.failed:
            hi = step
            if lo is not None:
                break
            rate /= factor
        else:
            lo = rate
            if hi is not None:
                break
            if rate >= max_rps:
                return CapacityResult(lo, "generator", tuple(steps))
            rate = min(rate * factor, max_rps)
    # Bisect the bracket (geometrically: the rates span an order of magnitude).
    while lo is not None and hi is not None and len(steps) < max_steps:
        if hi.rate / lo <= (1 + precision) ** 2:
            # The boundary step again: one lucky window must not set the capacity.
            if len(steps) >= max_steps:
                break
            again = run(lo)
            if not again.failed:
                return CapacityResult(lo, _limit_of(hi), tuple(steps))
            hi = again
            below = [s.rate for s in steps if not s.failed and s.rate < lo]
            lo = max(below) if below else lo / factor
            continue
        mid = math.sqrt(lo * hi.rate)
        step = run(mid)
        if step.failed == "generator":
            return CapacityResult(lo, "generator", tuple(steps))
        if step.failed:
            hi = step
        else:
            lo = mid
    if lo is None:
        return CapacityResult(0.0, _limit_of(hi) if hi else "threads", tuple(steps))
    # Out of steps: the best passing rate, bounded by what failed above it.
    return CapacityResult(lo, _limit_of(hi) if hi else "generator", tuple(steps))
