"""results/<run-id>/: created once, never overwritten; rows appended durably as they are measured.

run.json is rewritten whole through a temporary file and os.replace, so a reader (or a crash)
sees the old or the new document, never half of one. samples.csv gets one fsync'd row per
sample, so an interrupted run keeps every sample it finished.
"""

from __future__ import annotations

import csv
import io
import json
import math
import os
import time
from pathlib import Path
from typing import Any

from bench.errors import UsageError
from bench.schema import SAMPLE_COLUMN_NAMES, SAMPLE_COLUMNS


def new_run_id(short_sha: str, now: float | None = None) -> str:
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(now))
    return f"{stamp}-{short_sha}"


def write_json_atomic(path: Path, document: Any) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with tmp.open("w") as fh:
        json.dump(document, fh, indent=2, sort_keys=False, default=str)
        fh.write("\n")
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


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
        with self.samples_path.open("a", newline="") as fh:
            fh.write(buf.getvalue())
            fh.flush()
            os.fsync(fh.fileno())
        self.rows += 1

    def write_run(self, document: dict[str, Any]) -> None:
        write_json_atomic(self.path / "run.json", document)

    def write_json(self, name: str, document: Any) -> None:
        write_json_atomic(self.path / name, document)

    def locust_prefix(self, sample_id: str) -> Path:
        return self.path / "locust" / sample_id

    def hdr_prefix(self, sample_id: str) -> Path:
        """hdr/<sample-id>: the generator adds .latency.hdr, .service.hdr, .failures.hdr."""
        return self.path / "hdr" / sample_id
