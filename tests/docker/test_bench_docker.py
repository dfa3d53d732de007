"""`python -m bench docker` on a real engine: the whole path of `make bench-docker` on the
smallest app, and Ctrl-C in the middle of it."""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import jsonschema
import psutil
import pytest

from bench.docker import containers, engine
from bench.frameworks import ROOT

pytestmark = [pytest.mark.docker, pytest.mark.slow, pytest.mark.usefixtures("docker_engine")]


def _bench(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], cwd=ROOT, capture_output=True, text=True,
        timeout=timeout, check=False,
    )  # fmt: skip


def _our_containers() -> list[str]:
    out = engine.docker(["ps", "--all", "--format", "{{.Names}}"])
    return [n for n in out.split() if n.startswith(containers.NAME_PREFIX)]


def test_bench_docker_measures_both_deployments_into_one_run(tmp_path: Path) -> None:
    done = _bench(
        "docker", "--profile", "quick", "--frameworks", "raw-wsgi", "--results-dir",
        str(tmp_path), timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (run_dir,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    doc = json.loads((run_dir / "run.json").read_text())
    jsonschema.validate(doc, json.loads((ROOT / "bench" / "run.schema.json").read_text()))
    assert doc["status"] == "complete"
    assert {s["deployment"] for s in doc["starts"]} == {"local", "docker"}
    with (run_dir / "samples.csv").open(newline="") as fh:
        rows = list(csv.DictReader(fh))
    deployments = {r["deployment"] for r in rows}
    assert deployments == {"local", "docker"}
    docker_rows = [r for r in rows if r["deployment"] == "docker"]
    # Server CPU and memory come from the container's cgroup, not left empty.
    assert all(float(r["server_cpu_s"]) > 0 for r in docker_rows)
    assert all(float(r["rss_peak_mib"]) > 5 for r in docker_rows)
    assert all(float(r["startup_s"]) > 0 for r in docker_rows)
    assert doc["docker"]["images"]["raw-wsgi"]["size_bytes"] > 0
    assert doc["docker"]["verification"]["raw-wsgi"]["frameworks"]["raw-wsgi"]["passed"]
    assert not [n for n in _our_containers() if n.startswith("pywebbench-raw-wsgi")]


def test_ctrl_c_keeps_results_and_leaves_nothing_running(tmp_path: Path) -> None:
    before = set(_our_containers())
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench", "docker", "--profile", "quick", "--frameworks",
         "raw-wsgi", "--no-local", "--results-dir", str(tmp_path)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    seen: set[int] = set()
    deadline = time.monotonic() + 240
    try:
        # Wait until the runner drives the container: a `bench run --target` child exists
        # and has written its run.json (after its quiet check and imports, which take a
        # varying time on a loaded machine), so that the Ctrl-C lands mid-measurement.
        started = False
        while time.monotonic() < deadline and proc.poll() is None and not started:
            tree = psutil.Process(proc.pid).children(recursive=True)
            seen |= {p.pid for p in tree}
            started = any(
                _has_run_document(_cmdline(p)) for p in tree if _is_target_run(_cmdline(p))
            )
            time.sleep(0.2)
        assert proc.poll() is None, "bench docker ended before its runner started"
        assert started, "the runner wrote no run.json within 240 s"
        time.sleep(1.0)
        seen |= {p.pid for p in psutil.Process(proc.pid).children(recursive=True)}
        # Ctrl-C in a terminal reaches the whole foreground process group.
        os.killpg(proc.pid, signal.SIGINT)
        output, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, output[-3000:]
    assert set(_our_containers()) <= before, "Ctrl-C left a container behind"
    alive = [pid for pid in seen if psutil.pid_exists(pid) and _alive(pid)]
    assert not alive, f"processes left running: {alive}"
    runs = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert len(runs) == 1, output[-3000:]
    assert json.loads((runs[0] / "run.json").read_text())["status"] == "incomplete"


def _is_target_run(cmd: list[str]) -> bool:
    """`python -m bench run ... --target URL` (not `bench verify --target`)."""
    return "bench" in cmd and "run" in cmd and "--target" in cmd


def _has_run_document(cmd: list[str]) -> bool:
    """The runner's --results-dir holds a run directory with its run.json."""
    if "--results-dir" not in cmd:
        return False
    results = Path(cmd[cmd.index("--results-dir") + 1])
    return any(results.glob("*/run.json"))


def _cmdline(proc: psutil.Process) -> list[str]:
    try:
        return proc.cmdline()
    except psutil.Error:
        return []


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False
