"""bench.leftovers and bench.children with real processes: a dead run's recorded processes are
ended (SIGKILL for one that ignores SIGTERM, its session's unrecorded members too), a PID whose
start time differs is never touched, and a child started with children.preexec dies with its
parent even when that parent is SIGKILLed."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import psutil
import pytest

from bench import leftovers

STUBBORN = (
    "import os, signal, time\n"
    "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    "if os.fork() == 0:\n"  # a worker forked after the record: found through the session
    "    time.sleep(120); os._exit(0)\n"
    "print('ready', flush=True)\n"
    "time.sleep(120)\n"
)


@pytest.fixture
def started() -> Iterator[list[psutil.Process]]:
    """Processes a test starts; whatever is left of them is killed by PID at its end."""
    procs: list[psutil.Process] = []
    yield procs
    for proc in procs:
        for each in [proc, *_children(proc)]:
            with contextlib.suppress(psutil.NoSuchProcess):
                each.kill()


def _children(proc: psutil.Process) -> list[psutil.Process]:
    try:
        return proc.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _dead_harness() -> leftovers.Record:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    record = leftovers._identify(proc.pid, leftovers.HARNESS, ["bench", "run"])
    proc.wait()
    assert record is not None
    return record


def _write(run_dir: Path, records: list[leftovers.Record]) -> None:
    for record in records:
        leftovers._append(run_dir, record)


def _fake_run(tmp_path: Path) -> Path:
    run_dir = tmp_path / "20260101T000000Z-abc"
    run_dir.mkdir()
    (run_dir / "run.json").write_text(json.dumps({"status": "running", "samples": 0}))
    # Two whole rows and one a kill cut short.
    (run_dir / "samples.csv").write_text("a,b\n1,2\n3,4\n5,")
    return run_dir


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_a_dead_runs_processes_are_ended_and_the_run_marked(
    tmp_path: Path, started: list[psutil.Process]
) -> None:
    stubborn = subprocess.Popen(
        [sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, start_new_session=True, text=True
    )
    started.append(psutil.Process(stubborn.pid))
    assert stubborn.stdout is not None and stubborn.stdout.readline() == "ready\n"
    worker = _children(started[0])
    assert len(worker) == 1
    innocent = subprocess.Popen(["sleep", "60"], start_new_session=True)
    started.append(psutil.Process(innocent.pid))
    run_dir = _fake_run(tmp_path)
    record = leftovers._identify(stubborn.pid, "server flask", ["gunicorn", "app"])
    reused = leftovers._identify(innocent.pid, "server bottle", ["gunicorn", "other"])
    assert record is not None and reused is not None
    # The innocent's PID was recorded for a process that started earlier: a reused PID.
    _write(run_dir, [_dead_harness(), record, replace(reused, create_time=reused.create_time - 50)])

    found = leftovers.sweep(tmp_path)

    assert [s.run_dir for s in found] == [run_dir]
    assert not _alive(started[0]) and not _alive(worker[0])
    assert _alive(started[1])
    text = "\n".join(found[0].lines())
    assert f"pid {stubborn.pid} (server flask: gunicorn app)" in text
    assert f"pid {worker[0].pid} (in the session of pid {stubborn.pid}" in text
    assert str(innocent.pid) not in text
    assert "marked incomplete with 2 samples" in text
    doc = json.loads((run_dir / "run.json").read_text())
    assert doc["status"] == "incomplete" and doc["samples"] == 2
    assert doc["swept"]["ended"] == found[0].ended
    assert leftovers.sweep(tmp_path) == []  # nothing twice


def test_a_run_whose_harness_lives_is_left_alone(
    tmp_path: Path, started: list[psutil.Process]
) -> None:
    child = subprocess.Popen(["sleep", "60"], start_new_session=True)
    started.append(psutil.Process(child.pid))
    run_dir = _fake_run(tmp_path)
    with leftovers.recording(run_dir):  # this test's process is the live harness
        leftovers.started(child.pid, ["sleep", "60"], "server")
    assert leftovers.sweep(tmp_path) == []
    assert _alive(started[0])
    assert json.loads((run_dir / "run.json").read_text())["status"] == "running"


def test_started_outside_a_run_records_nothing(tmp_path: Path) -> None:
    leftovers.started(os.getpid(), ["x"], "server")
    assert list(tmp_path.iterdir()) == []


def test_a_record_cut_short_by_a_kill_is_skipped(tmp_path: Path) -> None:
    harness = _dead_harness()
    _write(tmp_path, [harness])
    with (tmp_path / leftovers.RECORD).open("a") as fh:
        fh.write('{"pid": 12')
    assert leftovers.read(tmp_path) == [harness]


def test_a_child_dies_with_its_sigkilled_parent(started: list[psutil.Process]) -> None:
    # The parent starts a child the harness way, prints its PID, and is then killed outright.
    parent_code = (
        "import subprocess, sys, time\n"
        "from bench import children\n"
        "p = subprocess.Popen(['sleep', '60'], start_new_session=True,\n"
        "                     preexec_fn=children.preexec())\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen(
        [sys.executable, "-c", parent_code],
        stdout=subprocess.PIPE,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
    )
    started.append(psutil.Process(parent.pid))
    assert parent.stdout is not None
    child = psutil.Process(int(parent.stdout.readline()))
    started.append(child)
    assert _alive(child)
    parent.send_signal(signal.SIGKILL)
    parent.wait(5)
    deadline = time.monotonic() + 5
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def test_bench_run_sweeps_first(
    tmp_path: Path, started: list[psutil.Process], capsys: pytest.CaptureFixture[str]
) -> None:
    from bench import ports
    from bench.cli import main

    child = subprocess.Popen(["sleep", "60"], start_new_session=True)
    started.append(psutil.Process(child.pid))
    run_dir = _fake_run(tmp_path)
    record = leftovers._identify(child.pid, "server flask", ["sleep", "60"])
    assert record is not None
    _write(run_dir, [_dead_harness(), record])
    # A target nobody listens on: the run stops at that check, after the sweep.
    target = f"http://127.0.0.1:{ports.free_port()}"
    assert (
        main(["run", "--frameworks", "flask", "--target", target, "--results-dir", str(tmp_path)])
        == 2
    )
    out = capsys.readouterr().out
    assert f"ended leftover pid {child.pid} (server flask: sleep 60)" in out
    assert not _alive(started[0])
