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

Each request meets a server that is asleep (window version 2). After each response the client
waits until every thread of the serving process has been in state S on two reads of /proc
0.5 ms apart. Sent at once instead, the next request met uvicorn either still finishing the
last one or already polling, and the number of event-loop iterations a request took (so its
cost) followed how fast client and server happened to run: 1,119 to 1,351 loop iterations for
the same 800 requests, the slower windows the cheaper. Paced so, it is 2.01-2.06 a request.

What the server does while idle is not a request's cost: uvicorn wakes every 0.1 s,
cheroot's and CherryPy's loops every 0.1-0.5 s, gunicorn's worker after 1 s without events.
A window without requests measures it once per server start. Where the server's event loop
has a timer function of its own (the registry's `timer_function`: uvloop's TimerHandle._run
for uvicorn), each window's wake-ups are counted from callgrind's call counts and charged at
the idle window's cost per wake-up; a window of ~1 s holds 9 to 11 ticks, which wall time x
rate could only guess. Elsewhere the idle cost per second is charged for the window's length.
A regression that fires a timer on uvicorn's request path would be charged as housekeeping.

Start-up is not instrumented (`--instr-atstart=no`; the client turns instrumentation on through
vgdb once the server answers, before the warm-up): importing the app and the server under
callgrind took half of a server's time (199 s instrumented throughout, 106-118 s so).

Measured spread, same machine, same hour (2026-12-02, 23:00 UTC, the host's speed varying
~15% between 3 s wrk windows), all seven servers, cells within the given range:
- window version 1 (requests sent at once, idle cost per second), 3 runs: 7 of 14 cells within
  0.2%; fastapi 0.40% / 0.42%, raw-asgi 0.86% / 0.39%, raw-wsgi /plaintext 0.38%, bottle /json
  0.38%, cherrypy /plaintext 0.30%.
- version 2, its first 3 runs: 10 of 14 within 0.2% (fastapi 0.12% / 0.11%, raw-wsgi 0.02% /
  0.09%); raw-asgi /json 0.57%, bottle 0.25% / 0.30%, cherrypy /plaintext 0.20%. Over all 5
  runs raw-asgi /json spans 0.87% (145.0k-146.3k); over the last 3, 12 of 14 are within 0.2%.
  The server stage took 89-121 s (version 1: 104-122 s).
The uvicorn cells miss 0.2% over more starts (2026-12-03, two starts at a time as in the gate,
6 starts each): raw-asgi /plaintext 0.55%, /json 0.51%; fastapi /plaintext 0.67%, /json 0.23%.
Their cost moves with the heap's state: between two starts of raw-asgi, set_add_entry and
set_lookkey (sets keyed by id(): uvloop's timers, uvicorn's tasks) took +330 instructions a
request, as with the app level's layout (callgrind.py). Tried, and not kept:
- more pairs in one start: the state is the start's, so they repeat it (4 pairs of N = 50:
  the 6 starts' means span 0.25%; within a start the 4th pair ran ~0.4% below the others);
