"""The results store: never overwrites, rows are durable and typed, run.json is atomic."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from bench.errors import UsageError
from bench.runner.store import RunStore, format_cell, write_json_atomic
from bench.schema import SAMPLE_COLUMN_NAMES


def _row(**override: object) -> dict[str, object]:
    row: dict[str, object] = {name: 1 for name in SAMPLE_COLUMN_NAMES}
    row.update(override)
    return row


def test_a_second_run_with_the_same_id_gets_its_own_directory(tmp_path: Path) -> None:
    first = RunStore(tmp_path, "20260101T000000Z-abc")
    (first.path / "marker").write_text("x")
    second = RunStore(tmp_path, "20260101T000000Z-abc")
    assert second.path != first.path
    assert (first.path / "marker").read_text() == "x"


def test_missing_results_dir_is_a_usage_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        RunStore(tmp_path / "nope", "x")


def test_rows_are_appended_in_schema_order(tmp_path: Path) -> None:
    store = RunStore(tmp_path, "r")
    store.append_sample(_row(sample_id="a", latency_p50_us=math.nan, generator_bound=True))
    store.append_sample(_row(sample_id="b", offered_rps=None, generator_bound=False))
    with store.samples_path.open() as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == list(SAMPLE_COLUMN_NAMES)
    assert [r["sample_id"] for r in rows] == ["a", "b"]
    assert rows[0]["latency_p50_us"] == "" and rows[1]["offered_rps"] == ""
    assert rows[0]["generator_bound"] == "true" and rows[1]["generator_bound"] == "false"


def test_a_row_with_unknown_or_missing_columns_is_refused(tmp_path: Path) -> None:
    store = RunStore(tmp_path, "r")
    with pytest.raises(ValueError, match="unknown"):
        store.append_sample(_row(bogus=1))
    row = _row()
    del row["requests"]
    with pytest.raises(ValueError, match="missing"):
        store.append_sample(row)
    assert store.samples_path.read_text().count("\n") == 1


def test_atomic_json_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "run.json"
    write_json_atomic(target, {"a": 1})
    write_json_atomic(target, {"a": 2})
    assert json.loads(target.read_text()) == {"a": 2}
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_floats_keep_sub_microsecond_digits() -> None:
    assert format_cell(312.25) == "312.25"
    assert format_cell(None) == ""
