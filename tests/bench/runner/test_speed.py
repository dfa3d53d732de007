"""The core-speed probe: CPU time of fixed work on a named core, the spread of a check, and
the warning (or refusal under --strict) when the machine's speed moves."""

from __future__ import annotations

import os

import pytest

from bench.runner import speed


def _a_core() -> int:
    return min(os.sched_getaffinity(0))


def test_a_probe_runs_on_its_core_and_gives_the_affinity_back() -> None:
    before = os.sched_getaffinity(0)
    assert speed.probe_us(_a_core()) > 0
    assert os.sched_getaffinity(0) == before


def test_twice_the_work_takes_about_twice_the_cpu_time() -> None:
    # A ratio, not a speed. The machine's own speed moves over seconds (what the probe is
    # for), so each pair is taken back to back and the median pair decides.
    core = _a_core()
    ratios = sorted(
        speed.probe_us(core, iterations=100_000) / speed.probe_us(core, iterations=50_000)
        for _ in range(7)
    )
    assert 1.5 < ratios[3] < 2.6, ratios


def test_no_cores_to_probe_is_nan_not_zero() -> None:
    assert speed.probe_cores_us(()) != speed.probe_cores_us(())  # NaN


def test_spread_is_the_slowest_over_the_fastest_reading() -> None:
    result = speed.SpeedCheck((0,), (10_000.0, 12_500.0, 20_000.0))
    assert result.spread == 2.0
    assert result.to_json()["median_us"] == 12_500.0


def test_a_steady_machine_gives_no_warning() -> None:
    assert speed.unsteady(speed.SpeedCheck((0,), (10_000.0, 11_000.0))) is None


def test_an_unsteady_machine_is_named_with_its_spread() -> None:
    message = speed.unsteady(speed.SpeedCheck((0,), (10_000.0, 20_000.0)))
    assert message is not None and "2.00x" in message and "CPU 0" in message


def test_strict_refuses_an_unsteady_machine_in_one_error(monkeypatch: pytest.MonkeyPatch) -> None:
    unsteady = speed.SpeedCheck((0,), (10_000.0, 30_000.0))
    monkeypatch.setattr(speed, "check", lambda cpus: unsteady)
    with pytest.raises(speed.UnsteadyCoresError, match="refusing under --strict"):
        speed.require_steady((0,), strict=True)
    result, warning = speed.require_steady((0,), strict=False)
    assert result is unsteady and warning is not None and warning.startswith("warning: ")


def test_a_check_reads_every_core_each_time() -> None:
    result = speed.check((_a_core(),), seconds=0.05, readings=3)
    assert len(result.readings_us) == 3 and all(r > 0 for r in result.readings_us)
