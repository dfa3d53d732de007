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
    head[("raw-wsgi", "json")] = 5_090.0  # +1.8%: under 2%
    rows = result.compare(doc(BASE), doc(head))
    bad = result.regressions(rows, 0.02)
    assert [(r.framework, r.scenario) for r in bad] == [("flask", "json")]
    assert bad[0].change == pytest.approx(0.025)
    table = result.markdown(rows, 0.02, "base", "head")
    assert "| flask | json | 100,000 | 102,500 | +2.50% | **regressed** |" in table
    assert "Gate failed" in table and "flask/json" in table


def test_identical_and_cheaper_results_pass() -> None:
    head = dict(BASE)
    head[("flask", "plaintext")] = 80_000.0
    rows = result.compare(doc(BASE), doc(head))
    assert result.regressions(rows, 0.02) == []
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
    assert result.regressions(rows, 0.02) == []


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


def test_another_package_version_is_incomparable() -> None:
    head = doc(BASE)
    head["frameworks"]["flask"]["packages"]["flask"] = "3.2.0"
    reasons = result.incomparable(doc(BASE), head)
    assert reasons == ["flask: package flask differs: base 3.1.0, head 3.2.0"]


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
    assert result.load(path) == doc(BASE)
    assert [p.name for p in path.parent.iterdir()] == ["instructions.json"]


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
