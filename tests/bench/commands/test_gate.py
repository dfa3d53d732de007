"""The gate, for real under valgrind: a calibrated ~2% slowdown in one app fails it and is named;
the unchanged tree passes; repeated runs agree within 0.5%."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from bench import cli, frameworks
from bench.profiling import callgrind, driver, environment, result, server
from tests.bench.profiling import wheels

pytestmark = [
    pytest.mark.valgrind,
    pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed"),
]

SLOWDOWN_DIR = Path(__file__).resolve().parent.parent / "profiling"
SCENARIOS = ("plaintext", "json")
SETTINGS = callgrind.Settings(jobs=2)
"""The gate's own N. Counts are exact, but a request's share of garbage collection is not: a
collection falls inside the N..2N difference or not, which with N=20 moved bottle's figure by
0.9% between two runs of the same tree in a fresh clone; at the gate's N it stays far smaller."""
INJECTED = 0.02
"""The slowdown injected into bottle's /json, as a fraction of its measured cost."""
THRESHOLD = 0.01
"""Half the injection: decisive, yet far above the run-to-run spread (asserted < 0.5% below)."""
CALIBRATION_LOOPS = 5000
SERVED = server.SCENARIOS


def _rewritten(doc: dict[str, Any], folder: Path) -> str:
    copy = folder / "rewritten.json"
    result.write(doc, copy)
    return copy.read_text()


def _wrapper(loops: int) -> callgrind.Wrapper:
    kwargs = json.dumps({"path": "/json", "loops": loops})
    return callgrind.Wrapper("slowdown:wrap", str(SLOWDOWN_DIR), kwargs)


def _subject(name: str, wrapper: callgrind.Wrapper | None = None) -> callgrind.Subject:
    return callgrind.Subject(frameworks.get(name), frameworks.ROOT, SCENARIOS, wrapper)


def _per_request(cells: list[callgrind.Cell]) -> dict[tuple[str, str], float]:
    return {(c.framework, c.scenario): c.per_request for c in cells}


@pytest.fixture(scope="module")
def runs() -> dict[str, Any]:
    tools = callgrind.tools()
    # Run 1: the base tree, and the cost of one loop of the injected work (on raw-wsgi, cheap).
    base_subjects = [_subject("raw-wsgi"), _subject("bottle")]
    # The middleware costs something per request even with no loops: the per-loop cost is
    # measured over the middleware doing nothing.
    first = callgrind.run(
        [
            *base_subjects,
            _subject("raw-wsgi", _wrapper(CALIBRATION_LOOPS)),
            _subject("raw-wsgi", _wrapper(0)),
        ],
        SETTINGS,
        tl=tools,
    )
    base_cells = first[:4]
    calibration, idle = _per_request(first[4:6]), _per_request(first[6:8])
    base = _per_request(base_cells)
    key = ("raw-wsgi", "json")
    per_loop = (calibration[key] - idle[key]) / CALIBRATION_LOOPS
    loops = round(INJECTED * base[("bottle", "json")] / per_loop)
    # Run 2: bottle with the calibrated work on /json; bottle under the same middleware doing
    # nothing, the slowdown's own base (the wrapper's fixed cost, ~1% of bottle's /json, is a
    # larger share of its cheaper /plaintext); and the unchanged tree once more.
    slow_subject = _subject("bottle", _wrapper(loops))
    idle_subject = _subject("bottle", _wrapper(0))
    second = callgrind.run([slow_subject, idle_subject, *base_subjects], SETTINGS, tl=tools)
    slow_app, idle_app, again = second[:2], second[2:4], second[4:]

    def doc(cells: list[callgrind.Cell], subjects: list[callgrind.Subject]) -> dict[str, Any]:
        return result.document(cells, subjects, SETTINGS, tools)

    return {
        "base": doc(base_cells, base_subjects),
        "again": doc(again, base_subjects),
        "slow": doc(again[:2] + slow_app, [base_subjects[0], slow_subject]),
        "idle": doc(again[:2] + idle_app, [base_subjects[0], idle_subject]),
        "loops": loops,
    }


def test_repeated_runs_of_the_same_tree_agree_within_half_a_percent(runs: dict[str, Any]) -> None:
    rows = result.compare(runs["base"], runs["again"])
    assert len(rows) == 4
    for row in rows:
        assert row.change is not None and abs(row.change) < 0.005, row


def test_the_unchanged_tree_passes(runs: dict[str, Any]) -> None:
    assert result.regressions(result.compare(runs["base"], runs["again"]), THRESHOLD) == []


