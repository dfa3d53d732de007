"""`python -m bench docker`: bad input is one clear line and exit 2, before anything is built.
The runs on a real engine are in tests/docker/test_bench_docker.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bench.frameworks import ROOT


def _bench(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--frameworks", "nosuch"), "unknown framework 'nosuch'"),
        (("--profile", "huge"), "unknown profile 'huge'"),
        (("--server-cpus", "0,1"), "--server-cpus must name 1 CPU"),
        (("--results-dir", "/nonexistent/dir"), "does not exist"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(args: tuple[str, ...], message: str) -> None:
    done = _bench("docker", *args)
    assert done.returncode == 2, done.stderr
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1


def test_without_docker_it_says_how_to_provision(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(Path(sys.executable).parent)}  # no docker CLI on it
    done = subprocess.run(
        [sys.executable, "-m", "bench", "docker", "--results-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False, env=env,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "docker CLI is not installed" in done.stderr and "make docker-provision" in done.stderr
