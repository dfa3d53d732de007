"""The bound of a window and the capacity search at an SLO, against model servers (no load)."""

from __future__ import annotations

import math
from collections.abc import Callable

import pytest

from bench.runner.capacity import (
    Window,
    bound,
    failed_rule,
    rate_bound,
    search,
)

SLO_MS = 100.0


def _window(**kw: float | None) -> Window:
    values: dict[str, object] = {
        "offered_rps": None,
        "achieved_rps": 1000.0,
        "p99_us": 5_000.0,
        "error_share": 0.0,
        "generator_demand": 0.3,
        "server_util": 0.95,
    }
    values.update(kw)
    return Window(**values)  # type: ignore[arg-type]


def _server(capacity: float, cost_us: float = 500.0) -> Callable[[float], Window]:
    """An M/M/1-like server: latency rises as the rate nears `capacity`, then it falls behind."""

    def measure(rate: float) -> Window:
        util = min(1.0, rate / capacity)
        achieved = min(rate, capacity)
        p99 = cost_us * 4.6 / (1 - util) if util < 1 else 10e6
        return Window(rate, achieved, p99, 0.0, 0.2, util)

    return measure


def test_a_saturated_window_is_the_servers_only_with_its_cores_busy() -> None:
    assert bound(_window(server_util=0.97)) == "server"
    assert bound(_window(server_util=0.60)) == "threads"
    assert bound(_window(server_util=0.97, generator_demand=0.9)) == "generator"
    assert bound(_window(error_share=0.01)) == "errors"


def test_an_open_loop_cell_below_saturation_has_no_bound() -> None:
    assert rate_bound(_window(offered_rps=1000.0, server_util=0.4)) == ""
    short = _window(offered_rps=1000.0, achieved_rps=900.0, server_util=0.5)
    assert rate_bound(short) == "threads"


def test_a_step_fails_on_shortfall_p99_errors_or_an_unsteady_sub_window() -> None:
    ok = _window(offered_rps=1000.0, achieved_rps=995.0)
    assert failed_rule(ok, SLO_MS) == ""
    assert failed_rule(_window(offered_rps=1000.0, achieved_rps=980.0), SLO_MS) == "shortfall"
    assert failed_rule(_window(offered_rps=1000.0, p99_us=150_000.0), SLO_MS) == "p99"
    assert failed_rule(_window(offered_rps=1000.0, error_share=0.002), SLO_MS) == "errors"
    unsteady = _window(offered_rps=1000.0, sub_p99_us=(5e3, 8e3, 20e3, 140e3))
    assert failed_rule(unsteady, SLO_MS) == "unsteady"


@pytest.mark.parametrize("capacity", [900.0, 2500.0, 6000.0])
def test_search_lands_within_its_precision_of_the_slo_rate(capacity: float) -> None:
    # p99 = 2.3 ms / (1 - u) reaches 100 ms at u = 0.977: the SLO capacity is 0.977 x capacity.
    target = capacity * (1 - 500.0 * 4.6 / 100_000)
    result = search(_server(capacity), 0.6 * capacity, slo_p99_ms=SLO_MS, max_rps=1e6)
    assert result.bound == "server"
    assert target / 1.07 <= result.capacity_rps <= target
    assert not result.is_lower_bound
    # The boundary was measured twice, and both passed.
    passing = [s.rate for s in result.steps if not s.failed]
    assert passing.count(result.capacity_rps) == 2


def test_search_from_too_high_a_start_brackets_downwards() -> None:
    result = search(_server(1000.0), 5000.0, slo_p99_ms=SLO_MS, max_rps=1e6, max_steps=14)
    assert result.steps[0].failed and result.bound == "server"
    assert 900 <= result.capacity_rps <= 977


def test_a_latency_wall_before_the_cpu_runs_out_is_threads() -> None:
    def measure(rate: float) -> Window:
        util = rate / 4000.0  # CPU to spare, but 12 threads give out at 1,200/s
        p99 = 5_000.0 if rate < 1200 else 900_000.0
        return Window(rate, rate, p99, 0.0, 0.2, util)

    result = search(measure, 600.0, slo_p99_ms=SLO_MS, max_rps=1e6)
    assert result.bound == "threads" and 1100 <= result.capacity_rps < 1200
    assert result.is_lower_bound


def test_the_generator_limit_makes_it_a_lower_bound() -> None:
    def measure(rate: float) -> Window:
        return Window(rate, rate, 2_000.0, 0.0, rate / 5000.0, 0.3)

    result = search(measure, 1000.0, slo_p99_ms=SLO_MS, max_rps=1e6)
    assert result.bound == "generator" and result.is_lower_bound
    assert result.label().startswith(">= ")
    assert result.capacity_rps < 5000 * 0.85


def test_a_boundary_that_fails_on_repeat_is_not_kept() -> None:
    seen: dict[float, int] = {}
    inner = _server(1000.0)

    def flaky(rate: float) -> Window:
        seen[rate] = seen.get(rate, 0) + 1
        w = inner(rate)
        if seen[rate] == 2 and rate > 900:  # the second look at the boundary fails
            return Window(rate, w.achieved_rps, 200_000.0, 0.0, 0.2, w.server_util)
        return w

    result = search(flaky, 600.0, slo_p99_ms=SLO_MS, max_rps=1e6, max_steps=20)
    assert result.capacity_rps <= 900
    assert all(not math.isnan(s.rate) for s in result.steps)


def test_the_step_budget_is_never_exceeded() -> None:
    result = search(_server(1000.0), 10.0, slo_p99_ms=SLO_MS, max_rps=1e6, max_steps=4)
    assert len(result.steps) == 4
