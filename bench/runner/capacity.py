"""Capacity search: raise the offered rate until something gives, and say what gave.

A pure function of a `measure(rate)` callable, so the stopping rules are unit-tested without
load. The rules, in the order they are checked (the first that holds names the stop):
  generator-bound  the generator used or waited for >= GENERATOR_BOUND of its cores: the numbers
                   describe Locust, not the server, so the result is only a lower bound (">=").
  server-bound     achieved < ACHIEVED_RATIO x offered: the server no longer keeps up.
  slo              p99 above the profile's SLO: it keeps up, but too slowly to count.
  max-steps        none of the above within the step budget: also only a lower bound.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

# Locust's own warning fires at 90% CPU; above ~85% a Python generator's scheduler delays
# sending and reading, which shows up as latency the server did not cause. So a sample whose
# generator used (or, on a shared machine, waited on a run queue for) 0.85 of its cores is
# flagged, and the search stops there.
GENERATOR_BOUND = 0.85
# Open loop: an achieved rate more than 5% under the offered one means requests queued up
# somewhere; 5% leaves room for the window edges (a request started in the window and
# finished after it is not counted).
ACHIEVED_RATIO = 0.95

LOWER_BOUND_REASONS = ("generator-bound", "max-steps")


@dataclass(frozen=True)
class StepOutcome:
    offered_rps: float
    achieved_rps: float
    p99_us: float
    generator_demand: float
    """Share of its cores the generator used or waited for on a run queue."""


@dataclass(frozen=True)
class CapacityResult:
    sustained_rps: float
    """Highest achieved rate of a step that passed every rule (0 when none did)."""
    stop_reason: str
    steps: tuple[StepOutcome, ...]

    @property
    def is_lower_bound(self) -> bool:
        return self.stop_reason in LOWER_BOUND_REASONS

    def label(self) -> str:
        prefix = ">= " if self.is_lower_bound else ""
        return f"{prefix}{self.sustained_rps:,.0f} ({self.stop_reason})"


def generator_bound(util: float) -> bool:
    return not math.isnan(util) and util >= GENERATOR_BOUND


def shortfall(offered: float | None, achieved: float) -> bool:
    return offered is not None and achieved < ACHIEVED_RATIO * offered


def classify(step: StepOutcome, slo_p99_ms: float) -> str:
    """'' when the step passed, else the reason it failed."""
    if generator_bound(step.generator_demand):
        return "generator-bound"
    if shortfall(step.offered_rps, step.achieved_rps):
        return "server-bound"
    if not math.isnan(step.p99_us) and step.p99_us > slo_p99_ms * 1000:
        return "slo"
    return ""


def rates(start: float, factor: float, max_steps: int) -> list[float]:
    return [start * factor**i for i in range(max_steps)]


def search(
    measure: Callable[[float], StepOutcome],
    start_rps: float,
    factor: float,
    max_steps: int,
    slo_p99_ms: float,
) -> CapacityResult:
    steps: list[StepOutcome] = []
    sustained = 0.0
    for rate in rates(start_rps, factor, max_steps):
        step = measure(rate)
        steps.append(step)
        reason = classify(step, slo_p99_ms)
        if reason == "generator-bound" and not shortfall(step.offered_rps, step.achieved_rps):
            # The server still kept up with what the generator managed to send.
            sustained = max(sustained, step.achieved_rps)
        if reason:
            return CapacityResult(sustained, reason, tuple(steps))
        sustained = max(sustained, step.achieved_rps)
    return CapacityResult(sustained, "max-steps", tuple(steps))
