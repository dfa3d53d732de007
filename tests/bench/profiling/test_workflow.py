"""The GitHub workflow: valid against the workflow schema, offline, and runs what the gate needs."""

from __future__ import annotations

import re
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


def _steps() -> list[dict[str, Any]]:
    steps: list[dict[str, Any]] = _load()["jobs"]["test-and-gate"]["steps"]
    return steps


def test_it_runs_tests_and_the_gate_on_pull_requests_and_pushes() -> None:
    workflow = _load()
    assert set(workflow["on"]) == {"pull_request", "push"}
    steps = _steps()
    by_action = {str(s["uses"]).split("@")[0]: s for s in steps if "uses" in s}
    assert by_action["actions/checkout"]["with"]["fetch-depth"] == 0
    assert by_action["actions/setup-python"]["with"]["python-version"] == "3.11"
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "apt-get install" in runs and "valgrind" in runs
    assert "make test" in runs and "make lint" in runs
    pr = next(s for s in steps if "base branch" in s.get("name", ""))
    assert pr["if"] == "github.event_name == 'pull_request'"
    assert '--base "origin/$BASE_REF"' in pr["run"] and pr["env"]["BASE_REF"] == (
        "${{ github.base_ref }}"
    )
    push = next(s for s in steps if "committed baseline" in s.get("name", ""))
    assert push["if"] == "github.event_name == 'push'"
    assert "--baseline bench/baselines/instructions.json" in push["run"]
    wall = next(s for s in steps if "Wall-clock" in s.get("name", ""))
    assert wall["continue-on-error"] is True and "bench compare" in wall["run"]
    upload = by_action["actions/upload-artifact"]
    assert upload["if"] == "always()" and "gate/" in upload["with"]["path"]


def test_the_token_is_read_only() -> None:
    workflow = _load()
    assert workflow["permissions"] == {}
    for job in workflow["jobs"].values():
        assert job["permissions"] == {"contents": "read"}
    checkout = next(s for s in _steps() if str(s.get("uses", "")).startswith("actions/checkout"))
    assert checkout["with"]["persist-credentials"] is False


def test_every_action_is_pinned_by_commit_sha_and_names_its_tag() -> None:
    lines = [line for line in WORKFLOW.read_text().splitlines() if "uses:" in line]
    assert len(lines) == 3
    for line in lines:
        assert re.search(r"uses: [\w.-]+/[\w.-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$", line), line


def test_no_expression_is_interpolated_into_a_shell_script() -> None:
    for step in _steps():
        assert "${{" not in step.get("run", ""), step.get("name")


def test_the_workflow_never_refreshes_the_baseline() -> None:
    text = WORKFLOW.read_text()
    runs = "\n".join(s.get("run", "") for s in _steps())
    assert "make baseline" not in runs and "bench profile" not in runs
    assert "git commit" not in runs and "git push" not in runs
    assert "contents: write" not in text


ZIZMOR = Path(sys.executable).with_name("zizmor")


def test_zizmor_finds_nothing_offline_and_catches_an_injection(tmp_path: Path) -> None:
    """The linter `make lint` runs: clean on the workflow, and not silent on a bad one."""
    argv = [str(ZIZMOR), "--offline", "--min-severity", "low"]
    done = subprocess.run(
        [*argv, str(WORKFLOW)], check=False, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    bad = tmp_path / "bad.yml"
    bad.write_text(
        WORKFLOW.read_text().replace(
            '--base "origin/$BASE_REF"', '--base "origin/${{ github.event.pull_request.title }}"'
        )
    )
    done = subprocess.run([*argv, str(bad)], check=False, capture_output=True, text=True)
    assert done.returncode != 0 and "template-injection" in done.stdout + done.stderr
