"""results/<run-id>/: created once, never overwritten; rows appended durably as they are measured.

run.json is rewritten whole through a temporary file and os.replace, so a reader (or a crash)
sees the old or the new document, never half of one. samples.csv gets one fsync'd row per
sample, so an interrupted run keeps every sample it finished.

A full disk ends a run with one line (StoreFullError), not a traceback, and cannot keep its
last word from being written: each run directory holds a reserve file, given back to the file
system only for the final run.json (the one that says how the run ended).
"""

from __future__ import annotations

import contextlib
import csv
import errno
import io
import json
import math
import os
import time
from pathlib import Path
from typing import Any

from bench.errors import BenchError, UsageError
from bench.schema import SAMPLE_COLUMN_NAMES, SAMPLE_COLUMNS

RESERVE = ".reserve"
RESERVE_BYTES = 4 * 1024 * 1024
"""Room for the final run.json: the largest seen (a full profile, every rule's detail) is a
fraction of this."""
_FULL = (errno.ENOSPC, errno.EDQUOT, errno.EFBIG)


class StoreFullError(BenchError):
    """The disk (or quota) is full: the run ends, keeping what was written."""


def _full(exc: OSError) -> bool:
    return exc.errno in _FULL


def new_run_id(short_sha: str, now: float | None = None) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    return f"{stamp}-{short_sha}"


def write_json_atomic(path: Path, document: Any) -> None:
    text = json.dumps(document, indent=2, sort_keys=False, default=str) + "\n"
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        with tmp.open("w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()  # the old document stays in place, whole
        raise


def format_cell(value: Any) -> str:
    """CSV text of one value: NaN and None are empty (the schema's 'nullable'), bools lower."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(round(value, 6))
    return str(value)


class RunStore:
    def __init__(self, results_dir: Path, run_id: str) -> None:
        if not results_dir.is_dir():
            raise UsageError(f"results directory {results_dir} does not exist")
        path = results_dir / run_id
        suffix = 1
        while True:
            try:
                path.mkdir()
                break
            except FileExistsError:  # never overwrite: a second run in the same second
                suffix += 1
                path = results_dir / f"{run_id}-{suffix}"
        self.path = path
        self.run_id = path.name
        (path / "locust").mkdir()
        (path / "hdr").mkdir()
        self._reserve = path / RESERVE
        self._make_reserve()
        self.samples_path = path / "samples.csv"
        with self.samples_path.open("w", newline="") as fh:
            csv.writer(fh).writerow(SAMPLE_COLUMN_NAMES)
            fh.flush()
            os.fsync(fh.fileno())
        self.rows = 0

    def append_sample(self, row: dict[str, Any]) -> None:
        missing = [c.name for c in SAMPLE_COLUMNS if c.name not in row]
        extra = [k for k in row if k not in SAMPLE_COLUMN_NAMES]
        if missing or extra:
            raise ValueError(f"sample row: missing {missing}, unknown {extra}")
        buf = io.StringIO()
        csv.writer(buf).writerow(format_cell(row[name]) for name in SAMPLE_COLUMN_NAMES)
        data = buf.getvalue().encode("utf-8")
        # Unbuffered: a failed write is seen here, and cut back here, not at a later flush.
        fd = os.open(self.samples_path, os.O_WRONLY | os.O_APPEND)
        try:
            size = os.fstat(fd).st_size
            written = os.write(fd, data)
            if written != len(data):
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            os.fsync(fd)
        except OSError as exc:
            if not _full(exc):
                raise
            os.ftruncate(fd, size)  # no half row for a reader to trip over
            raise StoreFullError(
                f"{self.samples_path}: {exc.strerror} after {self.rows} samples"
            ) from None
        finally:
            os.close(fd)
        self.rows += 1

    def _make_reserve(self) -> None:
        try:
            with self._reserve.open("wb") as fh:
                os.posix_fallocate(fh.fileno(), 0, RESERVE_BYTES)
        except OSError as exc:
            with contextlib.suppress(OSError):
                self._reserve.unlink()
            if not _full(exc):
                raise
            raise StoreFullError(
                f"{self.path}: {exc.strerror}; a run needs {RESERVE_BYTES // 2**20} MiB free "
                "beyond its samples"
            ) from None

    def write_run(self, document: dict[str, Any]) -> None:
        """run.json, whole; the final one (status no longer `running`) may use the reserve."""
        final = document.get("status") != "running"
        try:
            write_json_atomic(self.path / "run.json", document)
        except OSError as exc:
            if not _full(exc):
                raise
            if not (final and self._reserve.exists()):
                raise StoreFullError(f"{self.path / 'run.json'}: {exc.strerror}") from None
            self._reserve.unlink()
            try:
                write_json_atomic(self.path / "run.json", document)
            except OSError as again:
                raise StoreFullError(
                    f"{self.path / 'run.json'}: {again.strerror}, even after freeing the reserve"
                ) from None
        if final:
            with contextlib.suppress(FileNotFoundError):
                self._reserve.unlink()

    def write_json(self, name: str, document: Any) -> None:
        try:
            write_json_atomic(self.path / name, document)
        except OSError as exc:
            if not _full(exc):
                raise
            raise StoreFullError(f"{self.path / name}: {exc.strerror}") from None

    def locust_prefix(self, sample_id: str) -> Path:
        return self.path / "locust" / sample_id

    def hdr_prefix(self, sample_id: str) -> Path:
        """hdr/<sample-id>: the generator adds .latency.hdr, .service.hdr, .failures.hdr."""
        return self.path / "hdr" / sample_id
