"""A container's cgroup: where its CPU time and memory are, on cgroup v2, v1 or both (hybrid).

Docker puts every process of a container in one cgroup; reading it counts exactly the
container (server, workers, health checks), whatever processes come and go. On a pure v2 host
one directory holds cpu.stat and memory.current; on a v1 or hybrid host (this machine: v1
controllers plus a controller-less v2 tree) CPU and memory live in different hierarchies.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bench.errors import BenchError


class CgroupError(BenchError):
    """The cgroup could not be found or read."""


@dataclass(frozen=True)
class Mount:
    root: str
    """The cgroup path mounted (`/` unless the mount is itself namespaced)."""
    point: Path
    version: int
    controllers: frozenset[str]


@dataclass(frozen=True)
class Usage:
    cpu_usec: int
    """CPU time of every process ever in the cgroup, microseconds."""
    memory_bytes: int
    """memory.current (v2) / memory.usage_in_bytes (v1): anonymous memory plus page cache."""
    memory_peak_bytes: int | None
    """memory.peak (v2, kernel 5.19+) / memory.max_usage_in_bytes (v1); None when absent."""


def mounts(mountinfo: str) -> list[Mount]:
    """Cgroup mounts from /proc/self/mountinfo text."""
    found = []
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        if not sep:
            continue
        fields, tail = left.split(), right.split()
        fstype = tail[0]
        if fstype == "cgroup2":
            found.append(Mount(fields[3], Path(fields[4]), 2, frozenset()))
        elif fstype == "cgroup":
            options = frozenset(tail[2].split(",")) if len(tail) > 2 else frozenset()
            found.append(Mount(fields[3], Path(fields[4]), 1, options))
    return found


def _under(mount: Mount, path: str) -> Path:
    relative = (
        path[len(mount.root) :] if mount.root != "/" and path.startswith(mount.root) else path
    )
    return mount.point / relative.lstrip("/")


@dataclass(frozen=True)
class CgroupDirs:
    cpu: Path
    """cpu.stat with usage_usec (v2) or cpuacct.usage in ns (v1)."""
    memory: Path
    """memory.current (v2) or memory.usage_in_bytes (v1)."""
    unified: Path | None
    """The v2 directory, when the host has a v2 tree (what `bench run --target-cgroup` reads)."""

    @classmethod
    def of_pid(cls, pid: int, proc: Path = Path("/proc")) -> CgroupDirs:
        """The cgroup directories of process `pid` (any process of the container will do)."""
        try:
            membership = (proc / str(pid) / "cgroup").read_text()
            table = mounts((proc / "self" / "mountinfo").read_text())
        except OSError as exc:
            raise CgroupError(f"cannot read the cgroup of process {pid}: {exc}") from None
        unified: Path | None = None
        v1: dict[str, Path] = {}
        for line in membership.splitlines():
            _, controllers, path = line.split(":", 2)
            if controllers == "":
                v2 = next((m for m in table if m.version == 2), None)
                unified = _under(v2, path) if v2 else None
                continue
            for name in controllers.split(","):
                mount = next((m for m in table if m.version == 1 and name in m.controllers), None)
                if mount is not None:
                    v1[name] = _under(mount, path)
        cpu = unified if unified and (unified / "cpu.stat").exists() else v1.get("cpuacct")
        memory = unified if unified and (unified / "memory.current").exists() else None
        memory = memory or v1.get("memory")
        if cpu is None or memory is None:
            raise CgroupError(
                f"process {pid}: no cgroup with CPU and memory accounting "
                f"(v2: {unified}, v1: {sorted(v1)})"
            )
        return cls(cpu=cpu, memory=memory, unified=unified)

    def usage(self) -> Usage:
        try:
            return Usage(self._cpu_usec(), self._memory(), self._memory_peak())
        except (OSError, ValueError) as exc:
            raise CgroupError(f"cannot read cgroup usage: {exc}") from None

    def _cpu_usec(self) -> int:
        stat = self.cpu / "cpu.stat"
        if stat.exists():
            for line in stat.read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "usage_usec":
                    return int(value)
        return int((self.cpu / "cpuacct.usage").read_text()) // 1000

    def _memory(self) -> int:
        current = self.memory / "memory.current"
        name = "memory.current" if current.exists() else "memory.usage_in_bytes"
        return int((self.memory / name).read_text())

    def _memory_peak(self) -> int | None:
        for name in ("memory.peak", "memory.max_usage_in_bytes"):
            path = self.memory / name
            if path.exists():
                return int(path.read_text())
        return None


def v2_view(dirs: CgroupDirs, where: Path) -> Path:
    """A directory shaped like a cgroup v2 one (cpu.stat, memory.current, memory.peak) for
    readers that know only v2, such as `bench run --target-cgroup`.

    On a v2 host that is the cgroup itself. On a hybrid host (v2 CPU accounting, v1 memory) the
    view's files are symlinks to the live kernel files, so every read is current: cpu.stat from
    the v2 tree, memory.current -> memory.usage_in_bytes, memory.peak -> memory.max_usage_in_bytes
    (v1's names for the same counters).
    """
    if dirs.cpu == dirs.memory and (dirs.cpu / "memory.current").exists():
        return dirs.cpu
    if not (dirs.cpu / "cpu.stat").exists():
        raise CgroupError(
            f"{dirs.cpu}: a cgroup v1-only host has no cpu.stat usage_usec to offer a v2 reader"
        )
    where.mkdir(parents=True, exist_ok=True)
    links = {
        "cpu.stat": dirs.cpu / "cpu.stat",
        "memory.current": dirs.memory / "memory.usage_in_bytes",
        "memory.peak": dirs.memory / "memory.max_usage_in_bytes",
    }
    for name, target in links.items():
        link = where / name
        link.unlink(missing_ok=True)
        link.symlink_to(target)
    return where
