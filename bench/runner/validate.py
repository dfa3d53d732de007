"""Check a results directory against the schema.

`problems()` lists everything wrong (run.json against the JSON schema, samples.csv's columns,
types and nullability from bench.schema, the raw files every row names): for tests and audits.
`check()` is what every reader calls first (`report`, `compare`): the first problem that would
make a reading wrong, as one line naming the file, so that a damaged or partial run is refused
instead of loading with NaN rows or ending in a traceback.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from bench.errors import UsageError
from bench.schema import (
    RUN_STATUSES,
    SAMPLE_COLUMN_NAMES,
    SAMPLE_COLUMNS,
    Column,
    ColumnType,
    check_version,
    columns_for,
)

RUN_SCHEMA = Path(__file__).resolve().parent.parent / "run.schema.json"


def _parses(value: str, kind: ColumnType) -> bool:
    try:
        if kind == "int":
            int(value)
        elif kind == "float":
            float(value)
        elif kind == "bool":
            return value in ("true", "false")
    except ValueError:
        return False
    return True


_BOOLS = {"true", "false", "t", "f", "1", "0", "yes", "no"}
"""What bench.report.load reads as a bool (files written by other tools spell them so)."""


def _readable(value: str, kind: ColumnType) -> bool:
    if kind == "bool":
        return value.strip().lower() in _BOOLS
    return _parses(value, kind)


def problems(run_dir: Path) -> list[str]:
    """Everything wrong with `run_dir`; empty when it is valid."""
    import jsonschema

    found: list[str] = []
    document = json.loads((run_dir / "run.json").read_text())
    validator = jsonschema.Draft202012Validator(json.loads(RUN_SCHEMA.read_text()))
    found += [f"run.json: {e.json_path}: {e.message}" for e in validator.iter_errors(document)]
    with (run_dir / "samples.csv").open(newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        if tuple(header) != SAMPLE_COLUMN_NAMES:
            return [*found, f"samples.csv: header {header} != bench.schema.SAMPLE_COLUMNS"]
        rows = list(reader)
    for n, row in enumerate(rows, start=2):
        if len(row) != len(SAMPLE_COLUMNS):
            found.append(f"samples.csv:{n}: {len(row)} fields, expected {len(SAMPLE_COLUMNS)}")
            continue
        for column, value in zip(SAMPLE_COLUMNS, row, strict=True):
            if value == "":
                if not column.nullable and column.type != "str":
                    found.append(f"samples.csv:{n}: {column.name} is empty")
            elif not _parses(value, column.type):
                found.append(f"samples.csv:{n}: {column.name}={value!r} is not {column.type}")
        sample_id = row[SAMPLE_COLUMN_NAMES.index("sample_id")]
        hdrs = [f"hdr/{sample_id}.{kind}.hdr" for kind in ("latency", "service", "failures")]
        for raw in (f"locust/{sample_id}_stats.csv", *hdrs):
            if not (run_dir / raw).is_file():
                found.append(f"samples.csv:{n}: {raw} missing")
    if document.get("samples") != len(rows) and document.get("status") != "running":
        found.append(f"run.json samples={document.get('samples')} but samples.csv has {len(rows)}")
    return found


class DamagedRunError(UsageError):
    """A results directory that cannot be read as written: one line naming the file and why."""


def _text(path: Path) -> str:
    """The file as UTF-8, or one line saying where it is not."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise DamagedRunError(f"{path}: missing") from None
    except OSError as exc:
        raise DamagedRunError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DamagedRunError(
            f"{path}: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})"
        ) from None


def read_run_json(path: Path) -> dict[str, Any]:
    """run.json (or any results JSON object) parsed, or one DamagedRunError."""
    try:
        document = json.loads(_text(path))
    except json.JSONDecodeError as exc:
        raise DamagedRunError(
            f"{path}: not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno})"
        ) from None
    if not isinstance(document, dict):
        raise DamagedRunError(f"{path}: expected a JSON object, got {type(document).__name__}")
    return document


def check(run_dir: Path) -> dict[str, Any]:
    """run.json of `run_dir` when it and samples.csv can be read as written; else one
    DamagedRunError naming the file and the first problem (what `report`, `compare` read)."""
    if not run_dir.is_dir():
        raise UsageError(f"results directory {run_dir} does not exist")
    run_json = run_dir / "run.json"
    if not run_json.is_file():
        raise DamagedRunError(f"{run_dir} has no run.json: not a results directory")
    document = read_run_json(run_json)
    version = check_version(document, str(run_json))
    status = document.get("status")
    if status not in RUN_STATUSES:
        raise DamagedRunError(f"{run_json}: status {status!r} is not one of {RUN_STATUSES}")
    if status == "running":
        raise DamagedRunError(
            f"{run_json}: status running: the run is in progress, or was killed "
            "(`python -m bench clean` ends what it left and marks it incomplete)"
        )
    samples = run_dir / "samples.csv"
    if not samples.is_file():
        raise DamagedRunError(f"{samples}: missing")
    rows = _check_samples(samples, _text(samples), columns_for(version), strict=version >= 2)
    recorded = document.get("samples")
    # A document without the count (written by hand, or by an older tool) cannot be checked.
    if isinstance(recorded, int) and recorded != rows:
        raise DamagedRunError(
            f"{samples}: {rows} rows, but {run_json.name} says samples={recorded} "
            "(rows lost, or added after the run)"
        )
    return document


def _check_samples(path: Path, text: str, columns: tuple[Column, ...], *, strict: bool) -> int:
    """The number of data rows; a DamagedRunError on the first malformed one."""
    if text and not text.endswith("\n"):
        line = text.count("\n") + 1
        raise DamagedRunError(f"{path}:{line}: the last row is cut short (truncated file)")
    reader = csv.reader(io.StringIO(text))
    header = next(reader, None)
    if header is None:
        raise DamagedRunError(f"{path}: empty (not even a header)")
    names = tuple(c.name for c in columns)
    if strict and tuple(header) != names:
        extra = [h for h in header if h not in names]
        missing = [n for n in names if n not in header]
        raise DamagedRunError(
            f"{path}:1: header differs from bench.schema: unknown {extra}, missing {missing}"
        )
    kinds = {c.name: c for c in columns}
    rows = 0
    for row in reader:
        rows += 1
        line = reader.line_num
        if len(row) != len(header):
            what = "extra fields" if len(row) > len(header) else "fields missing"
            raise DamagedRunError(
                f"{path}:{line}: {len(row)} fields, the header has {len(header)} ({what})"
            )
        for name, value in zip(header, row, strict=True):
            column = kinds.get(name)
            # An empty cell reads as missing (NaN), which every reader handles; a value that
            # is not of its column's type would turn into NaN without a word.
            if column is None or not strict or value == "":
                continue
            if not _readable(value, column.type):
                raise DamagedRunError(f"{path}:{line}: {name}={value!r} is not {column.type}")
    return rows
