"""Which stored calibration a run may take its offered rates from."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.runner import calibration, environment


def _here() -> dict[str, Any]:
    return environment.collect((0,), (1,))


def _store(results: Path, stamp: str, env: dict[str, Any], ceiling: float = 4000.0) -> Path:
    path = results / f"calibration-{stamp}-abcdef12.json"
    doc = {
        "kind": "calibration",
        "server_cpus": [0],
        "generator_cpus": [1],
        "locust_ceiling_rps": ceiling,
        "environment": env,
    }
    path.write_text(json.dumps(doc))
    return path


def test_the_newest_file_from_this_machine_and_generator_is_taken(tmp_path: Path) -> None:
    here = _here()
    _store(tmp_path, "20261101T000000Z", here, 3000.0)
    newest = _store(tmp_path, "20261102T000000Z", here, 4000.0)
    found = calibration.latest(tmp_path, (0,), (1,), here)
    assert found is not None and found[0] == newest and found[1]["locust_ceiling_rps"] == 4000.0


def test_a_file_from_another_cpu_or_locust_version_is_not_reused(tmp_path: Path) -> None:
    here = _here()
    kept = _store(tmp_path, "20261101T000000Z", here)
    other_cpu = {**here, "cpu_model": "Some Other CPU @ 5.0GHz"}
    other_locust = {**here, "packages": {**here["packages"], "locust": "0.1"}}
    _store(tmp_path, "20261102T000000Z", other_cpu)
    _store(tmp_path, "20261103T000000Z", other_locust)
    _store(tmp_path, "20261104T000000Z", {})  # says nothing of where it was made
    found = calibration.latest(tmp_path, (0,), (1,), here)
    assert found is not None and found[0] == kept


def test_other_pinning_or_no_match_means_none(tmp_path: Path) -> None:
    here = _here()
    _store(tmp_path, "20261101T000000Z", here)
    assert calibration.latest(tmp_path, (1,), (0,), here) is None
    assert calibration.latest(tmp_path / "nowhere", (0,), (1,), here) is None
