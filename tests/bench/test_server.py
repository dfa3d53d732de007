"""ServerProcess: helpers that need no running server, and stopping what a signal cut short."""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import psutil
import pytest

from bench import frameworks, ports
from bench.server import ServerProcess, _session_members, scope, start_ready


def test_log_tail_keeps_an_early_error_line_before_a_long_traceback(tmp_path: Path) -> None:
    fw = frameworks.get("raw-wsgi")
    log = tmp_path / "server.log"
    lines = ["[INFO] Booting worker", "ModuleNotFoundError: No module named 'nope'"]
    lines += [f'  File "arbiter.py", line {n}, in run' for n in range(40)]
    lines += ["gunicorn.errors.HaltServer: <HaltServer 'Worker failed to boot.' 3>"]
    log.write_text("\n".join(lines))
    server = ServerProcess(fw, 1, fw.workers(1), log_path=log)
    tail = server.log_tail(lines=5)
    assert tail.splitlines()[0] == "ModuleNotFoundError: No module named 'nope'"
    assert tail.splitlines()[-1].startswith("gunicorn.errors.HaltServer")
    assert len(tail.splitlines()) == 1 + 1 + 5


def test_session_sweep_finds_an_orphaned_descendant() -> None:
    # `(sleep &)` leaves a sleep whose parent exited: not a child of the leader any more, as a
    # gunicorn worker forked while its arbiter was being stopped. Its session still names it.
    leader = subprocess.Popen(["sh", "-c", "(sleep 30 &); exec sleep 30"], start_new_session=True)
    try:
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            members = _session_members(leader.pid)
            if len(members) == 2:
                break
            time.sleep(0.05)
        orphans = [p for p in members if p.pid != leader.pid]
        assert len(orphans) == 1
        assert orphans[0].pid not in {c.pid for c in psutil.Process(leader.pid).children()}
    finally:
        for proc in _session_members(leader.pid):
            proc.kill()
        leader.wait(5)


def _live_children() -> set[int]:
    return {
        p.pid
        for p in psutil.Process().children(recursive=True)
        if p.is_running() and p.status() != psutil.STATUS_ZOMBIE
    }


@pytest.fixture
def sigint_during_spawn(monkeypatch: pytest.MonkeyPatch) -> set[int]:
    """Ctrl-C lands inside subprocess.Popen: each spawned server is held for 1 s between fork
    and exec (in the pinning step the child runs first), and SIGINT comes 0.3 s from now.
    Gives this process's live children before the spawn."""
    real = os.sched_setaffinity

    def slow_pin(pid: int, cpus: Sequence[int]) -> None:
        time.sleep(1.0)
        real(pid, cpus)

    monkeypatch.setattr(os, "sched_setaffinity", slow_pin)
    before = _live_children()
    threading.Timer(0.3, os.kill, (os.getpid(), signal.SIGINT)).start()
    return before


@pytest.mark.slow
def test_ctrl_c_while_the_server_is_being_spawned_leaves_no_process(
    sigint_during_spawn: set[int],
) -> None:
    fw = frameworks.get("raw-wsgi")
    with pytest.raises(KeyboardInterrupt):
        start_ready(fw, fw.workers(1), cpus=[0])
    assert _live_children() - sigint_during_spawn == set()


@pytest.mark.slow
def test_a_scope_stops_a_server_whose_spawn_a_signal_interrupted(
    sigint_during_spawn: set[int],
) -> None:
    fw = frameworks.get("raw-wsgi")
    with pytest.raises(KeyboardInterrupt), scope() as owned:
        server = ServerProcess(fw, ports.free_port(), fw.workers(1), cpus=[0])
        server.start()  # no wait_ready, no stop of its own: only the scope can end it
    assert owned.started == [server] and server.popen is not None
    assert server.remaining() == [] and _live_children() - sigint_during_spawn == set()
