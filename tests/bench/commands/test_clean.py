"""A `bench run` SIGKILLed mid-visit: nothing of it lives on after `bench clean`, which marks
the run incomplete with the samples samples.csv really holds."""

from __future__ import annotations

import contextlib
import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from bench.frameworks import ROOT
from bench.leftovers import samples_in

pytestmark = pytest.mark.slow


def _bench(*args: str) -> list[str]:
    return [sys.executable, "-m", "bench", *args]


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _wait_for_a_sample(results: Path, harness: subprocess.Popen[str]) -> Path:
    deadline = time.monotonic() + 150
    while time.monotonic() < deadline and harness.poll() is None:
        for run_dir in results.iterdir():
            if samples_in(run_dir) >= 1:
                return run_dir
        time.sleep(0.2)
    raise AssertionError(f"no sample within the time (exit {harness.poll()})")


def test_a_sigkilled_run_leaves_nothing_after_clean(tmp_path: Path) -> None:
    # Absolute rates and no facts: the first sample comes quickly; two rounds of long windows
    # keep the visit (a gunicorn arbiter, its workers, the generator) going when the kill comes.
    harness = subprocess.Popen(
        _bench("run", "--profile", "quick", "--frameworks", "flask", "--scenarios",
               "plaintext,json", "--rate", "50", "--trials", "2", "--duration", "3",
               "--warmup", "0.2", "--skip-facts", "--results-dir", str(tmp_path)),
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    everything: list[psutil.Process] = []
    try:
        run_dir = _wait_for_a_sample(tmp_path, harness)
        everything = psutil.Process(harness.pid).children(recursive=True)
        roles = {" ".join(p.cmdline()) for p in everything}
        assert any("gunicorn" in c for c in roles) and any("generator" in c for c in roles)
        harness.send_signal(signal.SIGKILL)
        harness.wait(10)
        assert json.loads((run_dir / "run.json").read_text())["status"] == "running"

        out = subprocess.run(
            _bench("clean", "--results-dir", str(tmp_path)),
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert out.returncode == 0, out.stderr
        assert not [p.pid for p in everything if _alive(p)]
        rows = samples_in(run_dir)
        assert f"{run_dir.name}: its harness is gone; marked incomplete with {rows} samples" in (
            out.stdout
        )
        doc = json.loads((run_dir / "run.json").read_text())
        assert doc["status"] == "incomplete" and doc["samples"] == rows >= 1
        again = subprocess.run(
            _bench("clean", "--results-dir", str(tmp_path)),
            cwd=ROOT, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        assert "nothing left behind" in again.stdout
    finally:
        if harness.poll() is None:
            harness.kill()
            harness.wait(10)
        for proc in everything:  # by PID, only what this test's run started
            with contextlib.suppress(psutil.NoSuchProcess):
                proc.kill()
