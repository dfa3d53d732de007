"""Are the pinned cores quiet? Busy time of those cores that the measured processes did not use.

A process of someone else on the server's or the generator's core takes CPU from what is being
measured and skews every number of a run without a trace in it. /proc/stat gives each core's
busy time; /proc/<pid>/stat the CPU time of each measured process (all its threads), which is
spent on the pinned cores alone. What remains is someone else's.

Call `snapshot()` at the start and end of any window (a whole check, or a measured window) and
`between()` on the two; `require_quiet()` is the check the runner makes before measuring.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from bench.errors import BenchError

TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")
OTHER_SHARE_LIMIT = 0.05
"""5% of the pinned cores' time: /proc counts in 10 ms ticks, so over a 1 s check of two cores
(200 ticks) this is 10 ticks, well above the counting noise, and already a visible share of a
server that uses its core fully."""
CHECK_S = 1.0


class BusyCoresError(BenchError):
    """Other processes keep the pinned cores busy (refused under --strict)."""


@dataclass(frozen=True)
class Snapshot:
    at: float
    cores_busy_s: float
    own_s: float


@dataclass(frozen=True)
class CoreLoad:
    cpus: tuple[int, ...]
    window_s: float
    busy_s: float
    """Busy time of the pinned cores (user, nice, system, irq, softirq, steal)."""
    own_s: float
    """CPU time of the measured processes."""

    @property
    def other_s(self) -> float:
        return max(0.0, self.busy_s - self.own_s)

    @property
    def other_share(self) -> float:
        """Others' busy time as a share of the pinned cores' time in the window."""
        capacity = self.window_s * len(self.cpus)
        return self.other_s / capacity if capacity > 0 else 0.0

    def to_json(self) -> dict[str, object]:
        return {
            "cpus": list(self.cpus),
            "window_s": round(self.window_s, 3),
            "busy_s": round(self.busy_s, 3),
            "own_s": round(self.own_s, 3),
            "other_share": round(self.other_share, 4),
        }


def _cores_busy_s(cpus: Sequence[int], stat: str) -> float:
    wanted = {f"cpu{c}" for c in cpus}
    ticks = 0
    for line in stat.splitlines():
        name, _, rest = line.partition(" ")
        if name in wanted:
            # user nice system idle iowait irq softirq steal (guest is inside user already)
            fields = [int(x) for x in rest.split()[:8]]
            ticks += sum(fields[:3]) + sum(fields[5:8])
    return ticks * TICK_S


def _process_s(pids: Iterable[int]) -> float:
    ticks = 0
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/stat").read_text()
        except OSError:
            continue  # gone: its time left with it, which the busy figure still holds
        # The command name (field 2) may hold spaces: fields after the last ')' are fixed.
        fields = text[text.rfind(")") + 2 :].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks * TICK_S


def snapshot(cpus: Sequence[int], own_pids: Iterable[int] = ()) -> Snapshot:
    stat = Path("/proc/stat").read_text()
    return Snapshot(time.monotonic(), _cores_busy_s(cpus, stat), _process_s(own_pids))


def between(cpus: Sequence[int], start: Snapshot, end: Snapshot) -> CoreLoad:
    return CoreLoad(
        tuple(cpus),
        end.at - start.at,
        end.cores_busy_s - start.cores_busy_s,
        end.own_s - start.own_s,
    )


def measure(
    cpus: Sequence[int], own_pids: Sequence[int] = (), window_s: float = CHECK_S
) -> CoreLoad:
    start = snapshot(cpus, own_pids)
    time.sleep(window_s)
    return between(cpus, start, snapshot(cpus, own_pids))


def require_quiet(
    cpus: Sequence[int], strict: bool, own_pids: Sequence[int] = (), window_s: float = CHECK_S
) -> tuple[CoreLoad, str | None]:
    """The load over a short window, and a warning when others use more than the limit;
    under `strict` that warning is a BusyCoresError instead."""
    load = measure(cpus, own_pids, window_s)
    if load.other_share <= OTHER_SHARE_LIMIT:
        return load, None
    message = (
        f"{'CPU' if len(cpus) == 1 else 'CPUs'} {','.join(map(str, cpus))} "
        f"{'is' if len(cpus) == 1 else 'are'} {load.other_share:.0%} busy with other processes "
        f"(limit {OTHER_SHARE_LIMIT:.0%}): their numbers would be skewed"
    )
    if strict:
        raise BusyCoresError(f"{message}; refusing under --strict")
    return load, f"warning: {message}"
