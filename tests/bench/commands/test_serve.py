"""`bench serve`: the app answers, and a signal stops the server with every process it forked."""

from __future__ import annotations

import select
import signal
import socket
import subprocess
import sys
import time

import psutil
import pytest

from bench import frameworks, ports
from bench.frameworks import ROOT
from bench.server import probe


def serve(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "bench", "serve", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_ready(proc: subprocess.Popen[str], timeout: float = 60) -> str:
    """The line `serve` prints once the server answers; fails if it exits first."""
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        ready, _, _ = select.select([proc.stdout], [], [], 0.2)
        if ready:
            line = proc.stdout.readline()
            if "ready" in line:
                return line
        if proc.poll() is not None:
            errors = proc.stderr.read() if proc.stderr else ""
            pytest.fail(f"serve exited with {proc.returncode}: {errors[-2000:]}")
    pytest.fail("serve printed no ready line")


def server_tree(pid: int, workers: int, timeout: float = 20) -> list[psutil.Process]:
    """serve's descendants once all `workers` are up (gunicorn answers before the last boots)."""
    deadline = time.monotonic() + timeout
    tree = psutil.Process(pid).children(recursive=True)
    while len(tree) < workers and time.monotonic() < deadline:
        time.sleep(0.05)
        tree = psutil.Process(pid).children(recursive=True)
    assert len(tree) >= workers, f"{len(tree)} server processes, expected {workers} workers"
    return tree


CASES = [
    ("raw-wsgi", signal.SIGTERM, 2),
    ("raw-wsgi", signal.SIGINT, 2),
    ("raw-asgi", signal.SIGTERM, 2),  # uvicorn's supervisor and two worker processes
    ("raw-asgi", signal.SIGINT, 1),  # uvicorn in a single process
    ("cherrypy", signal.SIGTERM, 4),
    ("cherrypy", signal.SIGINT, 4),
]


@pytest.mark.parametrize(
    ("name", "signum", "workers"),
    [pytest.param(*case, id=f"{case[0]}-{case[1].name}-{case[2]}") for case in CASES],
)
def test_signal_stops_the_whole_tree(name: str, signum: signal.Signals, workers: int) -> None:
    port = ports.free_port()
    proc = serve(name, "--port", str(port), "--workers", str(workers))
    try:
        line = wait_ready(proc)
        assert f"127.0.0.1:{port}" in line
        assert probe(port) == 200
        tree = server_tree(proc.pid, frameworks.get(name).workers(1, workers).processes)
        proc.send_signal(signum)
        assert proc.wait(timeout=15) == 0
        _, alive = psutil.wait_procs(tree, timeout=5)
        assert not [p.pid for p in alive if p.status() != psutil.STATUS_ZOMBIE]
        assert probe(port) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_unknown_framework_is_one_line_and_exit_2() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "serve", "flsk"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    for name in frameworks.NAMES:
        assert name in line


def test_busy_port_is_one_line_and_exit_2() -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "bench", "serve", "raw-wsgi", "--port", str(port)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert str(port) in line and "busy" in line


@pytest.mark.parametrize(
    ("name", "server", "interface"),
    [("django", "uvicorn", "asgi"), ("cherrypy", "gunicorn", "wsgi"), ("flask", "granian", "wsgi")],
)
def test_serve_on_another_server_passes_the_contract(
    name: str, server: str, interface: str
) -> None:
    from bench import contract

    port = ports.free_port()
    proc = serve(name, "--server", server, "--port", str(port), "--workers", "1")
    try:
        line = wait_ready(proc)
        deployment = frameworks.deployment(name, server)
        assert f"({deployment.server} {interface}," in line
        failed = [r for r in contract.verify(port, deployment) if not r.passed]
        assert failed == []
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)


def test_django_under_asgi_awaits_in_io() -> None:
    # The async view shares one event loop: a 1-process uvicorn holds 20 waits of 300 ms at
    # once; the sync view would run them in Django's one thread-sensitive executor, in turn.
    import concurrent.futures
    import http.client

    def io() -> int:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            conn.request("GET", "/io?ms=300")
            return conn.getresponse().status
        finally:
            conn.close()

    port = ports.free_port()
    proc = serve("django", "--server", "uvicorn", "--port", str(port), "--workers", "1")
    try:
        wait_ready(proc)
        started = time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(20) as pool:
            statuses = list(pool.map(lambda _: io(), range(20)))
        elapsed = time.monotonic() - started
        assert statuses == [200] * 20
        assert elapsed < 20 * 0.3 / 2, f"20 waits of 300 ms took {elapsed:.1f}s: not concurrent"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=15)


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("fastapi", "--server", "gunicorn"), "fastapi runs on"),
        (("flask", "--server", "nginx"), "unknown server"),
        (("cherrypy", "--workers", "2", "--threads", "3"), "one process"),
        (("fastapi", "--threads", "3"), "no thread count"),
    ],
)
def test_bad_server_choice_is_one_line_and_exit_2(args: tuple[str, ...], expected: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "bench", "serve", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert expected in line


@pytest.mark.parametrize(
    ("name", "server", "signum"),
    [
        ("flask", "cheroot", signal.SIGTERM),
        ("raw-wsgi", "granian", signal.SIGINT),
        ("raw-asgi", "granian", signal.SIGTERM),
        ("django", "gunicorn-gevent", signal.SIGTERM),
    ],
)
def test_a_signal_stops_every_server_of_the_matrix(
    name: str, server: str, signum: signal.Signals
) -> None:
    port = ports.free_port()
    proc = serve(name, "--server", server, "--port", str(port), "--workers", "2")
    try:
        wait_ready(proc)
        assert probe(port) == 200
        tree = psutil.Process(proc.pid).children(recursive=True)
        proc.send_signal(signum)
        assert proc.wait(timeout=15) == 0
        _, alive = psutil.wait_procs(tree, timeout=5)
        assert not [p.pid for p in alive if p.status() != psutil.STATUS_ZOMBIE]
        assert probe(port) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
