"""The gate's logic on synthetic result documents: no valgrind, no apps."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from bench.errors import UsageError
from bench.profiling import result


def doc(cells: dict[tuple[str, str], float], **environment: Any) -> dict[str, Any]:
    env = {
        "python": "3.11.7",
        "implementation": "CPython",
        "compiler": "GCC 12.2.0",
        "config_options": ["--enable-shared"],
        "machine": "x86_64",
        "cpu_model": "AMD EPYC",
        "libc": "glibc 2.36",
        "valgrind": "valgrind-3.19.0",
    }
    env.update(environment)
    names = {fw for fw, _ in cells}
    return {
        "schema_version": result.INSTRUCTIONS_SCHEMA_VERSION,
        "kind": result.KIND,
        "environment": env,
        "settings": {"driver_version": 1, "requests": 100, "warmup": 5},
        "frameworks": {
            name: {"packages": {"flask": "3.1.0"} if name == "flask" else {}} for name in names
        },
        "cells": [
            {"framework": fw, "scenario": sc, "instructions_per_request": value}
            for (fw, sc), value in cells.items()
        ],
    }


BASE = {("flask", "json"): 100_000.0, ("flask", "plaintext"): 90_000.0, ("raw-wsgi", "json"): 5e3}


def test_a_cell_over_the_threshold_fails_and_is_named() -> None:
    head = dict(BASE)
    head[("flask", "json")] = 102_500.0  # +2.5%
    head[("raw-wsgi", "json")] = 5_009.0  # +0.18%: under both thresholds
    rows = result.compare(doc(BASE), doc(head))
    bad = result.regressions(rows, 0.02)
    assert [(r.framework, r.scenario) for r in bad] == [("flask", "json")]
    assert bad[0].change == pytest.approx(0.025)
    table = result.markdown(rows, 0.02, "base", "head")
    assert "| flask | app | json | 100,000 | 102,500 | +2.50% | **regressed** |" in table
    assert "Gate failed" in table and "flask/json (app): +2.50%" in table
    found = result.verdict(rows, 0.02, 0.005)
    # flask's mean over its two cells is +1.24%: over 0.5% too; raw-wsgi's is not.
    assert [c.framework for c in found.creeping] == ["flask"]
    assert found.missing == []


def test_identical_and_cheaper_results_pass() -> None:
    head = dict(BASE)
    head[("flask", "plaintext")] = 80_000.0
    rows = result.compare(doc(BASE), doc(head))
    assert not result.verdict(rows, 0.02, 0.005).failed
    assert {r.scenario: r.status(0.02) for r in rows if r.framework == "flask"} == {
        "json": "same",
        "plaintext": "improved",
    }
    assert "Gate passed" in result.markdown(rows, 0.02, "base", "head")


def test_a_cell_the_base_lacks_is_new_not_a_failure() -> None:
    head = {**BASE, ("django", "json"): 400_000.0}
    rows = result.compare(doc(BASE), doc(head))
    new = [r for r in rows if r.framework == "django"]
    assert new[0].status(0.02) == "new" and new[0].change is None
    assert not result.verdict(rows, 0.02, 0.005).failed


def test_a_cell_missing_in_the_head_fails_and_is_named() -> None:
    head = {k: v for k, v in BASE.items() if k != ("flask", "plaintext")}
    rows = result.compare(doc(BASE), doc(head))
    found = result.verdict(rows, 0.02, 0.005)
    assert found.failed and [r.name for r in found.missing] == ["flask/plaintext (app)"]
    assert found.lines(0.02, 0.005) == [
        "flask/plaintext (app): counted in the base, missing in the head"
    ]
    table = result.markdown(rows, 0.02, "base", "head")
    assert "| flask | app | plaintext | 90,000 | — |  | **missing** |" in table
    # Outside a narrowed selection (--scenarios json) the same cell is not expected.
    narrowed = result.compare(doc(BASE), doc(head), lambda key: key[2] == "json")
    assert not result.verdict(narrowed, 0.02, 0.005).failed


def test_creep_under_the_cell_threshold_is_caught_by_the_geometric_mean() -> None:
    head = {key: value * 1.019 for key, value in BASE.items()}  # +1.9% everywhere
    rows = result.compare(doc(BASE), doc(head))
    found = result.verdict(rows, 0.02, 0.005)
    assert found.regressed == [] and found.missing == []
    assert [(c.framework, c.cells) for c in found.creeping] == [("flask", 2), ("raw-wsgi", 1)]
    assert found.creeping[0].change == pytest.approx(0.019)
    assert "flask: geometric mean over its 2 cells +1.90% (over 0.50%)" in found.lines(0.02, 0.005)
    # One cell up 1%, one down 1%: no creep.
    mixed = {**BASE, ("flask", "json"): 101_000.0, ("flask", "plaintext"): 89_100.0}
    assert result.verdict(result.compare(doc(BASE), doc(mixed)), 0.02, 0.005).creeping == []


def test_levels_are_separate_cells() -> None:
    base, head = doc(BASE), doc(BASE)
    head["cells"].append(
        {
            "framework": "flask",
            "level": "server",
            "scenario": "json",
            "instructions_per_request": 1e6,
        }
    )
    rows = result.compare(base, head)
    assert [r.name for r in rows if r.status(0.02) == "new"] == ["flask/json (server)"]
    # A version 1 document has no level: its cells are the in-process ones.
    assert all(r.level == "app" for r in rows if r.base is not None)


def test_exactly_at_the_threshold_passes() -> None:
    head = {**BASE, ("flask", "json"): 102_000.0}
    rows = result.compare(doc(BASE), doc(head))
    assert result.regressions(rows, 0.0201) == []
    assert len(result.regressions(rows, 0.0199)) == 1


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("python", "3.11.9"),
        ("implementation", "PyPy"),
        ("compiler", "GCC 11.4.0"),
        ("config_options", ["--enable-optimizations", "--enable-shared"]),
        ("machine", "aarch64"),
    ],
)
def test_another_python_or_architecture_is_incomparable(key: str, value: Any) -> None:
    reasons = result.incomparable(doc(BASE), doc(BASE, **{key: value}))
    assert len(reasons) == 1 and reasons[0].startswith(f"{key} differs")


def test_another_package_version_is_measured_and_listed_not_refused() -> None:
    head = doc(BASE)
    head["frameworks"]["flask"]["packages"]["flask"] = "3.2.0"
    assert result.incomparable(doc(BASE), head) == []
    assert result.changed_packages(doc(BASE), head) == ["flask 3.1.0 -> 3.2.0"]
    # A document with a lock lists the lock's pins: added and removed ones too.
    base, head = doc(BASE), doc(BASE)
    base["environment"]["lock"] = {"packages": {"flask": "3.1.0", "gone": "1.0"}}
    head["environment"]["lock"] = {"packages": {"flask": "3.2.0", "new": "2.0"}}
    assert result.changed_packages(base, head) == [
        "flask 3.1.0 -> 3.2.0",
        "gone 1.0 -> none",
        "new none -> 2.0",
    ]


def test_other_settings_are_incomparable() -> None:
    head = doc(BASE)
    head["settings"]["requests"] = 50
    assert result.incomparable(doc(BASE), head) == ["requests differs: base 100, head 50"]


def test_cpu_libc_and_valgrind_are_noted_not_refused() -> None:
    head = doc(BASE, cpu_model="Intel Xeon", valgrind="valgrind-3.22.0", libc="glibc 2.39")
    assert result.incomparable(doc(BASE), head) == []
    assert len(result.notes(doc(BASE), head)) == 3


@pytest.mark.parametrize(("text", "value"), [("2%", 0.02), ("2", 0.02), (" 0.5 % ", 0.005)])
def test_threshold_is_a_percentage(text: str, value: float) -> None:
    assert result.parse_threshold(text) == pytest.approx(value)


@pytest.mark.parametrize("text", ["abc", "-1%", "0", "nan", "100%", ""])
def test_bad_threshold_is_a_usage_error(text: str) -> None:
    with pytest.raises(UsageError):
        result.parse_threshold(text)


def test_write_then_load_round_trips_and_leaves_no_temporary_file(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "instructions.json"
    result.write(doc(BASE), path)
    loaded = result.load(path)
    assert {result.cell_key(c) for c in loaded["cells"]} == {
        result.cell_key(c) for c in doc(BASE)["cells"]
    }
    assert [p.name for p in path.parent.iterdir()] == ["instructions.json"]


def test_a_written_document_is_sorted_so_a_refresh_diffs_cleanly(tmp_path: Path) -> None:
    shuffled = doc(BASE)
    shuffled["cells"].reverse()
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    result.write(doc(BASE), a)
    result.write(shuffled, b)
    assert a.read_text() == b.read_text()
    keys = [result.cell_key(c) for c in json.loads(a.read_text())["cells"]]
    assert keys == sorted(keys)


def test_load_refuses_what_it_cannot_read(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no such baseline"):
        result.load(tmp_path / "missing.json")
    garbled = tmp_path / "garbled.json"
    garbled.write_text("{")
    with pytest.raises(UsageError, match="not a readable JSON"):
        result.load(garbled)
    future = copy.deepcopy(doc(BASE))
    future["schema_version"] = 99
    (tmp_path / "future.json").write_text(json.dumps(future))
    with pytest.raises(UsageError, match="schema_version 99"):
        result.load(tmp_path / "future.json")
    (tmp_path / "other.json").write_text(json.dumps({"schema_version": 1, "kind": "run"}))
    with pytest.raises(UsageError, match="not an instructions"):
        result.load(tmp_path / "other.json")
