"""The GitHub workflow: valid against the workflow schema, offline, and runs what the gate needs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parents[3]
WORKFLOW = ROOT / ".github" / "workflows" / "bench.yml"
CHECK_JSONSCHEMA = Path(sys.executable).with_name("check-jsonschema")


def _validate(path: Path) -> subprocess.CompletedProcess[str]:
    argv = [str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.github-workflows", str(path)]
    # In a network namespace of its own when possible: proves the schema is the vendored copy.
    unshare = shutil.which("unshare")
    if (
        unshare
        and subprocess.run([unshare, "-n", "true"], check=False, capture_output=True).returncode
        == 0
    ):
        argv = [unshare, "-n", *argv]
    return subprocess.run(argv, check=False, capture_output=True, text=True, timeout=120)


def test_the_workflow_is_valid_against_the_vendored_schema_offline() -> None:
    done = _validate(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_broken_workflow_is_rejected(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yml"
    broken.write_text(WORKFLOW.read_text().replace("runs-on:", "runs_on:"))
    done = _validate(broken)
    assert done.returncode == 1 and "runs-on" in done.stdout + done.stderr


def _load() -> dict[Any, Any]:
    loaded: dict[Any, Any] = YAML(typ="safe").load(WORKFLOW.read_text())
    return loaded


def test_it_runs_tests_and_the_gate_on_pull_requests_and_pushes() -> None:
    workflow = _load()
    assert set(workflow["on"]) == {"pull_request", "push"}
    steps = workflow["jobs"]["test-and-gate"]["steps"]
    by_name = {s.get("name", s.get("uses")): s for s in steps}
    assert by_name["actions/checkout@v4"]["with"]["fetch-depth"] == 0
    assert by_name["actions/setup-python@v5"]["with"]["python-version"] == "3.11"
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "apt-get install" in runs and "valgrind" in runs
    assert "make test" in runs
    pr = next(s for s in steps if "base branch" in s.get("name", ""))
    assert pr["if"] == "github.event_name == 'pull_request'"
    assert '--base "origin/${{ github.base_ref }}"' in pr["run"]
    push = next(s for s in steps if "committed baseline" in s.get("name", ""))
    assert push["if"] == "github.event_name == 'push'"
    assert "--baseline bench/baselines/instructions.json" in push["run"]
    wall = next(s for s in steps if "Wall-clock" in s.get("name", ""))
    assert wall["continue-on-error"] is True and "bench compare" in wall["run"]
    upload = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-artifact"))
    assert upload["if"] == "always()" and "gate/" in upload["with"]["path"]
