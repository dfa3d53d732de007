"""ServerProcess helpers that need no running server."""

from __future__ import annotations

from pathlib import Path

from bench import frameworks
from bench.server import ServerProcess


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
