"""The capacity search's stopping rules, on synthetic servers (no load)."""

from __future__ import annotations

import math
from collections.abc import Callable

from bench.runner.capacity import StepOutcome, search


def _server(
    capacity: float, gen_us_per_req: float = 90.0, p99_us: float = 500.0
) -> Callable[[float], StepOutcome]:
    """A server that serves up to `capacity`, measured by a generator costing gen_us_per_req."""

    def measure(rate: float) -> StepOutcome:
        generator_max = 1e6 / gen_us_per_req
        achieved = min(rate, capacity, generator_max)
        util = achieved * gen_us_per_req / 1e6
        return StepOutcome(rate, achieved, p99_us, util)

    return measure


def test_slow_server_is_server_bound() -> None:
    result = search(_server(50), start_rps=20, factor=2, max_steps=6, slo_p99_ms=1000)
    assert result.stop_reason == "server-bound"
    assert result.sustained_rps == 40
    assert not result.is_lower_bound
    assert [s.offered_rps for s in result.steps] == [20, 40, 80]


def test_fast_server_is_generator_bound_and_a_lower_bound() -> None:
    result = search(_server(50_000), start_rps=1000, factor=2, max_steps=8, slo_p99_ms=1000)
    assert result.stop_reason == "generator-bound"
    assert result.is_lower_bound
    assert result.label().startswith(">= ")
    assert result.sustained_rps >= 8000


def test_slo_stops_the_search() -> None:
    result = search(_server(1e9, p99_us=200_000), start_rps=10, factor=2, max_steps=4,
                    slo_p99_ms=100)  # fmt: skip
    assert result.stop_reason == "slo"
    assert result.sustained_rps == 0


def test_max_steps_is_a_lower_bound() -> None:
    result = search(_server(1e9), start_rps=10, factor=2, max_steps=3, slo_p99_ms=1000)
    assert result.stop_reason == "max-steps"
    assert result.sustained_rps == 40
    assert result.is_lower_bound


def test_nan_latency_does_not_count_as_slo_breach() -> None:
    def measure(rate: float) -> StepOutcome:
        return StepOutcome(rate, rate, math.nan, 0.1)

    assert search(measure, 10, 2, 2, 1).stop_reason == "max-steps"
