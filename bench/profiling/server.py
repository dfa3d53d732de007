"""Count instructions per request through each app's real production server, under callgrind.

The in-process driver counts the app alone; here the server's own request handling (gunicorn's
gthread worker, uvicorn with uvloop and httptools, cheroot) is counted with it. Each app runs
under its registry command with one worker (gunicorn: 1 gthread worker with its 4 threads;
uvicorn: 1 process; cheroot: a thread pool of 1), started by `launch.py` under
`valgrind --tool=callgrind`. A client in this process (not counted) sends the requests over a
loopback socket, one at a time, each on the connection of its window.

How a cell is counted, for each scenario: warm-up requests; then windows of N and of 2N
requests. Before a window the client zeroes the counters of the serving process through vgdb
(`vgdb zero`), opens a connection, sends the requests, closes it, lets the server settle, and
dumps (`vgdb dump`). The cost of one request is (window(2N) - window(N)) / N: opening and
closing the connection, the zero and the dump cancel out.

What the server does while idle is not a request's cost, and it depends on wall time: uvicorn
wakes every 0.1 s, cheroot's and CherryPy's loops every 0.1-0.5 s, gunicorn's worker after 1 s
without events. Under valgrind a window of 2N requests lasts twice as long as one of N, so that
housekeeping would be counted as per-request cost, and vary with the machine's load. Each
server's idle cost per second is measured once (a window without requests) and subtracted from
each window in proportion to its duration.

Start-up is not instrumented (`--instr-atstart=no`; the client turns instrumentation on through
vgdb once the server answers, before the warm-up): importing the app and the server under
callgrind took half of a server's time. All seven servers: 199 s on 2 cores instrumented
throughout, 106-118 s so (2026-12-02, same hour); cells moved -0.7% to +0.5%, within the
spread below for the cells that moved most, so the server version stays 1.

Measured spread, with start-up uninstrumented: three back-to-back runs of all seven apps
(2026-12-02, machine otherwise idle): 12 of the 14 cells within 0.13%; fastapi /json 0.22%,
raw-asgi 0.46% (/json) and 0.81% (/plaintext). raw-asgi is the cheapest request on the
busiest idle loop (128k instructions a request, uvicorn's ~230k a second of timers), and its
cost rises with the wall time a request takes (129.2k raw at 4.9 ms a request, 130.4k at 7.1
ms: ~500k instructions a second, twice the idle rate the correction subtracts), so 4x the
requests (N = 400) did not narrow it (1.1% over four runs), nor did pacing the client (a
request every 20 ms, so that every window lasts the same: 0.6% and 0.36% over four runs). The
idle rate itself differs from one start of the server to the next (211k-239k a second over
those four), which no window design here removes. With instrumentation throughout it was no
better that hour (raw-asgi /json 0.58% over four runs). In two fresh clones' `.ci/run` the
gate took 336 s and 335 s; the server cells came within 0.62% of the baseline made in
/work/main (app cells: see callgrind.py on what an edit of driver.py does to them).

Before: two back-to-back runs of all seven apps at N = 100, the machine otherwise
idle (2026-12-02): every one of the 14 cells within 0.16% (gunicorn's within 0.14%, uvicorn's
within 0.16%, cheroot's within 0.08%). Earlier, four runs on 2 shared cores at load average
3-9 spread up to 1.4% for uvicorn's and cheroot's cells (~220k instructions a second of
timers): on a loaded machine a timer fires late and wake-ups coalesce, so the idle rate
misstates what a busy window holds. Runs apart from each other differ more for the gunicorn
cells: a clone in /tmp/ct gave bottle's /json +0.57% and flask's /plaintext +0.26% over
/work/main, yet a later clone in /tmp/ci came within 0.06% of /work/main on both (one run
each, same commit): not the checkout's path; the cause is not established.
What varies is how many times the timers ran, not what a run costs: two starts of raw-asgi's
server counted 459k and 421k instructions in the same 2 s idle window with the same mix of
functions (the eval loop 15.5% and 15.8% of each), and uvloop's TimerHandle calls moved with
them (160 and 152).
Left to do: count the wake-ups themselves (callgrind's call counts of the timer's C function,
or cheroot's request threads alone with --separate-threads) instead of inferring them from
wall time, and find what moves the gunicorn cells between runs.
"""