- a burst of 8 concurrent connections before each pair, to give each pair a state of its own:
  pairs then vary as much as starts do (one pair's SD ~0.3%), 4 pairs of N = 50 span 0.11%
  to 0.50% over 6 starts, N = 25 0.48%: averaging would want ~18 pairs, ~10x the stage's time;
- charging uvicorn's once-a-second date tick (counted by calls of datetime_timetuple) apart
  from its 0.1 s tick, both fitted on 6 short idle windows: raw-asgi /json 0.51% -> 0.36%,
  fastapi unchanged, the fitted date-tick cost itself -3k..36k from start to start;
- leaving set_add_entry and set_lookkey out of every window (same 6 starts): raw-asgi 0.55% ->
  0.30% (/plaintext) and 0.51% -> 0.33% (/json), fastapi 0.67% -> 0.66% and 0.23% -> 0.23%. The
  sets are half of raw-asgi's spread and none of fastapi's, whose first start ran +2.8k a request
  over the others in _PyObject_Free, dict lookups and find_name_in_mro (the type cache);
- glibc's malloc for every object (PYTHONMALLOC=malloc), so that pymalloc's pools and arenas
  play no part (2026-12-03, 6 starts two at a time): raw-asgi 0.41% / 0.46%, fastapi 0.22% /
  0.42% (/plaintext / /json), and not the allocator the servers run with.
Earlier (version 1): runs apart from each other differ more for the gunicorn cells (a clone
in /tmp/ct gave bottle's /json +0.57% and flask's /plaintext +0.26% over /work/main, a later
clone came within 0.06%); the cause is not established.
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
from bench.frameworks import HOST, Framework, Workers, get_server
from bench.profiling import driver, launch
from bench.profiling.callgrind import Cell, Tools
from bench.profiling.environment import Environment

LAUNCHER = Path(launch.__file__).resolve()
SCENARIOS: tuple[str, ...] = ("plaintext", "json")
"""Counted through the server: the two every app answers, where the server's share is largest."""
SERVER_VERSION = 2
"""Bump when what a window does changes: counts of different versions differ."""
DEFAULT_REQUESTS = 100
"""N for the server windows. A request through a server costs 0.1-2 M instructions and takes
10-60 ms under valgrind; a wake-up costs ~20k, so one miscounted is below 0.2% of a request
at N = 100 (uvicorn's wake-ups are counted exactly)."""
DEFAULT_WARMUP = 20
SWITCH_INTERVAL_S = 1000.0
"""See launch.py: threads switch where they block, not after 5 ms of wall time."""
SETTLE_S = 0.3
"""Pause after closing a window's connection, before the dump: the server has seen the close."""
IDLE_S = 2.0
"""Length of the window that measures the idle cost (per second, or per timer wake-up)."""
ASLEEP_POLL_S = 0.0005
ASLEEP_TIMEOUT_S = 30.0
"""A server that has not gone back to sleep this long after a response is stuck, not slow."""
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

    def wait_asleep(self) -> None:
        """Return once every thread of the serving process has been asleep on two reads in a row:
        the next request then meets a server that has finished the last one."""
        deadline = time.monotonic() + ASLEEP_TIMEOUT_S
        calm = 0
        while True:
            try:
                calm = calm + 1 if asleep(self.serving) else 0
            except FileNotFoundError:
                raise self.fail("the serving process is gone") from None
            if calm >= 2:
                return
            if time.monotonic() > deadline:
                raise self.fail(f"still busy {ASLEEP_TIMEOUT_S:.0f}s after a response")
            time.sleep(ASLEEP_POLL_S)

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


def asleep(pid: int) -> bool:
    """Every thread of the process is asleep (state S in /proc): blocked, none running or
    runnable. Under valgrind a thread waiting for the lock is asleep too, but then another runs."""
    states = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        with suppress(FileNotFoundError):  # a thread that ended between listing and reading
            states.append((task / "stat").read_text().rsplit(")", 1)[1].split()[0])
    return bool(states) and all(state == "S" for state in states)


_TOTALS = re.compile(r"^(?:totals|summary):\s*(\d+)", re.MULTILINE)
_NAMED = re.compile(r"^(c?fn)=\((\d+)\)(?: (.*))?$")
_RECURSION = re.compile(r"'\d+$")


def calls(text: str, function: str) -> int:
    """How many times a callgrind dump saw `function` called: the sum of its callers' `calls=`
    lines (names compressed as `(id) name` on first use; recursion levels `name'2` included)."""
    names: dict[str, str] = {}
    target = False
    total = 0
    for line in text.splitlines():
        named = _NAMED.match(line)
        if named is not None:
            kind, key, name = named.groups()
            if name is not None:
                names[key] = _RECURSION.sub("", name)
            if kind == "cfn":
                target = names.get(key) == function
        elif line.startswith("calls=") and target:
            total += int(line[6:].split()[0])
            target = False
    return total


@dataclass(frozen=True)
class Window:
    instructions: int
    seconds: float
    wakeups: int
    """Calls of the server's timer function in the window (0 where it has none)."""


@dataclass(frozen=True)
class Housekeeping:
    """What the server does unasked, from a window without requests: charged per timer wake-up
    where the server has a timer function, else per second of wall time."""

    idle: Window
    by_wakeups: bool

    def __post_init__(self) -> None:
        if self.by_wakeups and self.idle.wakeups == 0:
            raise BenchError(f"no timer ran in a {self.idle.seconds:.1f}s idle window")

    @property
    def per_s(self) -> float:
        return self.idle.instructions / self.idle.seconds

    @property
    def per_wakeup(self) -> float | None:
        return self.idle.instructions / self.idle.wakeups if self.by_wakeups else None

    def of(self, window: Window) -> float:
        if self.per_wakeup is not None:
            return window.wakeups * self.per_wakeup
        return window.seconds * self.per_s


def _last_dump(out: Path, pid: int, number: int) -> str:
    path = out / f"callgrind.out.{pid}.{number}"
    try:
        return path.read_text(errors="replace")
    except FileNotFoundError:
        raise BenchError(f"vgdb dump wrote no {path}") from None


def totals(text: str, where: str) -> int:
    match = _TOTALS.search(text)
    if match is None:
        raise BenchError(f"no totals line in {where}")
    return int(match.group(1))


def _paced(server: _Counted, scenario: driver.Scenario, requests: int) -> None:
    """`requests` requests on one connection, each sent once the server is asleep again."""
    conn = http.client.HTTPConnection(HOST, server.port, timeout=REQUEST_TIMEOUT_S)
    try:
        for _ in range(requests):
            server.request(scenario, conn)
            server.wait_asleep()
    finally:
        conn.close()


def _window(
    server: _Counted, scenario: driver.Scenario | None, requests: int, idle_s: float = 0.0
) -> Window:
    """Instructions counted in one window, its wall-clock length and the server's wake-ups."""
    server.vgdb("zero")
    started = time.monotonic()
    if scenario is not None:
        _paced(server, scenario, requests)
    time.sleep(idle_s or SETTLE_S)
    elapsed = time.monotonic() - started
    server.vgdb("dump")
    server.dumps += 1
    text = _last_dump(server.out, server.serving, server.dumps)
    timer = get_server(server.subject.framework.server).timer_function
    where = f"dump {server.dumps} of {server.subject.framework.name}"
    return Window(totals(text, where), elapsed, calls(text, timer) if timer else 0)


def count(
    subject: ServerSubject,
    settings: ServerSettings,
    tl: Tools,
    out: Path,
    started: list[_Counted] | None = None,
) -> tuple[list[Cell], Housekeeping]:
    """The server cells of one app, and what its idle window measured."""
    server = _Counted(subject, out, tl)
    if started is not None:
        started.append(server)  # the caller can stop it from another thread
    try:
        server.start()
        server.wait_ready()
        # From here on the serving process is counted; the warm-up retranslates its code.
        server.vgdb("instrumentation on")
        for name in subject.scenarios:
            _paced(server, driver.SCENARIOS[name], settings.warmup)
        time.sleep(SETTLE_S)
        timer = get_server(subject.framework.server).timer_function
        housekeeping = Housekeeping(_window(server, None, 0, IDLE_S), bool(timer))
        cells = []
        for name in subject.scenarios:
            scenario = driver.SCENARIOS[name]
            at = {}
            for n in (settings.requests, 2 * settings.requests):
                window = _window(server, scenario, n)
                at[n] = round(window.instructions - housekeeping.of(window))
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
        return cells, housekeeping
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
        cells, housekeeping = count(subject, settings, tl, out, started)
        if progress is not None:
            progress(
                f"{subject.framework.name} (server): {settings.requests} requests x "
                f"{len(subject.scenarios)} scenarios counted in {time.monotonic() - began:.1f}s"
            )
        return cells, housekeeping.per_s

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
