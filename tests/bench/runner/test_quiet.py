"""The quiet-core check against a real busy process: its time shows on its core, is not
counted when it is one of the measured processes, and `run --strict` refuses in one line."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench.cli import main
from bench.runner import quiet

SPIN = "import time\nend = time.monotonic() + 20\nwhile time.monotonic() < end: pass\n"


@pytest.fixture
def spinner() -> Iterator[tuple[int, int]]:
    """A process spinning on the first allowed CPU (at most 20 s): (its pid, that CPU)."""
    cpu = min(os.sched_getaffinity(0))
    proc = subprocess.Popen(["taskset", "-c", str(cpu), sys.executable, "-c", SPIN])
    try:
        yield proc.pid, cpu
    finally:
        proc.kill()
        proc.wait(5)


def test_a_busy_core_shows_and_its_own_process_is_not_counted(spinner: tuple[int, int]) -> None:
    pid, cpu = spinner
    others = quiet.measure([cpu], window_s=1.0)
    # Even on a loaded machine (load 8 on 2 cores here) the spinner gets a part of its core.
    assert others.other_share > 0.1, others
    mine = quiet.measure([cpu], own_pids=[pid], window_s=1.0)
    assert mine.own_s > 0.1
    assert mine.busy_s >= mine.own_s - 3 * quiet.TICK_S  # its time was spent on that core
    assert mine.other_s < mine.busy_s - 0.1


def test_strict_refuses_a_busy_core_in_one_line(
    spinner: tuple[int, int], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, cpu = spinner
    other = max(os.sched_getaffinity(0))
    if other == cpu:
        pytest.skip("needs two CPUs")
    argv = ["run", "--strict", "--server-cpus", str(cpu), "--generator-cpus", str(other),
            "--frameworks", "raw-asgi", "--results-dir", str(tmp_path)]  # fmt: skip
    assert main(argv) == 1
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "refusing under --strict" in err, err
    assert f"CPUs {cpu},{other} are" in err
    assert list(tmp_path.iterdir()) == []  # nothing started, nothing written


def test_the_share_is_of_the_cores_time_in_the_window() -> None:
    load = quiet.CoreLoad((0, 1), window_s=2.0, busy_s=1.5, own_s=0.5)
    assert load.other_s == 1.0 and load.other_share == 0.25
    assert quiet.CoreLoad((0,), 1.0, 0.1, 0.3).other_s == 0.0  # own counted a tick late
