"""Reading a run directory: schema version checked, clear errors, newest complete run found."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.errors import UsageError
from bench.report.load import load, newest_complete
from tests.bench.report.synthetic import Synthetic, write


def test_load_reads_samples_typed_by_the_schema(tmp_path: Path) -> None:
    run = load(write(tmp_path))
    assert run.run_id == Synthetic().run_id and run.status == "complete"
    assert run.samples["generator_bound"].dtype == bool
    assert run.samples["server_cpu_us_per_req"].dtype.kind == "f"
    assert set(run.facts) >= {"flask", "bottle"}


def test_an_unknown_schema_version_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path)
    doc = json.loads((path / "run.json").read_text())
    doc["schema_version"] = 99
    (path / "run.json").write_text(json.dumps(doc))
    with pytest.raises(UsageError, match="schema_version 99"):
        load(path)


def test_missing_directories_get_one_clear_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="does not exist"):
        load(tmp_path / "nope")
    with pytest.raises(UsageError, match=r"no run\.json"):
        load(tmp_path)


def test_newest_complete_skips_incomplete_runs(tmp_path: Path) -> None:
    write(tmp_path, Synthetic(run_id="20261125T100000Z-aaa"))
    write(tmp_path, Synthetic(run_id="20261125T110000Z-bbb"))
    write(tmp_path, Synthetic(run_id="20261125T120000Z-ccc", status="incomplete"))
    assert newest_complete(tmp_path).name == "20261125T110000Z-bbb"


def test_no_complete_run_is_a_usage_error(tmp_path: Path) -> None:
    write(tmp_path, Synthetic(status="incomplete"))
    with pytest.raises(UsageError, match="no complete run"):
        newest_complete(tmp_path)
