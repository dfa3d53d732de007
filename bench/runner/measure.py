"""CPU time and memory of what is measured: a process tree (psutil) or a cgroup v2 directory.

CPU is accounted per process (all its threads, user + system), summed over the tree, between
two snapshots; a process that appears between them counts from zero (it started in the window).
Each process's CPU clock is read with clock_getcpuclockid + clock_gettime, which has nanosecond
resolution: /proc/<pid>/stat (what psutil reads) counts 10 ms ticks, too coarse for a one-second
window at a few hundred requests of ~100 µs each. psutil is the fallback where the clock is
refused.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import psutil

MIB = 1024 * 1024


@dataclass(frozen=True)
class CpuSnapshot:
    per_process: dict[tuple[int, float], float]
    """(pid, create_time) -> CPU seconds; the pair survives pid reuse."""
    total_s: float
    waiting: dict[tuple[int, float], float] = field(default_factory=dict)
    """(pid, create_time) -> seconds its threads were runnable but waiting for a CPU."""


class Source(Protocol):
    """Where server (or generator) CPU and memory are read from."""

    def cpu(self) -> CpuSnapshot: ...

    def rss_bytes(self) -> float: ...

    def rss_peak_bytes(self) -> float: ...


class _Timespec(ctypes.Structure):
    _fields_ = (("tv_sec", ctypes.c_long), ("tv_nsec", ctypes.c_long))


_LIBC = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def process_cpu_s(proc: psutil.Process) -> float:
    """CPU seconds `proc` (all its threads, living and ended) has used, to the nanosecond."""
    clock = ctypes.c_int()
    spec = _Timespec()
    if (
        _LIBC.clock_getcpuclockid(proc.pid, ctypes.byref(clock)) == 0
        and _LIBC.clock_gettime(clock.value, ctypes.byref(spec)) == 0
    ):
        return float(spec.tv_sec) + float(spec.tv_nsec) / 1e9
    times = proc.cpu_times()
    return float(times.user + times.system)


def runqueue_wait_s(pid: int) -> float:
    """Seconds the live threads of `pid` spent runnable but not running (schedstat run_delay).

    Other processes on the same cores show up here: a generator that used 50% of its core
    and waited 40% for it wanted 90% of it, and is as saturated as one that used 90%.
    """
    total = 0
    for stat in Path(f"/proc/{pid}/task").glob("*/schedstat"):
        try:
            total += int(stat.read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return total / 1e9


def _tree(root: psutil.Process) -> list[psutil.Process]:
    try:
        return [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return []


class ProcessTree:
    """A process and all its descendants, re-listed at every reading (workers come and go)."""

    def __init__(self, pid: int) -> None:
        self.root = psutil.Process(pid)

    def cpu(self) -> CpuSnapshot:
        per: dict[tuple[int, float], float] = {}
        waiting: dict[tuple[int, float], float] = {}
        for proc in _tree(self.root):
            try:
                key = (proc.pid, proc.create_time())
                per[key] = process_cpu_s(proc)
                waiting[key] = runqueue_wait_s(proc.pid)
            except psutil.NoSuchProcess:
                continue
        return CpuSnapshot(per, sum(per.values()), waiting)

    def rss_bytes(self) -> float:
        total = 0
        for proc in _tree(self.root):
            try:
                total += proc.memory_info().rss
            except psutil.NoSuchProcess:
                continue
        return float(total)

    def rss_peak_bytes(self) -> float:
        return peak_rss_bytes(self.root)


class Cgroup:
    """A cgroup v2 directory (e.g. a container's): cpu.stat usage_usec and memory.current."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def cpu(self) -> CpuSnapshot:
        for line in (self.path / "cpu.stat").read_text().splitlines():
            key, _, value = line.partition(" ")
            if key == "usage_usec":
                seconds = int(value) / 1e6
                return CpuSnapshot({(0, 0.0): seconds}, seconds)
        raise ValueError(f"{self.path}/cpu.stat has no usage_usec")

    def rss_bytes(self) -> float:
        return float(int((self.path / "memory.current").read_text().strip()))

    def rss_peak_bytes(self) -> float:
        """memory.peak (kernel 5.19+) is the group's high-water mark; else the current use."""
        peak = self.path / "memory.peak"
        return float(int(peak.read_text().strip())) if peak.is_file() else self.rss_bytes()


class Unmeasured:
    """A target whose processes we cannot see: every reading is NaN, never a made-up zero."""

    def cpu(self) -> CpuSnapshot:
        return CpuSnapshot({}, math.nan)

    def rss_bytes(self) -> float:
        return math.nan

    def rss_peak_bytes(self) -> float:
        return math.nan


def cpu_between(start: CpuSnapshot, end: CpuSnapshot) -> float:
    """CPU seconds used between two snapshots of the same source."""
    if math.isnan(start.total_s) or math.isnan(end.total_s):
        return math.nan
    return sum(s - start.per_process.get(key, 0.0) for key, s in end.per_process.items())


def wait_between(start: CpuSnapshot, end: CpuSnapshot) -> float:
    """Run-queue wait seconds between two snapshots; NaN where the source cannot see it."""
    if not end.waiting:
        return math.nan
    return sum(s - start.waiting.get(key, 0.0) for key, s in end.waiting.items())


def peak_rss_bytes(root: psutil.Process) -> float:
    """Sum of VmHWM (each process's own peak resident set) over the tree of `root`.

    Read once after a window instead of sampling during it: a sampler thread would wake up in
    the window it measures. VmHWM covers each process's whole life, so it is the peak up to now.
    """
    total = 0.0
    for proc in _tree(root):
        try:
            for line in Path(f"/proc/{proc.pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1]) * 1024
                    break
        except (OSError, ValueError, IndexError):
            continue
    return total


@dataclass(frozen=True)
class CoreTimes:
    """/proc/stat jiffies of a set of CPUs, summed: what else the cores spent time on."""

    total: int
    steal: int
    irq: int
    """irq + softirq."""


def core_times(cpus: tuple[int, ...], stat: Path = Path("/proc/stat")) -> CoreTimes:
    wanted = {f"cpu{c}" for c in cpus}
    total = steal = irq = 0
    for line in stat.read_text().splitlines():
        name, *fields = line.split()
        if name not in wanted:
            continue
        # user nice system idle iowait irq softirq steal guest guest_nice; guest time is
        # already inside user, so it is not added twice.
        values = [int(v) for v in fields[:8]]
        total += sum(values)
        irq += values[5] + values[6]
        steal += values[7]
    return CoreTimes(total, steal, irq)


def shares_between(a: CoreTimes, b: CoreTimes) -> tuple[float, float]:
    """(steal share, irq + softirq share) of the cores' elapsed time between two readings."""
    elapsed = b.total - a.total
    if elapsed <= 0:
        return math.nan, math.nan
    return (b.steal - a.steal) / elapsed, (b.irq - a.irq) / elapsed
