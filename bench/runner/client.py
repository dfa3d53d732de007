"""The harness side of the generator: start it pinned, hand it cells, read its answers, stop it."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import TypeVar

import psutil

from bench import children, interrupts
from bench.errors import BenchError
from bench.frameworks import ROOT
from bench.runner.protocol import LoadResult, LoadSpec, parse

T = TypeVar("T")
# Beyond warm-up and window: Locust's import, user spawn, CSV writing and, with workers,
# their start-up and the histogram round-trip.
SLACK_S = 60.0


class GeneratorError(BenchError):
    """The generator died, hung, or reported a failed cell."""


class Generator:
    """One long-lived Locust process (own session, pinned) that runs cells one after another."""

    def __init__(self, cpus: Sequence[int] | None, log_path: Path) -> None:
        self.cpus = list(cpus) if cpus is not None else None
        self.log_path = log_path
        self.popen: subprocess.Popen[str] | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()

    @property
    def pid(self) -> int:
        if self.popen is None:
            raise GeneratorError("generator not started")
        return self.popen.pid

    def start(self) -> None:
        with self.log_path.open("ab") as log, interrupts.deferred():
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "bench.runner.generator"],
                cwd=ROOT,
                env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"},
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                bufsize=1,
                # Its own session: stopping it reaches its Locust workers and nothing else.
                start_new_session=True,
                preexec_fn=children.preexec(cpus=self.cpus),  # noqa: PLW1509 - no threads
            )
            threading.Thread(target=self._read, name="generator-stdout", daemon=True).start()

    def _read(self) -> None:
        assert self.popen is not None and self.popen.stdout is not None
        for line in self.popen.stdout:
            self._lines.put(line)
        self._lines.put(None)

    def _next(self, timeout: float) -> dict[str, object]:
        while True:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                raise GeneratorError(f"generator silent for {timeout:.0f}s") from None
            if line is None:
                raise GeneratorError(f"generator exited; see {self.log_path}")
            doc = parse(line)
            if doc is not None:
                return doc

    def run(self, spec: LoadSpec, on_window: Callable[[float, float], T]) -> tuple[LoadResult, T]:
        """Run one cell; `on_window(start, end)` runs in the harness while the window is open."""
        if self.popen is None or self.popen.stdin is None:
            raise GeneratorError("generator not started")
        try:
            self.popen.stdin.write(spec.line())
            self.popen.stdin.flush()
        except BrokenPipeError:
            raise GeneratorError(f"generator exited; see {self.log_path}") from None
        timeout = spec.warmup_s + spec.window_s + SLACK_S
        measured: T | None = None
        seen_window = False
        while True:
            doc = self._next(timeout)
            if doc["event"] == "error":
                raise GeneratorError(f"generator failed cell {spec.sample_id}: {doc['message']}")
            if doc["event"] == "window":
                start, end = doc["start"], doc["end"]
                assert isinstance(start, float) and isinstance(end, float)
                measured = on_window(start, end)
                seen_window = True
            elif doc["event"] == "result" and seen_window:
                fields = {k: v for k, v in doc.items() if k != "event"}
                return LoadResult(**fields), measured  # type: ignore[arg-type,return-value]

    def processes(self) -> list[psutil.Process]:
        try:
            root = psutil.Process(self.pid)
            return [root, *root.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def stop(self) -> None:
        """EOF ends the generator; then whatever is left of its session is killed. Idempotent."""
        if self.popen is None:
            return
        known = self.processes()
        if self.popen.poll() is None:
            try:
                if self.popen.stdin is not None:
                    self.popen.stdin.close()
                self.popen.wait(5)
            except (subprocess.TimeoutExpired, BrokenPipeError, OSError):
                pass
        with suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)  # our own session's group only
        for proc in known:
            try:
                proc.kill()
            except psutil.NoSuchProcess:
                continue
        psutil.wait_procs(known, timeout=5)
        if self.popen.poll() is None:
            self.popen.wait(5)