from __future__ import annotations

import http.client
import os
import platform
import re
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, field, replace
from pathlib import Path

import psutil

from bench import interrupts, ports
from bench.errors import BenchError, UsageError
from bench.frameworks import HOST, Framework, Workers
from bench.profiling import driver, launch
from bench.profiling.callgrind import Cell, Tools
from bench.profiling.environment import Environment

LAUNCHER = Path(launch.__file__).resolve()
SCENARIOS: tuple[str, ...] = ("plaintext", "json")
"""Counted through the server: the two every app answers, where the server's share is largest."""
SERVER_VERSION = 1
"""Bump when what a window does changes: counts of different versions differ."""
DEFAULT_REQUESTS = 100
"""N for the server windows. A request through a server costs 0.1-2 M instructions and takes
10-60 ms under valgrind; what is left of the housekeeping after the correction (a fraction of
a 20k-instruction wake-up) is then below 0.05% of a request at N = 100."""
DEFAULT_WARMUP = 20
SWITCH_INTERVAL_S = 1000.0
"""See launch.py: threads switch where they block, not after 5 ms of wall time."""
SETTLE_S = 0.3
"""Pause after closing a window's connection, before the dump: the server has seen the close."""
IDLE_S = 2.0
"""Length of the window that measures the idle cost per second."""
START_TIMEOUT_S = 300.0
"""Importing Django or FastAPI under valgrind takes tens of seconds on a loaded machine."""
REQUEST_TIMEOUT_S = 60.0


@dataclass(frozen=True)
class ServerSettings:
    requests: int = DEFAULT_REQUESTS
    warmup: int = DEFAULT_WARMUP
    jobs: int = 2

    def __post_init__(self) -> None:
        if self.requests < 1 or self.warmup < 1 or self.jobs < 1:
            raise UsageError(
                f"server requests, warmup and jobs must be at least 1 "
                f"(got {self.requests}, {self.warmup}, {self.jobs})"
            )


@dataclass(frozen=True)
class ServerSubject:
    framework: Framework
    root: Path
    env: Environment
    scenarios: tuple[str, ...] = SCENARIOS


def workers(framework: Framework) -> Workers:
    """One worker: one process (and the server's own thread count) is what is counted."""
    return framework.workers(1, override=1)


def config(framework: Framework) -> str:
    """What the server runs, for the result document (and for the reader of the gate)."""
    w = workers(framework)
    if framework.server == "gunicorn":
        return f"gunicorn gthread, 1 worker process, {w.threads} threads"
    if framework.server == "uvicorn":
        return "uvicorn, 1 process, uvloop + httptools"
    return f"cheroot (CherryPy engine), 1 process, thread_pool = {w.threads}"


def server_argv(subject: ServerSubject, port: int, python: Path) -> list[str]:
    """The registry's command for this tree, run by the launcher instead of `python -m`."""
    # An absolute pythonpath makes the registry's command point into the tree measured.
    fw = replace(subject.framework, pythonpath=str(subject.root / subject.framework.pythonpath))
    argv = fw.command(port, workers(subject.framework), str(python))
    if argv[1] != "-m":
        raise BenchError(f"{fw.name}: server command {argv[:3]} is not `python -m MODULE`")
    sites = [arg for folder in subject.env.site_dirs for arg in ("--site", folder)]
    return [
        str(python), "-S", str(LAUNCHER), *sites,
        "--switch-interval", str(SWITCH_INTERVAL_S), *argv[2:],
    ]  # fmt: skip


def command(subject: ServerSubject, port: int, out: Path, tl: Tools) -> list[str]:
    return [
        tl.setarch, platform.machine(), "-R",
        tl.valgrind, "--tool=callgrind", "-q",
        # gunicorn's worker is a fork of its arbiter: its own gdbserver, and its own dumps.
        "--trace-children=yes",
        # Start-up (imports: tens of seconds instrumented) runs uninstrumented; see count().
        "--instr-atstart=no",
        f"--vgdb-prefix={out / 'vgdb'}",
        f"--callgrind-out-file={out / 'callgrind.out.%p'}",
        "--dump-instr=no", "--compress-strings=yes",
        *server_argv(subject, port, tl.interpreter),
    ]  # fmt: skip


