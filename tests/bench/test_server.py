"""ServerProcess helpers that need no running server."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import psutil

from bench import frameworks
from bench.server import ServerProcess, _session_members


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