def test_a_two_percent_slowdown_in_one_app_fails_the_gate_and_names_that_cell(
    runs: dict[str, Any],
) -> None:
    assert runs["loops"] > 0
    rows = result.compare(runs["idle"], runs["slow"])
    bad = result.regressions(rows, THRESHOLD)
    assert [(r.framework, r.scenario) for r in bad] == [("bottle", "json")]
    # Calibrated on raw-wsgi's per-loop cost, the work lands at 1.2-2% of bottle's /json over
    # the same middleware doing nothing (measured here): above the gate's 1%, under 3%.
    assert bad[0].change is not None and 0.01 < bad[0].change < 0.03, bad[0]
    assert "bottle/json" in result.markdown(rows, THRESHOLD, "base", "head")


def _main(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = cli.main(argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_gate_command_against_a_stored_baseline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    baseline = tmp_path / "baseline.json"
    small = ["--requests", "10", "--warmup", "2", "--level", "app"]
    code, _, err = _main(["profile", "raw-wsgi", *small, "--output", str(baseline)], capsys)
    assert code == 0, err
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    gate = [
        "gate", "--baseline", str(baseline), "--frameworks", "raw-wsgi", "--threshold", "1%",
        "--level", "app",
    ]  # fmt: skip

    code, out, err = _main([*gate, "--output-dir", str(tmp_path / "out")], capsys)
    assert code == 0, err
    assert "| raw-wsgi | app | json |" in out and "Gate passed" in out
    assert "| raw-wsgi | app | json |" in summary.read_text()
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "base.json",
        "head.json",
        "report.md",
    ]

    # A baseline 5% cheaper on /json: the working tree now costs more there, and only there.
    doc = json.loads(baseline.read_text())
    for cell in doc["cells"]:
        if cell["scenario"] == "json":
            cell["instructions_per_request"] *= 0.95
    baseline.write_text(json.dumps(doc))
    code, out, err = _main(gate, capsys)
    assert code == 1
    assert "raw-wsgi/json (app): +" in err and "raw-wsgi/plaintext" not in err
    assert "**regressed**" in out


def test_a_scenario_removed_from_the_head_fails_the_gate_naming_the_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    baseline = tmp_path / "baseline.json"
    small = ["--requests", "5", "--warmup", "2", "--level", "app"]
    code, _, err = _main(["profile", "raw-asgi", *small, "--output", str(baseline)], capsys)
    assert code == 0, err
    # The head's driver no longer offers /json to the bare apps: its cell disappears.
    monkeypatch.setattr(driver, "BASELINE_SCENARIOS", ("plaintext",))
    gate = ["gate", "--baseline", str(baseline), "--frameworks", "raw-asgi", "--level", "app"]
    code, out, err = _main(gate, capsys)
    assert code == 1
    assert "gate failed: raw-asgi/json (app): counted in the base, missing in the head" in err
    assert "raw-asgi/plaintext" not in err and "**missing**" in out
    # Narrowed to what the head still counts, nothing is missing.
    code, _, err = _main([*gate, "--scenarios", "plaintext"], capsys)
    assert code == 0, err


def test_an_incomparable_baseline_is_refused_before_measuring(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stored = Path(__file__).resolve().parents[3] / "bench" / "baselines" / "instructions.json"
    doc = copy.deepcopy(result.load(stored))
    doc["environment"]["python"] = "3.10.0"
    baseline = tmp_path / "old.json"
    baseline.write_text(json.dumps(doc))
    monkeypatch.setattr(callgrind, "run", pytest.fail)  # nothing may be measured
    code, _, err = _main(["gate", "--baseline", str(baseline)], capsys)
    assert code == 2
    assert "python differs: base '3.10.0'" in err and len(err.strip().splitlines()) == 1


def test_missing_valgrind_is_refused_in_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(callgrind.shutil, "which", lambda name: None)
    code, _, err = _main(["gate"], capsys)
    assert code == 2
    assert err.strip() == (
        "error: valgrind is not installed (apt-get install valgrind, or make system)"
    )


def test_the_committed_baseline_covers_every_app_and_scenario(tmp_path: Path) -> None:
    stored = Path(__file__).resolve().parents[3] / "bench" / "baselines" / "instructions.json"
    doc = result.load(stored)
    cells = {result.cell_key(c) for c in doc["cells"]}
    expected = {
        (fw.name, "app", scenario)
        for fw in frameworks.FRAMEWORKS
        for scenario in callgrind.scenarios_for(fw)
    } | {(fw.name, "server", scenario) for fw in frameworks.FRAMEWORKS for scenario in SERVED}
    assert cells == expected
    # Stored as `make baseline` writes it: sorted, so that a refresh diffs cell by cell.
    assert stored.read_text() == _rewritten(doc, tmp_path)
    assert all(c["instructions_per_request"] > 0 for c in doc["cells"])


def test_gate_command_against_a_base_commit_measured_in_the_same_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    app = repo / "apps" / "raw_wsgi" / "app.py"
    shutil.copytree(
        frameworks.ROOT / "apps" / "raw_wsgi",
        app.parent,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], check=True)
    monkeypatch.setattr(frameworks, "ROOT", repo)
    gate = ["gate", "--base", "HEAD", "--frameworks", "raw-wsgi", "--requests", "5"]
    gate += ["--level", "app"]

    code, out, err = _main([*gate, "--warmup", "2", "--output-dir", str(tmp_path / "out")], capsys)
    assert code == 0, err
    assert "against base HEAD" in out and "Gate passed" in out
    # The same code from two folders (the tree and the base's worktree) costs the same.
    base, head = (result.load(tmp_path / "out" / f"{side}.json") for side in ("base", "head"))
    assert base["source"]["root"] != head["source"]["root"]
    for row in result.compare(base, head):
        assert row.change is not None and abs(row.change) < 0.005, row

    # A change in the working tree that makes /json do more work per request.
    app.write_text(
        app.read_text()
        + "\n\n_json = hello_json\n\n\ndef slower_json(environ):\n"
        + "    sum(i * i for i in range(300))\n    return _json(environ)\n\n\n"
        + 'ROUTES["/json"] = slower_json\n'
    )
    code, out, err = _main([*gate, "--warmup", "2"], capsys)
    assert code == 1
    assert "raw-wsgi/json" in err and "raw-wsgi/plaintext" not in err
    listing = subprocess.run(
        [*git, "worktree", "list", "--porcelain"], capture_output=True, text=True, check=True
    ).stdout
    assert [line for line in listing.splitlines() if line.startswith("worktree ")] == [
        f"worktree {repo}"
    ]  # the base's worktree is gone


TINY_V1 = "def work():\n    return 0\n"
TINY_V2 = "def work():\n    return sum(i * i for i in range(400))\n"
"""Version 2 of the locked package does more on every call: ~+100% of the bare /json."""


def test_a_lock_change_is_counted_in_the_base_s_own_environment_and_listed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "wheels"
    one = wheels.build(folder, "tinypkg", "1.0", TINY_V1)
    two = wheels.build(folder, "tinypkg", "2.0", TINY_V2)
    repo = tmp_path / "repo"
    app = repo / "apps" / "raw_wsgi" / "app.py"
    shutil.copytree(
        frameworks.ROOT / "apps" / "raw_wsgi",
        app.parent,
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    # The app calls the locked package on /json: its cost there follows the package's version.
    app.write_text(
        app.read_text().replace(
            "def hello_json(environ: dict[str, Any]) -> tuple[bytes, str]:\n",
            "def hello_json(environ: dict[str, Any]) -> tuple[bytes, str]:\n    tinypkg.work()\n",
        )
        + "\n\nimport tinypkg  # noqa: E402\n"
    )
    lock = repo / environment.LOCK_NAME
    lock.write_text(wheels.lock_line(one, "tinypkg", "1.0"))
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "base"], check=True)
    lock.write_text(wheels.lock_line(two, "tinypkg", "2.0"))  # the head upgrades it
    monkeypatch.setattr(frameworks, "ROOT", repo)
    monkeypatch.setenv(environment.CACHE_ENV, str(tmp_path / "cache"))
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(folder))
    gate = ["gate", "--base", "HEAD", "--frameworks", "raw-wsgi", "--level", "app"]
    gate += ["--requests", "5", "--warmup", "2", "--output-dir", str(tmp_path / "out")]

    code, out, err = _main(gate, capsys)
    assert code == 1, err
    assert "- tinypkg 1.0 -> 2.0" in out
    venvs = tmp_path / "cache" / "venvs"
    assert f"Base counted in: venv {venvs}/" in out and f"Head counted in: venv {venvs}/" in out
    assert "gate failed: raw-wsgi/json (app): +" in err and "plaintext (app)" not in err
    base, head = (result.load(tmp_path / "out" / f"{side}.json") for side in ("base", "head"))
    assert base["environment"]["lock"]["packages"] == {"tinypkg": "1.0"}
    assert head["environment"]["lock"]["packages"] == {"tinypkg": "2.0"}
    assert base["environment"]["lock"]["sha256"] != head["environment"]["lock"]["sha256"]