def environment(subject: ServerSubject) -> dict[str, str]:
    """Only what the server needs (as for the driver: nothing of the caller's shell counts)."""
    return {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "PYTHONPATH": str(subject.root / subject.framework.pythonpath),
        "PYTHONHASHSEED": "0",
        "PYTHONUTF8": "1",
        **dict(subject.framework.env),
    }


_CLIENT_HEADERS = {"User-Agent": "bench-profile", "Accept": "*/*"}


@dataclass
class _Counted:
    """One server under valgrind, and the vgdb link to the process that serves."""

    subject: ServerSubject
    out: Path
    tl: Tools
    port: int = 0
    popen: subprocess.Popen[bytes] | None = None
    serving: int = 0
    dumps: int = 0
    cancelled: threading.Event = field(default_factory=threading.Event)
    """Set from another thread: the next request raises, and the server is stopped."""
    log: Path = field(init=False)

    def __post_init__(self) -> None:
        self.log = self.out / "server.log"

    def start(self) -> None:
        self.out.mkdir(parents=True, exist_ok=True)
        self.port = ports.free_port()
        if self.cancelled.is_set():
            raise BenchError(f"{self.subject.framework.name} server: counting cancelled")
        with self.log.open("wb") as log, interrupts.deferred():
            self.popen = subprocess.Popen(
                command(self.subject, self.port, self.out, self.tl),
                cwd=self.subject.root,
                env=environment(self.subject),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def fail(self, what: str) -> BenchError:
        tail = self.log.read_text(errors="replace").strip().splitlines()[-5:]
        return BenchError(f"{self.subject.framework.name} server: {what}: {' | '.join(tail)}")

    def wait_ready(self) -> None:
        assert self.popen is not None
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:
                raise self.fail(f"exited with code {self.popen.returncode} before answering")
            try:
                self.request(driver.SCENARIOS["plaintext"], timeout=5.0)
                break
            except (OSError, http.client.HTTPException):
                time.sleep(0.2)
        else:
            raise self.fail(f"no answer within {START_TIMEOUT_S:.0f}s")
        # gunicorn serves from its one worker, a child of the arbiter; the others serve alone.
        children = psutil.Process(self.popen.pid).children()
        if self.subject.framework.server == "gunicorn":
            if len(children) != 1:
                raise self.fail(f"expected one worker, found {len(children)}")
            self.serving = children[0].pid
        else:
            self.serving = self.popen.pid

    def request(
        self,
        scenario: driver.Scenario,
        conn: http.client.HTTPConnection | None = None,
        timeout: float = REQUEST_TIMEOUT_S,
    ) -> None:
        if self.cancelled.is_set():
            raise BenchError(f"{self.subject.framework.name} server: counting cancelled")
        own = conn is None
        conn = conn or http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            url = scenario.path + (f"?{scenario.query}" if scenario.query else "")
            headers = {**_CLIENT_HEADERS, **dict(scenario.headers)}
            conn.request(scenario.method, url, body=scenario.body or None, headers=headers)
            reply = conn.getresponse()
            body = reply.read()
            response = (reply.status, [(k.lower(), v) for k, v in reply.getheaders()], body)
        finally:
            if own:
                conn.close()
        problem = scenario.check(response)
        if problem:
            raise BenchError(f"{self.subject.framework.name} {scenario.name} (server): {problem}")

    def vgdb(self, monitor: str) -> None:
        done = subprocess.run(
            [
                self.tl.vgdb, f"--vgdb-prefix={self.out / 'vgdb'}", f"--pid={self.serving}",
                monitor,
            ],
            check=False, capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        if done.returncode != 0:
            raise self.fail(f"vgdb {monitor} failed: {(done.stderr or done.stdout).strip()}")

    def stop(self) -> None:
        self.cancelled.set()
        popen = self.popen
        if popen is None:
            return
        # The session is the server's own: its arbiter and the worker it forked, nothing else.
        with interrupts.ignored():
            try:
                if popen.poll() is None:
                    os.killpg(popen.pid, signal.SIGTERM)
                    with suppress(subprocess.TimeoutExpired):
                        popen.wait(30)
                # A worker outliving its arbiter still holds the session's group.
                os.killpg(popen.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            if popen.poll() is None:
                popen.wait(10)


_TOTALS = re.compile(r"^(?:totals|summary):\s*(\d+)", re.MULTILINE)


def _last_dump(out: Path, pid: int, number: int) -> int:
    path = out / f"callgrind.out.{pid}.{number}"
    try:
        text = path.read_text(errors="replace")
    except FileNotFoundError:
        raise BenchError(f"vgdb dump wrote no {path}") from None
    match = _TOTALS.search(text)
    if match is None:
        raise BenchError(f"no totals line in {path}")
    return int(match.group(1))


def _window(
    server: _Counted, scenario: driver.Scenario | None, requests: int, idle_s: float = 0.0
) -> tuple[int, float]:
    """Instructions counted in one window, and its wall-clock length in seconds."""
    server.vgdb("zero")
    started = time.monotonic()
    if scenario is not None:
        conn = http.client.HTTPConnection(HOST, server.port, timeout=REQUEST_TIMEOUT_S)
        try:
            for _ in range(requests):
                server.request(scenario, conn)
        finally:
            conn.close()
    time.sleep(idle_s or SETTLE_S)
    elapsed = time.monotonic() - started
    server.vgdb("dump")
    server.dumps += 1
    return _last_dump(server.out, server.serving, server.dumps), elapsed


def count(
    subject: ServerSubject,
    settings: ServerSettings,
    tl: Tools,
    out: Path,
    started: list[_Counted] | None = None,
) -> tuple[list[Cell], float]:
    """The server cells of one app, and its idle cost (instructions per second)."""
    server = _Counted(subject, out, tl)
    if started is not None:
        started.append(server)  # the caller can stop it from another thread
    try:
        server.start()
        server.wait_ready()
        # From here on the serving process is counted; the warm-up retranslates its code.
        server.vgdb("instrumentation on")
        for name in subject.scenarios:
            scenario = driver.SCENARIOS[name]
            conn = http.client.HTTPConnection(HOST, server.port, timeout=REQUEST_TIMEOUT_S)
            try:
                for _ in range(settings.warmup):
                    server.request(scenario, conn)
            finally:
                conn.close()
        time.sleep(SETTLE_S)
        idle, idle_s = _window(server, None, 0, IDLE_S)
        rate = idle / idle_s
        cells = []
        for name in subject.scenarios:
            scenario = driver.SCENARIOS[name]
            at = {}
            for n in (settings.requests, 2 * settings.requests):
                raw, seconds = _window(server, scenario, n)
                at[n] = round(raw - rate * seconds)
            cell = Cell(
                subject.framework.name,
                name,
                at[settings.requests],
                at[2 * settings.requests],
                settings.requests,
                level="server",
            )
            if cell.per_request <= 0:
                raise BenchError(
                    f"{cell.framework} {name} (server): 2N requests counted no more than N"
                )
            cells.append(cell)
        return cells, rate
    finally:
        server.stop()


def run(
    subjects: Sequence[ServerSubject],
    settings: ServerSettings,
    tl: Tools,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[Cell], dict[str, float]]:
    """Cells of every subject (in the order given), and each server's idle cost per second."""

    def one(index: int, subject: ServerSubject, tmp: Path) -> tuple[list[Cell], float]:
        began = time.monotonic()
        out = tmp / f"{index}-{subject.framework.name}"
        cells, rate = count(subject, settings, tl, out, started)
        if progress is not None:
            progress(
                f"{subject.framework.name} (server): {settings.requests} requests x "
                f"{len(subject.scenarios)} scenarios counted in {time.monotonic() - began:.1f}s"
            )
        return cells, rate

    started: list[_Counted] = []
    with (
        tempfile.TemporaryDirectory(prefix="bench-server-") as tmp,
        ThreadPoolExecutor(max_workers=settings.jobs) as pool,
    ):
        futures = [pool.submit(one, i, s, Path(tmp)) for i, s in enumerate(subjects)]
        try:
            results = [f.result() for f in futures]
        except BaseException:
            # A failure or Ctrl-C: stop every server now, which ends the other threads' windows.
            for future in futures:
                future.cancel()
            for server in list(started):
                server.stop()
            raise
    cells = [cell for found, _ in results for cell in found]
    idle = {s.framework.name: rate for s, (_, rate) in zip(subjects, results, strict=True)}
    return cells, idle
