"""The run's peak against the outside reference, and the cost curve (synthetic samples)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from bench.report.reference import (
    agreements,
    core_speed,
    core_speed_line,
    cost_curves,
    enough_for,
    median_cvs,
)


def _peak(fw: str, users: int, rps: list[float], cpu: list[float], bound: str) -> list[dict]:
    return [
        {"framework": fw, "server": "gunicorn", "scenario": "json", "mode": "peak",
         "users": users, "round": r, "achieved_rps": x, "server_cpu_us_per_req": c,
         "bound": bound}
        for r, (x, c) in enumerate(zip(rps, cpu, strict=True))
    ]  # fmt: skip


def test_the_best_level_is_compared_with_wrk_at_the_same_connections() -> None:
    rows = _peak("flask", 16, [3200, 3250, 3220], [310, 305, 308], "server")
    rows += _peak("flask", 64, [3000, 3010, 2990], [330, 332, 329], "server")
    crosscheck = [
        {"framework": "flask", "server": "gunicorn", "scenario": "json", "users": 16,
         "wrk_rps": 3300.0,
         "server_cpu_us_per_req_proc": 300.0},
    ]  # fmt: skip
    [a] = agreements(pd.DataFrame(rows), crosscheck)
    assert (a.users, a.rounds, a.peak_rps) == (16, 3, 3220)
    assert a.rps_ratio == pytest.approx(3220 / 3300) and a.rps_agrees
    assert a.cpu_ratio == pytest.approx(308 / 300) and a.cpu_agrees
    rps_cv, cpu_cv = median_cvs([a])
    assert 0 < rps_cv < 0.01 and 0 < cpu_cv < 0.02


def test_a_lower_bound_is_not_counted_as_agreeing_or_disagreeing() -> None:
    rows = _peak("raw-asgi", 16, [9000, 9100], [80, 81], "generator")
    [a] = agreements(pd.DataFrame(rows), [])
    assert not a.server_bound and math.isnan(a.wrk_rps)
    assert all(math.isnan(v) for v in median_cvs([a]))


def test_cost_curve_recovers_the_marginal_cost_and_the_idle_cost() -> None:
    # 20,000 µs/s of idle wake-ups and 300 µs per request.
    rows = [
        {"framework": "flask", "scenario": "json", "mode": "rate", "offered_rps": rate,
         "achieved_rps": rate, "duration_s": 2.0,
         "server_cpu_s": (20_000 + 300 * rate) * 2.0 / 1e6}
        for rate in (200.0, 600.0, 1200.0)
    ]  # fmt: skip
    [fit] = cost_curves(pd.DataFrame(rows))
    assert fit.slope_us_per_req == pytest.approx(300)
    assert fit.intercept_us_per_s == pytest.approx(20_000)
    assert fit.r_squared == pytest.approx(1.0) and fit.n == 3


def test_a_percentile_needs_about_100_over_one_minus_q_requests() -> None:
    assert enough_for(99, 10_000) and not enough_for(99, 9_999)
    assert enough_for(99.9, 100_000) and not enough_for(99.9, 50_000)
    assert enough_for(50, 200)


def _probed(rps: list[float], probes: list[float]) -> pd.DataFrame:
    rows = _peak("flask", 16, rps, [300.0] * len(rps), "server")
    for row, probe in zip(rows, probes, strict=True):
        row["core_probe_before_us"] = row["core_probe_after_us"] = probe
    return pd.DataFrame(rows)


def test_a_slower_core_with_less_throughput_correlates_negatively() -> None:
    found = core_speed(_probed([2000, 1800, 1500, 1900, 1200], [5000, 6000, 8000, 5500, 9000]))
    assert found is not None
    assert found.peak_correlation == pytest.approx(-1.0)
    assert found.windows == 5 and found.median_us == 6000
    assert found.spread == pytest.approx(found.slow_us / found.fast_us) and found.spread > 1
    assert "Spearman -1.00" in core_speed_line(found)


def test_a_run_without_probes_has_no_core_speed() -> None:
    assert core_speed(pd.DataFrame(_peak("flask", 16, [1.0, 2.0], [3.0, 4.0], "server"))) is None


def test_too_few_peak_windows_give_no_correlation() -> None:
    found = core_speed(_probed([2000, 1800], [5000, 6000]))
    assert found is not None and math.isnan(found.peak_correlation)
    assert "Spearman" not in core_speed_line(found)


def test_rounds_pair_with_the_wrk_window_of_their_own_visit() -> None:
    # The machine slowed between rounds: Locust and wrk moved together, round by round.
    rows = _peak("flask", 16, [2000, 1400, 1700], [500, 700, 590], "server")
    wrk = [1.02 * x for x in (2000, 1400, 1700)]
    crosscheck = [
        {"framework": "flask", "server": "gunicorn", "scenario": "json", "users": 16,
         "round": r, "wrk_rps": w, "server_cpu_us_per_req_proc": c}
        for r, (w, c) in enumerate(zip(wrk, (490, 690, 580), strict=True))
    ]  # fmt: skip
    [a] = agreements(pd.DataFrame(rows), crosscheck)
    assert len(a.paired_rps_ratios) == 3
    assert a.rps_ratio == pytest.approx(1 / 1.02) and a.rps_agrees
    assert a.cpu_agrees and a.wrk_rps == pytest.approx(1.02 * 1700)
    # One wrk window taken in the slow round, unpaired, would have disagreed by 20%.
    [one] = agreements(pd.DataFrame(rows), [{**crosscheck[1], "round": None}])
    assert not one.paired_rps_ratios and not one.rps_agrees


def test_locust_is_read_at_the_connections_wrk_used() -> None:
    rows = _peak("flask", 16, [1500, 1510], [600, 600], "server")
    rows += _peak("flask", 64, [1700, 1710], [550, 550], "server")
    crosscheck = [
        {"framework": "flask", "server": "gunicorn", "scenario": "json", "users": 16,
         "round": 0, "wrk_rps": 1520.0, "server_cpu_us_per_req_proc": 600.0},
    ]  # fmt: skip
    [a] = agreements(pd.DataFrame(rows), crosscheck)
    assert a.users == 16 and a.rps_agrees
