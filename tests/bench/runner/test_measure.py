"""CPU and RSS accounting against processes whose own figures we know."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from bench.runner.measure import (
    MIB,
    Cgroup,
    ProcessTree,
    Unmeasured,
    core_times,
    cpu_between,
    shares_between,
)

# The child waits for a line, burns CPU, prints its own utime+stime, then waits to be told to go.
BURNER = r"""
import os, sys, time
sys.stdin.readline()
t0 = sum(os.times()[:2])
end = time.process_time() + float(sys.argv[1])
while time.process_time() < end:
    pass
print(sum(os.times()[:2]) - t0, flush=True)
sys.stdin.readline()
"""

PARENT = r"""
import subprocess, sys
child = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[2]], stdin=sys.stdin,
                         stdout=sys.stdout)
child.wait()
"""


def _spawn(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-c", code, *args], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)  # fmt: skip


def _burn(proc: subprocess.Popen[str], tree: ProcessTree) -> tuple[float, float]:
    assert proc.stdin is not None and proc.stdout is not None
    before = tree.cpu()
    proc.stdin.write("go\n")
    proc.stdin.flush()
    reported = float(proc.stdout.readline())
    after = tree.cpu()
    proc.stdin.write("done\n")
    proc.stdin.flush()
    proc.wait(10)
    return cpu_between(before, after), reported


def test_cpu_of_a_process_matches_its_own_account() -> None:
    proc = _spawn(BURNER, "0.4")
    measured, reported = _burn(proc, ProcessTree(proc.pid))
    assert reported >= 0.35
    assert 0.9 < measured / reported < 1.15


def test_cpu_of_a_grandchild_counts_for_the_tree() -> None:
    proc = _spawn(PARENT, BURNER, "0.4")
    tree = ProcessTree(proc.pid)
    deadline = time.monotonic() + 10
    while len(psutil.Process(proc.pid).children()) < 1 and time.monotonic() < deadline:
        time.sleep(0.02)
    measured, reported = _burn(proc, tree)
    assert 0.9 < measured / reported < 1.25  # the parent's own start-up CPU is in it too


def test_a_process_started_inside_the_window_counts_from_zero() -> None:
    tree = ProcessTree(psutil.Process().pid)
    before = tree.cpu()
    proc = _spawn(BURNER, "0.3")
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("go\n")
    proc.stdin.flush()
    reported = float(proc.stdout.readline())
    after = tree.cpu()
    proc.stdin.write("done\n")
    proc.stdin.flush()
    proc.wait(10)
    assert cpu_between(before, after) >= reported * 0.9


def test_rss_peak_after_the_fact_sees_an_allocation_already_freed() -> None:
    code = (
        "import sys\nsys.stdin.readline()\nblob = bytearray(80 * 1024 * 1024)\n"
        "blob[::4096] = b'x' * len(blob[::4096])\n"
        "print('held', flush=True)\nsys.stdin.readline()\ndel blob\n"
        "print('freed', flush=True)\nsys.stdin.readline()\n"
    )
    proc = _spawn(code)
    assert proc.stdin is not None and proc.stdout is not None
    tree = ProcessTree(proc.pid)
    idle = tree.rss_bytes()
    proc.stdin.write("go\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip() == "held"
    proc.stdin.write("free\n")
    proc.stdin.flush()
    assert proc.stdout.readline().strip() == "freed"
    after, peak = tree.rss_bytes(), tree.rss_peak_bytes()
    proc.stdin.write("bye\n")
    proc.stdin.flush()
    proc.wait(10)
    # Read once, after the allocation was gone: VmHWM still holds it.
    assert peak - idle >= 75 * MIB
    assert after < peak - 60 * MIB


def test_core_times_read_steal_and_irq_shares(tmp_path: Path) -> None:
    stat = tmp_path / "stat"
    stat.write_text(
        "cpu  10 0 10 100 0 0 0 0 0 0\n"
        "cpu0 100 0 50 800 0 10 20 20 0 0\n"
        "cpu1 900 0 50 50 0 0 0 0 0 0\n"
    )
    a = core_times((0,), stat)
    stat.write_text(
        "cpu  10 0 10 100 0 0 0 0 0 0\n"
        "cpu0 150 0 60 850 0 15 25 40 0 0\n"
        "cpu1 990 0 50 50 0 0 0 0 0 0\n"
    )
    b = core_times((0,), stat)
    steal, irq = shares_between(a, b)
    # cpu0 moved 50+10+50+5+5+20 = 140 jiffies: 20 of them steal, 10 irq+softirq.
    assert steal == pytest.approx(20 / 140) and irq == pytest.approx(10 / 140)


def test_cgroup_reads_the_v2_files(tmp_path: Path) -> None:
    (tmp_path / "cpu.stat").write_text(
        "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n"
    )
    (tmp_path / "memory.current").write_text("10485760\n")
    group = Cgroup(tmp_path)
    first = group.cpu()
    (tmp_path / "cpu.stat").write_text("usage_usec 4000000\nuser_usec 3000000\n")
    assert cpu_between(first, group.cpu()) == pytest.approx(1.5)
    assert group.rss_bytes() == 10 * MIB


def test_unmeasured_target_reads_nan_not_zero() -> None:
    source = Unmeasured()
    assert cpu_between(source.cpu(), source.cpu()) != cpu_between(source.cpu(), source.cpu())
    assert source.rss_bytes() != source.rss_bytes()
