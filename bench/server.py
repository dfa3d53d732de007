"""Start one app under its production server, wait for it, measure it, and stop all of it.

Every process this module starts runs in a new session whose leader is the server's main
process, so that stopping it can reach every worker it forked, and nothing else. A caller that
must leave no server behind, whatever interrupts it, opens a `scope()`: every server started
while it is open is stopped when it closes, even one whose start was cut short by Ctrl-C.
"""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType

import psutil

from bench import children, interrupts, leftovers, ports
from bench.errors import BenchError
from bench.frameworks import HOST, ROOT, Framework, Workers


class ServerStartError(BenchError):
    """The server exited or never answered."""


@dataclass
class ServerProcess:
    framework: Framework
    port: int
    workers: Workers
    cpus: Sequence[int] | None = None
    """CPUs to pin the server (and every worker it forks) to; None leaves it unpinned."""
    python: str | None = None
    log_path: Path | None = None
    extra_env: Mapping[str, str] | None = None
    """More environment for the app, e.g. DATABASE_URL (bench.database)."""
    popen: subprocess.Popen[bytes] | None = field(default=None, init=False)
    started_at: float = field(default=0.0, init=False)
    startup_s: float = field(default=0.0, init=False)
    """Spawn to first 200, set by wait_ready."""
    _known: dict[int, psutil.Process] = field(default_factory=dict, init=False)
    _stopped: bool = field(default=False, init=False)

    @property
    def command(self) -> list[str]:
        return self.framework.command(self.port, self.workers, self.python)

    @property
    def pid(self) -> int:
        if self.popen is None:
            raise ServerStartError("server not started")
        return self.popen.pid

    def start(self) -> None:
        ports.ensure_free(self.port)
        if self.log_path is None:
            fd, name = tempfile.mkstemp(prefix=f"bench-{self.framework.name}-", suffix=".log")
            os.close(fd)
            self.log_path = Path(name)
        env = {
            **os.environ,
            **self.framework.environment(),
            **(self.extra_env or {}),
            "PYTHONUNBUFFERED": "1",
        }
        with self.log_path.open("wb") as log, interrupts.deferred():
            self.started_at = time.perf_counter()
            self.popen = subprocess.Popen(
                self.command,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                # Dies with the harness (even a SIGKILLed one); pinned before exec, so every
                # forked worker inherits the CPU set with no window in which it runs elsewhere.
                preexec_fn=children.preexec(cpus=self.cpus),  # noqa: PLW1509 - no threads
            )
            leftovers.started(self.popen.pid, self.command, f"server {self.framework.name}")
            self._stopped = False
            for open_scope in _SCOPES:
                open_scope.started.append(self)

    def log_tail(self, lines: int = 15) -> str:
        """The log's last lines, led by its error lines from anywhere in it.

        A server that fails to boot can print the cause (e.g. ModuleNotFoundError from a worker)
        before a long traceback of its own shutdown, which a plain tail would cut off.
        """
        if self.log_path is None or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace").splitlines()
        tail = text[-lines:]
        errors = [
            line
            for line in text[:-lines]
            if ("Error" in line or "Exception" in line) and not line.startswith(" ")
        ][-5:]
        return "\n".join([*errors, *(["..."] if errors else []), *tail])

    def wait_ready(self, timeout: float = 30.0, path: str = "/plaintext") -> float:
        """Seconds from spawn to the first 200 on `path`; raises if it dies or stays silent."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.popen is None or self.popen.poll() is not None:
                code = None if self.popen is None else self.popen.returncode
                raise ServerStartError(
                    f"{self.framework.name} server exited with code {code} before answering:\n"
                    + self.log_tail()
                )
            if probe(self.port, path) == 200:
                self.startup_s = time.perf_counter() - self.started_at
                for proc in self.processes()[1:]:  # its workers, so a sweep can prove the session
                    leftovers.started(proc.pid, self.command, f"worker of {self.framework.name}")
                return self.startup_s
            time.sleep(0.02)
        raise ServerStartError(
            f"{self.framework.name} did not answer on {HOST}:{self.port} within {timeout:.0f}s:\n"
            + self.log_tail()
        )

    def processes(self) -> list[psutil.Process]:
        """The server's main process and every descendant alive now."""
        try:
            main = psutil.Process(self.pid)
            tree = [main, *main.children(recursive=True)]
        except psutil.NoSuchProcess:
            tree = []
        for proc in tree:
            self._known.setdefault(proc.pid, proc)
        return tree

    def stop(self, timeout: float = 10.0) -> None:
        """SIGTERM the server, wait, then SIGKILL whatever of it is left. Idempotent."""
        if self.popen is None or self._stopped:
            # Once all of it is gone, never sweep its session again: the PID could be reused.
            return
        self.processes()  # remember every worker before the main process goes
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
            try:
                self.popen.wait(timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(5)
        # A worker forked after the snapshot (gunicorn still booting its last worker when the
        # stop came) is not in _known and, orphaned, serves until it notices its parent is
        # gone. It still carries the session this module created for the server: find it so.
        for proc in _session_members(self.pid):
            self._known.setdefault(proc.pid, proc)
        leftovers = [p for p in self._known.values() if _alive(p)]
        for proc in leftovers:
            with suppress(psutil.NoSuchProcess):
                proc.kill()
        psutil.wait_procs(leftovers, timeout=5)
        still = [p.pid for p in self._known.values() if _alive(p)]
        if still:
            raise BenchError(f"{self.framework.name}: processes {still} survived SIGKILL")
        self._stopped = True

    def remaining(self) -> list[int]:
        """PIDs of this server's processes still alive (empty after a clean stop)."""
        return [p.pid for p in self._known.values() if _alive(p)]

    def __enter__(self) -> ServerProcess:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


@dataclass
class ServerScope:
    """The servers started while a `scope()` was open, in order."""

    started: list[ServerProcess] = field(default_factory=list)

    def stop(self) -> list[str]:
        """Stop every one (idempotent); one line per server that could not be stopped."""
        errors = []
        for server in self.started:
            try:
                server.stop()
            except BenchError as exc:
                errors.append(str(exc))
        return errors


_SCOPES: list[ServerScope] = []


@contextmanager
def scope() -> Iterator[ServerScope]:
    """Own every server started inside the block, by any code; all are stopped at its end.

    The owner can stop them earlier with `ServerScope.stop()` (e.g. before writing its final
    results). Servers started before the block, such as a test fixture's, are not touched.
    """
    owned = ServerScope()
    _SCOPES.append(owned)
    try:
        yield owned
    finally:
        _SCOPES.remove(owned)
        errors = owned.stop()
    if errors:  # only when nothing else is on its way out, which it would hide
        raise BenchError("; ".join(errors))


def _session_members(sid: int) -> list[psutil.Process]:
    """Live processes of the session whose leader was `sid` (one this module started)."""
    members = []
    for proc in psutil.process_iter():
        with suppress(ProcessLookupError, PermissionError, psutil.Error):
            if os.getsid(proc.pid) == sid and proc.pid != os.getpid():
                members.append(proc)
    return members


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def probe(port: int, path: str = "/plaintext", host: str = HOST, timeout: float = 1.0) -> int:
    """HTTP status of one GET, or 0 when nothing answers."""
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        return conn.getresponse().status
    except OSError:
        return 0
    finally:
        conn.close()


def start_ready(
    framework: Framework,
    workers: Workers,
    *,
    port: int | None = None,
    cpus: Sequence[int] | None = None,
    ready_timeout: float = 60.0,
    log_path: Path | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> ServerProcess:
    """A started, answering server (the caller stops it). Retries a free port raced away from
    us; a server that fails, or a Ctrl-C while waiting, is stopped before the error goes up."""
    attempts = 1 if port is not None else 3
    for attempt in range(attempts):
        server = ServerProcess(
            framework,
            port or ports.free_port(),
            workers,
            cpus,
            log_path=log_path,
            extra_env=extra_env,
        )
        try:
            # Inside the try: a Ctrl-C held during the spawn is raised at start()'s end.
            server.start()
            server.wait_ready(ready_timeout)
        except ServerStartError:
            server.stop()
            if attempt + 1 == attempts or "address already in use" not in server.log_tail().lower():
                raise
            continue
        except BaseException:
            server.stop()
            raise
        return server
    raise AssertionError("unreachable")


@contextmanager
def running(
    framework: Framework,
    workers: Workers,
    port: int | None = None,
    cpus: Sequence[int] | None = None,
    ready_timeout: float = 60.0,
    *,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[ServerProcess]:
    """A started, answering server; always stopped on the way out."""
    server = start_ready(
        framework,
        workers,
        port=port,
        cpus=cpus,
        ready_timeout=ready_timeout,
        extra_env=extra_env,
    )
    try:
        yield server
    finally:
        server.stop()
