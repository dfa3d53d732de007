"""Every run writes down what it started; a later command ends what a dead run left behind.

A run records, in `<run-dir>/processes.jsonl`, itself (the harness) and each process it starts:
PID, creation time, session id, role and command. A run whose harness is gone (killed by
SIGKILL, the machine's OOM killer, a lost terminal) but whose `run.json` still says `running`
is dead: `sweep()` ends every recorded process of it that is still alive, marks it
`incomplete` with the samples `samples.csv` really holds, and says what it did.

Only recorded processes are ended, by PID, and only when the creation time matches: a PID the
kernel gave to someone else since is never hit. A recorded server's workers (forked later,
perhaps after the last record) are found through its session id, and only while a recorded
process of that session is still alive: Linux does not reuse a PID while any process still
names it as its session, so such a session is the one we created.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

RECORD = "processes.jsonl"
HARNESS = "harness"
TERM_GRACE_S = 3.0
"""A server given SIGTERM stops its workers within this; whatever is left then gets SIGKILL."""
_SAME_START_S = 0.05
"""psutil derives creation times from boot time and clock ticks: equal within rounding."""


@dataclass(frozen=True)
class Record:
    pid: int
    create_time: float
    sid: int
    role: str
    command: list[str]

    def describe(self) -> str:
        cmd = " ".join(self.command)
        return f"pid {self.pid} ({self.role}: {cmd[:80]}{'...' if len(cmd) > 80 else ''})"


@dataclass
class Swept:
    """One dead run found by `sweep()`: what was ended and what its run.json now says."""

    run_dir: Path
    ended: list[str] = field(default_factory=list)
    marked: str = ""
    samples: int | None = None

    def lines(self) -> list[str]:
        out = [f"{self.run_dir.name}: ended leftover {what}" for what in self.ended]
        if self.marked:
            out.append(
                f"{self.run_dir.name}: its harness is gone; marked {self.marked} "
                f"with {self.samples} samples (from samples.csv)"
            )
        return out


_lock = threading.Lock()
_active: list[Path] = []


def _identify(pid: int, role: str, command: Sequence[str]) -> Record | None:
    try:
        proc = psutil.Process(pid)
        return Record(pid, proc.create_time(), os.getsid(pid), role, list(command))
    except (psutil.Error, ProcessLookupError, PermissionError):
        return None  # gone already: nothing to leave behind


def _append(run_dir: Path, record: Record) -> None:
    line = json.dumps(asdict(record)) + "\n"
    with _lock, (run_dir / RECORD).open("a", encoding="utf-8") as fh:
        fh.write(line)
        fh.flush()
        os.fsync(fh.fileno())


@contextmanager
def recording(run_dir: Path) -> Iterator[None]:
    """Record the harness now, and every `started()` process until the block ends."""
    harness = _identify(os.getpid(), HARNESS, [str(a) for a in psutil.Process().cmdline()])
    assert harness is not None
    _append(run_dir, harness)
    _active.append(run_dir)
    try:
        yield
    finally:
        _active.remove(run_dir)


def started(pid: int, command: Sequence[str], role: str) -> None:
    """Note a process just started (call it right after the spawn); a no-op outside a run."""
    if not _active:
        return
    record = _identify(pid, role, command)
    if record is not None:
        _append(_active[-1], record)


def read(run_dir: Path) -> list[Record]:
    """The records of `run_dir`; a line cut short by a kill mid-write is skipped."""
    path = run_dir / RECORD
    records = []
    with suppress(FileNotFoundError):
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                records.append(Record(**json.loads(line)))
            except (ValueError, TypeError):
                continue
    return records


def _same(record: Record) -> psutil.Process | None:
    """The live process `record` names, or None (gone, a zombie, or a reused PID)."""
    try:
        proc = psutil.Process(record.pid)
        if abs(proc.create_time() - record.create_time) > _SAME_START_S:
            return None
        if proc.status() == psutil.STATUS_ZOMBIE:
            return None
        return proc
    except psutil.Error:
        return None


def _session_members(sids: set[int]) -> list[psutil.Process]:
    found = []
    me = os.getpid()
    for proc in psutil.process_iter():
        with suppress(ProcessLookupError, PermissionError, psutil.Error):
            if proc.pid != me and os.getsid(proc.pid) in sids:
                found.append(proc)
    return found


def _end(procs: list[psutil.Process]) -> None:
    for proc in procs:
        with suppress(psutil.Error):
            proc.send_signal(signal.SIGTERM)
    _, alive = psutil.wait_procs(procs, timeout=TERM_GRACE_S)
    for proc in alive:
        with suppress(psutil.Error):
            proc.kill()
    psutil.wait_procs(alive, timeout=5)


def _describe(proc: psutil.Process, by_pid: dict[int, Record]) -> str:
    if proc.pid in by_pid:
        return by_pid[proc.pid].describe()
    try:
        cmd = " ".join(proc.cmdline())
    except psutil.Error:
        cmd = "?"
    return f"pid {proc.pid} (in the session of pid {os.getsid(proc.pid)}: {cmd[:80]})"


def _end_leftovers(records: list[Record]) -> list[str]:
    children = [r for r in records if r.role != HARNESS]
    live = {r.pid: (r, p) for r in children if (p := _same(r)) is not None}
    # Sessions a live recorded process still holds are ours (see the module's docstring),
    # but only those a process we started created: never the terminal's, which a child that
    # kept the harness's session would name.
    leaders = {r.pid for r in children if r.sid == r.pid}
    sids = {r.sid for r, _ in live.values() if r.sid in leaders}
    targets = {p.pid: p for _, p in live.values()}
    for proc in _session_members(sids):
        targets.setdefault(proc.pid, proc)
    if not targets:
        return []
    by_pid = {r.pid: r for r in children}
    described = [_describe(p, by_pid) for p in targets.values()]
    _end(list(targets.values()))
    return described


def samples_in(run_dir: Path) -> int:
    """Complete rows of samples.csv (a last line without its newline does not count)."""
    try:
        text = (run_dir / "samples.csv").read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return 0
    complete = text if text.endswith("\n") else text[: text.rfind("\n") + 1]
    return max(0, len(list(csv.reader(complete.splitlines()))) - 1)


def _mark_incomplete(run_dir: Path, swept: Swept, by: str) -> None:
    from bench.runner.store import RESERVE, write_json_atomic

    path = run_dir / "run.json"
    try:
        doc: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # validation names a damaged run.json when something reads it
    if not isinstance(doc, dict) or doc.get("status") != "running":
        return
    swept.samples = samples_in(run_dir)
    doc["status"] = "incomplete"
    doc["samples"] = swept.samples
    doc["ended"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    doc["swept"] = {"by": by, "at": doc["ended"], "ended": swept.ended}
    # The room the run kept for its last run.json (bench.runner.store): this is that write.
    with suppress(FileNotFoundError):
        (run_dir / RESERVE).unlink()
    write_json_atomic(path, doc)
    swept.marked = "incomplete"


def sweep(results_dir: Path, by: str = "python -m bench clean") -> list[Swept]:
    """End what every dead run in `results_dir` left running; mark such runs incomplete.

    A run whose harness is alive (a run in progress, perhaps in another terminal) is left
    alone; so is every process whose PID now belongs to someone else.
    """
    found: list[Swept] = []
    if not results_dir.is_dir():
        return found
    for run_dir in sorted(p for p in results_dir.iterdir() if (p / RECORD).is_file()):
        records = read(run_dir)
        harness = next((r for r in records if r.role == HARNESS), None)
        if harness is None or _same(harness) is not None:
            continue
        swept = Swept(run_dir, _end_leftovers(records))
        _mark_incomplete(run_dir, swept, by)
        if swept.ended or swept.marked:
            found.append(swept)
    return found
