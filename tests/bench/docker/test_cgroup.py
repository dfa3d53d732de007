"""Finding and reading a container's cgroup on v2, hybrid and v1 hosts (synthetic /proc)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.docker.cgroup import CgroupDirs, CgroupError, mounts, v2_view

CID = "/docker/abc123"


def _host(tmp_path: Path, mountinfo: str, membership: str) -> Path:
    proc = tmp_path / "proc"
    (proc / "self").mkdir(parents=True)
    (proc / "42").mkdir()
    (proc / "self" / "mountinfo").write_text(mountinfo.replace("ROOT", str(tmp_path)))
    (proc / "42" / "cgroup").write_text(membership)
    return proc


def _write(directory: Path, files: dict[str, str]) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)


V2_MOUNTS = "30 23 0:26 / ROOT/cg rw - cgroup2 cgroup2 rw\n"
HYBRID_MOUNTS = (
    "33 31 0:30 / ROOT/cg/cpuacct rw - cgroup cgroup rw,cpuacct\n"
    "35 31 0:32 / ROOT/cg/memory rw - cgroup cgroup rw,memory\n"
    "41 31 0:38 / ROOT/cg/unified rw - cgroup2 cgroup2 rw\n"
)
V1_MOUNTS = (
    "33 31 0:30 / ROOT/cg/cpu,cpuacct rw - cgroup cgroup rw,cpu,cpuacct\n"
    "35 31 0:32 / ROOT/cg/memory rw - cgroup cgroup rw,memory\n"
)


def test_mountinfo_parsing() -> None:
    found = mounts(HYBRID_MOUNTS.replace("ROOT", "/sys/fs"))
    assert [(m.version, sorted(m.controllers)) for m in found] == [
        (1, ["cpuacct", "rw"]),
        (1, ["memory", "rw"]),
        (2, []),
    ]


def test_v2_host(tmp_path: Path) -> None:
    proc = _host(tmp_path, V2_MOUNTS, f"0::{CID}\n")
    group = tmp_path / "cg" / "docker" / "abc123"
    _write(group, {"cpu.stat": "usage_usec 1500\nuser_usec 1000\n", "memory.current": "4096\n",
                   "memory.peak": "8192\n"})  # fmt: skip
    dirs = CgroupDirs.of_pid(42, proc)
    assert dirs.cpu == dirs.memory == dirs.unified == group
    usage = dirs.usage()
    assert (usage.cpu_usec, usage.memory_bytes, usage.memory_peak_bytes) == (1500, 4096, 8192)
    assert v2_view(dirs, tmp_path / "view") == group


def test_hybrid_host_reads_cpu_from_v2_and_memory_from_v1(tmp_path: Path) -> None:
    membership = f"4:memory:{CID}\n2:cpuacct:{CID}\n0::{CID}\n"
    proc = _host(tmp_path, HYBRID_MOUNTS, membership)
    unified = tmp_path / "cg" / "unified" / "docker" / "abc123"
    memory = tmp_path / "cg" / "memory" / "docker" / "abc123"
    _write(unified, {"cpu.stat": "usage_usec 2500\n"})
    _write(memory, {"memory.usage_in_bytes": "1000\n", "memory.max_usage_in_bytes": "3000\n"})
    _write(tmp_path / "cg" / "cpuacct" / "docker" / "abc123", {"cpuacct.usage": "999000\n"})
    dirs = CgroupDirs.of_pid(42, proc)
    assert (dirs.cpu, dirs.memory, dirs.unified) == (unified, memory, unified)
    usage = dirs.usage()
    assert (usage.cpu_usec, usage.memory_bytes, usage.memory_peak_bytes) == (2500, 1000, 3000)
    # What a v2-only reader (bench run --target-cgroup) gets: live files under v2 names.
    view = v2_view(dirs, tmp_path / "view")
    assert (view / "memory.current").read_text() == "1000\n"
    (memory / "memory.usage_in_bytes").write_text("1234\n")
    assert (view / "memory.current").read_text() == "1234\n"
    assert (view / "memory.peak").read_text() == "3000\n"
    assert (view / "cpu.stat").read_text().startswith("usage_usec 2500")


def test_v1_only_host_reads_cpuacct_in_nanoseconds(tmp_path: Path) -> None:
    proc = _host(tmp_path, V1_MOUNTS, f"4:memory:{CID}\n2:cpu,cpuacct:{CID}\n")
    _write(tmp_path / "cg" / "cpu,cpuacct" / "docker" / "abc123", {"cpuacct.usage": "7000999\n"})
    _write(tmp_path / "cg" / "memory" / "docker" / "abc123", {"memory.usage_in_bytes": "10\n"})
    dirs = CgroupDirs.of_pid(42, proc)
    usage = dirs.usage()
    assert (usage.cpu_usec, usage.memory_bytes, usage.memory_peak_bytes) == (7000, 10, None)
    with pytest.raises(CgroupError, match="v1-only"):
        v2_view(dirs, tmp_path / "view")


def test_a_process_without_accounting_is_a_clear_error(tmp_path: Path) -> None:
    proc = _host(tmp_path, V1_MOUNTS, "9:name=systemd:/x\n")
    with pytest.raises(CgroupError, match="no cgroup with CPU and memory"):
        CgroupDirs.of_pid(42, proc)
    with pytest.raises(CgroupError, match="cannot read the cgroup"):
        CgroupDirs.of_pid(43, proc)
