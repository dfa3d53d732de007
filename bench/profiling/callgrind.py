"""Count instructions per request: the driver under `valgrind --tool=callgrind`.

One valgrind process per framework runs all that framework's scenarios; the driver's marker
calls cut the run into dumps, one per loop. Each scenario runs a loop of N and then one of 2N
requests in that process, and the cost of one request is (count at 2N - count at N) / N:
whatever the loop costs once, however small, cancels out.

Where the time goes: importing an app under callgrind took more than half of the counting (Django
~15 s instrumented, ~2 s not). So valgrind starts with `--instr-atstart=no` and the driver turns
instrumentation on through vgdb once the app is imported, and one process runs both sizes. The
app level of all seven apps took 374 s on 2 cores with a process per size and everything
instrumented, 186 s so (2026-12-02, same machine and hour); per-request counts moved by -0.9% to
+0.7% (raw-wsgi /plaintext, the cheapest cell, -22%: 11.0k to 8.6k instructions; its 2N loop no
longer grows a fresh heap, it reuses what the N loop freed), hence driver version 2.

What moves it although no request changed: the memory layout. With ASLR off, addresses follow
from every allocation before the loop, and id()-keyed lookups follow the addresses. Editing
driver.py's docstring (2026-12-02) moved Django's app cells by -0.3% to -0.7% and FastAPI's by
+0.4% to +0.5%; a clone at a path of another length moved them by at most 0.06%, one of the same
length not at all. So an edit of driver.py is committed with a refreshed baseline (`make
baseline`), and a cell's change under ~1% says little about the app.

What makes the count repeatable: the real interpreter binary (a pyenv shim is a shell script,
and valgrind would count bash), PYTHONHASHSEED=0 (str hashes order sets and dicts of sets),
ASLR off (`setarch -R`: addresses order id()-keyed containers), and an environment holding only
what the app needs, so nothing of the caller's shell leaks into the count.

An ASGI request includes one turn of an asyncio event loop (~100k instructions: see raw-asgi),
as under uvicorn; it is the same on both sides of a comparison.
"""

from __future__ import annotations

import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from bench import children, interrupts
from bench.errors import BenchError, ToolMissingError, UsageError
from bench.frameworks import Framework
from bench.profiling import driver

DRIVER = Path(driver.__file__).resolve()
DEFAULT_REQUESTS = 100
"""N: 100 and 200 requests per scenario. Counts repeat exactly at a given N, but the garbage
collector runs in whole collections (every ~700 allocations), so the per-request figure moves
a little with N (flask: within 1% from N=50 to 100, 2% at N=20). Both sides of a comparison use
the same N; 100 keeps that granularity well under the 2% threshold and the gate within minutes
(valgrind runs Python ~50x slower)."""
DEFAULT_WARMUP = 5
"""Requests before each measured loop: the first ones fill caches (routes, compiled templates)."""
DEFAULT_JOBS = 2
"""Valgrind processes at once: two frameworks counted side by side on the two cores."""


@dataclass(frozen=True)
class Settings:
    requests: int = DEFAULT_REQUESTS
    warmup: int = DEFAULT_WARMUP
    jobs: int = DEFAULT_JOBS

    def __post_init__(self) -> None:
        if self.requests < 1 or self.warmup < 1 or self.jobs < 1:
            raise UsageError(
                f"requests, warmup and jobs must be at least 1 "
                f"(got {self.requests}, {self.warmup}, {self.jobs})"
            )


@dataclass(frozen=True)
class Wrapper:
    """Middleware put around one app by the driver; the gate's self-test injects work with it."""

    target: str
    """module:callable(app, interface, **kwargs) -> app"""
    path: str
    """Folder the module is imported from."""
    kwargs_json: str = "{}"


@dataclass(frozen=True)
class Subject:
    """One framework's app, taken from one source tree (the working tree or a base worktree)."""

    framework: Framework
    root: Path
    scenarios: tuple[str, ...]
    wrapper: Wrapper | None = None
    sites: tuple[str, ...] | None = None
    """site-packages folders of the environment counted; None: this process's own."""


