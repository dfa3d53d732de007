"""`python -m bench compare`: flags a significant slowdown beyond the threshold; two runs of the
same commit (A/A, with a shared machine's noise and run-to-run shifts) flag nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.cli import main
from bench.compare import compare, parse_threshold, run_shifts
from bench.report.load import load
from tests.bench.report.synthetic import Synthetic, write

BASE = Synthetic(scenarios=("plaintext", "json"), rates=(500.0,))

AA = Synthetic(
    trials=5,
    peak_users=(16, 64),
    shared_noise=0.02,
    rate_cpu_noise=0.15,
    cell_shift=0.01,
    noise=0.05,
)
"""Realistic noise: peak throughput 3%, CPU at saturation 5%, light-load CPU 15% per round,
2% per round shared by all frameworks, each cell 1% of its own between runs."""


def _runs(tmp_path: Path, b: Synthetic, a: Synthetic = BASE) -> tuple[Path, Path]:
    return write(tmp_path / "a", a), write(tmp_path / "b", b)


def test_identical_runs_pass(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    a, b = _runs(tmp_path, BASE)
    assert main(["compare", str(a), str(b)]) == 0
    assert "0 slower" in capsys.readouterr().out


def test_an_aa_pair_with_a_run_wide_shift_exits_0_and_flags_no_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _runs(tmp_path, AA.but(seed=12, run_shift=1.03), AA.but(seed=11))
    assert main(["compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "0 slower, 0 faster" in out
    assert "run-wide shift" in out


@pytest.mark.parametrize("pair", range(4))
def test_aa_pairs_flag_nothing(tmp_path: Path, pair: int) -> None:
    shift = (0.97, 1.0, 1.03)[pair % 3]
    a = load(write(tmp_path / "a", AA.but(seed=100 + 2 * pair)))
    b = load(write(tmp_path / "b", AA.but(seed=101 + 2 * pair, run_shift=shift)))
    changes = compare(a.samples, b.samples, 0.05)
    assert len(changes) > 200
    assert [c for c in changes if c.status in ("slower", "faster")] == []
    # The run-wide shift is seen and reported, not turned into cell verdicts.
    assert run_shifts(changes)[("peak", "server_cpu_us_per_req")] == pytest.approx(shift, abs=0.03)


def test_a_real_slowdown_in_realistic_noise_is_flagged(tmp_path: Path) -> None:
    slower = AA.but(seed=3, cpu_us={**AA.cpu_us, "django": AA.cpu_us["django"] * 1.4})
    a = load(write(tmp_path / "a", AA.but(seed=4)))
    b = load(write(tmp_path / "b", slower))
    flagged = {(c.cell[0], c.cell[4], c.metric) for c in compare(a.samples, b.samples, 0.05)
               if c.status == "slower"}  # fmt: skip
    assert ("django", "peak", "server_cpu_us_per_req") in flagged
    assert {fw for fw, _, _ in flagged} == {"django"}


def test_an_injected_slowdown_fails_and_names_the_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    slower = BASE.but(cpu_us={**BASE.cpu_us, "flask": BASE.cpu_us["flask"] * 1.3}, seed=2)
    a, b = _runs(tmp_path, slower)
    assert main(["compare", str(a), str(b), "--threshold", "5%"]) == 1
    out = capsys.readouterr().out
    flagged = [line for line in out.splitlines() if line.endswith("slower")]
    assert flagged and all(line.startswith("flask") for line in flagged)
    assert any("server_cpu_us_per_req" in line for line in flagged)


def test_a_slowdown_under_the_threshold_passes(tmp_path: Path) -> None:
    slower = BASE.but(cpu_us={**BASE.cpu_us, "flask": BASE.cpu_us["flask"] * 1.3}, seed=2)
    a, b = _runs(tmp_path, slower)
    assert main(["compare", str(a), str(b), "--threshold", "50%"]) == 0


def test_noise_alone_is_not_significant(tmp_path: Path) -> None:
    noisy = BASE.but(noise=0.3)
    a = load(write(tmp_path / "a", noisy))
    b = load(write(tmp_path / "b", noisy.but(seed=7, cpu_us={**BASE.cpu_us, "flask": 330})))
    flask = [c for c in compare(a.samples, b.samples, 0.05) if c.cell[0] == "flask"]
    assert flask and all(c.status != "slower" for c in flask)


def test_generator_bound_throughput_is_never_a_regression(tmp_path: Path) -> None:
    bound = frozenset({("flask", "plaintext")})
    a = load(write(tmp_path / "a", BASE.but(generator_bound=bound)))
    b = load(
        write(
            tmp_path / "b", BASE.but(generator_bound=bound, cpu_us={**BASE.cpu_us, "flask": 3000})
        )
    )
    closed = [
        c
        for c in compare(a.samples, b.samples, 0.05)
        if c.cell[0] == "flask" and c.metric == "achieved_rps" and c.cell[3] == "plaintext"
    ]
    assert closed and all(c.status == "generator-bound" for c in closed)


def test_threshold_parsing_and_bad_input(tmp_path: Path) -> None:
    assert parse_threshold("5%") == pytest.approx(0.05)
    assert parse_threshold("0.05") == pytest.approx(0.05)
    assert parse_threshold("10") == pytest.approx(0.10)
    a, _ = _runs(tmp_path, BASE)
    assert main(["compare", str(a), str(a), "--threshold", "fast"]) == 2
    assert main(["compare", str(a), str(tmp_path / "missing")]) == 2


def test_open_loop_cells_pair_by_rate_level_across_calibrations(tmp_path: Path) -> None:
    """Each run offers fractions of its own measured ceiling: 500 vs 530 req/s is one cell."""
    slower = BASE.but(rates=(530.0,), cpu_us={**BASE.cpu_us, "flask": 400}, seed=3)
    a = load(write(tmp_path / "a", BASE))
    b = load(write(tmp_path / "b", slower))
    changes = compare(a.samples, b.samples, 0.05)
    assert not [c for c in changes if c.status.startswith("only")]
    slow = {(c.cell[0], c.metric) for c in changes if c.status == "slower"}
    assert ("flask", "server_cpu_us_per_req") in slow
