"""Check a results directory against the schema: run.json (JSON schema), samples.csv (columns,
types, nullability from bench.schema), and the raw files every sample row names."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from bench.schema import SAMPLE_COLUMN_NAMES, SAMPLE_COLUMNS, ColumnType

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