@dataclass(frozen=True)
class Cell:
    framework: str
    scenario: str
    instructions_n: int
    """Instructions of the loop of N requests."""
    instructions_2n: int
    requests: int
    """N."""
    level: str = "app"
    """"app": the callable in-process (driver.py); "server": through its server (server.py)."""

    @property
    def per_request(self) -> float:
        return (self.instructions_2n - self.instructions_n) / self.requests


@dataclass(frozen=True)
class Tools:
    valgrind: str
    setarch: str
    valgrind_version: str
    interpreter: Path
    vgdb: str = "vgdb"


def scenarios_for(framework: Framework, wanted: Sequence[str] | None = None) -> tuple[str, ...]:
    """The scenarios of `wanted` (default: all) that this app answers."""
    offered = driver.BASELINE_SCENARIOS if framework.baseline else tuple(driver.SCENARIOS)
    if not wanted:
        return offered
    unknown = [s for s in wanted if s not in driver.SCENARIOS]
    if unknown:
        raise UsageError(f"unknown scenario {unknown[0]!r}; valid: {', '.join(driver.SCENARIOS)}")
    return tuple(s for s in offered if s in wanted)


def is_elf(path: Path) -> bool:
    try:
        with path.open("rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False


def interpreter(candidates: Sequence[str] | None = None) -> Path:
    """The ELF binary behind this interpreter: sys.executable may be a venv link or a shim."""
    names = candidates or [sys.executable, getattr(sys, "_base_executable", sys.executable)]
    for name in names:
        real = Path(os.path.realpath(name))
        if is_elf(real):
            return real
    raise BenchError(
        f"no ELF interpreter binary behind {', '.join(names)} (a shim script?); "
        "run with the real python, e.g. the venv's bin/python"
    )


def site_dirs() -> list[str]:
    """This environment's site-packages: the profiled interpreter runs with -S and adds them."""
    paths = sysconfig.get_paths()
    return list(dict.fromkeys([paths["purelib"], paths["platlib"]]))


def tools() -> Tools:
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        raise ToolMissingError(
            "valgrind is not installed (apt-get install valgrind, or make system)"
        )
    setarch = shutil.which("setarch")
    if setarch is None:
        raise ToolMissingError("setarch is not installed (util-linux), needed to turn ASLR off")
    version = subprocess.run(
        [valgrind, "--version"], capture_output=True, text=True, check=True
    ).stdout.strip()
    vgdb = shutil.which("vgdb") or str(Path(valgrind).with_name("vgdb"))
    return Tools(valgrind, setarch, version, interpreter(), vgdb)


def loop_sizes(settings: Settings) -> tuple[int, int]:
    """N and 2N: the loops each scenario runs, in this order."""
    return settings.requests, 2 * settings.requests


def driver_argv(subject: Subject, settings: Settings, python: Path) -> list[str]:
    """The driver's command line, without valgrind (tests run it so, to check the apps fast)."""
    fw = subject.framework
    argv = [
        str(python), "-S", str(DRIVER),
        "--framework", fw.name,
        "--target", fw.target,
        "--interface", fw.interface,
        "--scenarios", ",".join(subject.scenarios),
        "--loops", ",".join(str(n) for n in loop_sizes(settings)),
        "--warmup", str(settings.warmup),
    ]  # fmt: skip
    for folder in subject.sites if subject.sites is not None else site_dirs():
        argv += ["--site", folder]
    if subject.wrapper is not None:
        argv += [
            "--wrap", subject.wrapper.target,
            "--wrap-path", subject.wrapper.path,
            "--wrap-kwargs", subject.wrapper.kwargs_json,
        ]  # fmt: skip
    return argv


def command(subject: Subject, settings: Settings, out: Path, tl: Tools) -> list[str]:
    # Not instrumented until the driver has imported the app (it says so through vgdb).
    prefix = str(out / "vgdb")
    return [
        tl.setarch, platform.machine(), "-R",
        tl.valgrind, "--tool=callgrind", "-q",
        "--instr-atstart=no", f"--vgdb-prefix={prefix}",
        f"--callgrind-out-file={out / 'callgrind.out'}",
        f"--dump-before={driver.MARKER}",
        "--dump-instr=no", "--compress-strings=yes",
        *driver_argv(subject, settings, tl.interpreter),
        "--vgdb", tl.vgdb, "--vgdb-prefix", prefix,
    ]  # fmt: skip


def environment(subject: Subject) -> dict[str, str]:
    """Only what the app needs: whatever else the caller's shell holds stays out of the count."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "PYTHONPATH": str(subject.root / subject.framework.pythonpath),
        "PYTHONHASHSEED": "0",
        # UTF-8 mode: the same text codecs whatever locales the machine has installed.
        "PYTHONUTF8": "1",
    }
    env.update(dict(subject.framework.env))
    return env


def read_totals(out: Path) -> list[int]:
    """Instruction totals of the numbered dumps, in order (dump k+1 = between markers k and k+1)."""
    numbered: dict[int, Path] = {}
    for path in out.glob("callgrind.out.*"):
        suffix = path.name.rsplit(".", 1)[1]
        if suffix.isdigit():
            numbered[int(suffix)] = path
    if sorted(numbered) != list(range(1, len(numbered) + 1)):
        raise BenchError(f"callgrind dumps in {out} are not numbered 1..n: {sorted(numbered)}")
    totals = []
    for number in range(1, len(numbered) + 1):
        text = numbered[number].read_text(errors="replace")
        match = re.search(r"^(?:totals|summary):\s*(\d+)", text, re.MULTILINE)
        if match is None:
            raise BenchError(f"no totals line in {numbered[number]}")
        totals.append(int(match.group(1)))
    return totals


Counts = dict[str, dict[int, int]]
"""Scenario -> loop size -> instructions of that loop."""


def loop_counts(subject: Subject, totals: Sequence[int], sizes: Sequence[int]) -> Counts:
    """Instructions of each scenario's marked loops, by size: every second dump from the second.

    Per scenario the dumps are (before loop, loop) for each size in turn.
    """
    expected = 2 * len(sizes) * len(subject.scenarios)
    if len(totals) != expected:
        raise BenchError(
            f"{subject.framework.name}: {len(totals)} callgrind dumps, expected {expected}; "
            f"something other than the driver called {driver.MARKER}()"
        )
    loops = iter(totals[1::2])
    return {name: {size: next(loops) for size in sizes} for name in subject.scenarios}


@dataclass
class _Job:
    subject: Subject
    out: Path
    popen: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    stderr_path: Path = field(init=False)

    def __post_init__(self) -> None:
        self.stderr_path = self.out / "stderr.txt"


def _start(job: _Job, settings: Settings, tl: Tools) -> None:
    job.out.mkdir(parents=True, exist_ok=True)
    job.started = time.monotonic()
    with job.stderr_path.open("wb") as err, interrupts.deferred():
        job.popen = subprocess.Popen(
            command(job.subject, settings, job.out, tl),
            cwd=job.subject.root,
            env=environment(job.subject),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
            # Minutes of counting nobody will read once the harness is gone.
            preexec_fn=children.preexec(death_signal=signal.SIGKILL),  # noqa: PLW1509
        )


def _finish(job: _Job, settings: Settings) -> Counts:
    assert job.popen is not None
    code = job.popen.returncode
    if code != 0:
        tail = job.stderr_path.read_text(errors="replace").strip().splitlines()[-5:]
        what = {
            driver.EXIT_CHECK_FAILED: "a response failed its check",
            driver.EXIT_NOT_INSTRUMENTED: "valgrind's instrumentation could not be turned on",
        }.get(code, "failed")
        raise BenchError(
            f"profiling {job.subject.framework.name} ({job.subject.root}) {what} "
            f"(exit {code}): {' | '.join(tail)}"
        )
    return loop_counts(job.subject, read_totals(job.out), loop_sizes(settings))


def compile_sources(subjects: Sequence[Subject], python: Path) -> None:
    """Byte-compile the apps (and any wrapper) first, so that every run imports them alike.

    A run that compiles its sources inside the counted process (a fresh clone or worktree)
    leaves a different heap behind than one that loads cached bytecode, and with it different
    counts: ~0.4% of a bare app's request, and 0.9% of bottle's plaintext between the first and
    second run in a fresh clone. Done here, every caller of run() gets it.
    """
    folders = sorted(
        {str(s.root / s.framework.app_dir) for s in subjects}
        | {s.wrapper.path for s in subjects if s.wrapper is not None}
    )
    done = subprocess.run(
        [str(python), "-m", "compileall", "-q", *folders],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if done.returncode != 0:
        raise BenchError(f"byte-compiling {', '.join(folders)} failed: {done.stdout.strip()}")


def run(
    subjects: Sequence[Subject],
    settings: Settings,
    progress: Callable[[str], None] | None = None,
    tl: Tools | None = None,
) -> list[Cell]:
    """Cells (framework x scenario) for every subject, in the order given."""
    tl = tl or tools()
    compile_sources(subjects, tl.interpreter)
    n, two_n = loop_sizes(settings)
    with tempfile.TemporaryDirectory(prefix="bench-callgrind-") as tmp:
        jobs = [
            _Job(subject, Path(tmp) / f"{index}-{subject.framework.name}")
            for index, subject in enumerate(subjects)
        ]
        counts = _run_jobs(jobs, settings, tl, progress)
    cells = []
    for subject, found in zip(subjects, counts, strict=True):
        for scenario in subject.scenarios:
            cell = Cell(
                subject.framework.name,
                scenario,
                found[scenario][n],
                found[scenario][two_n],
                settings.requests,
            )
            if cell.per_request <= 0:
                raise BenchError(
                    f"{cell.framework} {scenario}: {two_n} requests counted "
                    f"{cell.instructions_2n} instructions, not more than {n} "
                    f"requests ({cell.instructions_n}); the run is not deterministic"
                )
            cells.append(cell)
    return cells


def start_order(subjects: Sequence[Subject]) -> list[int]:
    """Indices of `subjects`, the most scenarios first (stable otherwise): a two-scenario
    baseline started last fills a core while a seven-scenario app finishes, instead of a
    seven-scenario app running alone at the end (2026-12-02: fastapi, 72 s, last in registry
    order left one core idle for 55 s of a 187 s stage; so ordered, the stage ends near 168 s)."""
    return sorted(range(len(subjects)), key=lambda i: -len(subjects[i].scenarios))


def _run_jobs(
    jobs: list[_Job], settings: Settings, tl: Tools, progress: Callable[[str], None] | None
) -> list[Counts]:
    results: dict[int, Counts] = {}
    pending = start_order([job.subject for job in jobs])
    running: list[int] = []
    try:
        while pending or running:
            while pending and len(running) < settings.jobs:
                index = pending.pop(0)
                _start(jobs[index], settings, tl)
                running.append(index)
            time.sleep(0.05)
            for index in list(running):
                job = jobs[index]
                assert job.popen is not None
                if job.popen.poll() is None:
                    continue
                running.remove(index)
                results[index] = _finish(job, settings)
                if progress is not None:
                    progress(
                        f"{job.subject.framework.name}: "
                        f"{' and '.join(map(str, loop_sizes(settings)))} requests x "
                        f"{len(job.subject.scenarios)} scenarios counted in "
                        f"{time.monotonic() - job.started:.1f}s"
                    )
    finally:
        # A failure or Ctrl-C must not leave valgrind running: stop what this function started
        # (every job, not only those counted as running: the signal may fall in between).
        for job in jobs:
            popen = job.popen
            if popen is not None and popen.poll() is None:
                popen.kill()
                popen.wait()
    return [results[i] for i in range(len(jobs))]
