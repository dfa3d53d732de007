"""What a number needs to travel with: code version, packages, interpreter, OS, CPU, pinning."""

from __future__ import annotations

import importlib.metadata
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench.frameworks import FRAMEWORKS, ROOT, SERVER_DISTRIBUTIONS

HARNESS_DISTRIBUTIONS = ("locust", "gevent", "geventhttpclient", "hdrhistogram", "psutil")


def git(*args: str) -> str:
    try:
        out = subprocess.run(
            ["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip()


def short_sha() -> str:
    return git("rev-parse", "--short=8", "HEAD") or "nogit"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def package_versions() -> dict[str, str | None]:
    names = {d for fw in FRAMEWORKS for d in fw.distributions}
    names |= {d for ds in SERVER_DISTRIBUTIONS.values() for d in ds}
    names |= set(HARNESS_DISTRIBUTIONS) | {"pydantic", "starlette", "werkzeug"}
    versions: dict[str, str | None] = {}
    for name in sorted(names):
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def collect(server_cpus: tuple[int, ...], generator_cpus: tuple[int, ...]) -> dict[str, Any]:
    return {
        "git_sha": git("rev-parse", "HEAD") or None,
        "git_dirty": bool(git("status", "--porcelain", "--untracked-files=no")),
        "python": sys.version,
        "python_executable": sys.executable,
        "os": platform.platform(),
        "kernel": platform.release(),
        "cpu_model": cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_allowed": sorted(os.sched_getaffinity(0)),
        "pinning": {"server_cpus": list(server_cpus), "generator_cpus": list(generator_cpus)},
        "packages": package_versions(),
    }
