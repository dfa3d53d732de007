"""How valgrind is started and its dumps read (the counting itself: test_gate.py)."""

from __future__ import annotations

import os
import shutil
import stat
import sys
from pathlib import Path

import pytest

from bench import frameworks
from bench.errors import BenchError, ToolMissingError, UsageError
from bench.profiling import callgrind


def test_the_interpreter_is_the_elf_binary_behind_links_and_shims(tmp_path: Path) -> None:
    shim = tmp_path / "python"
    shim.write_text('#!/usr/bin/env bash\nexec python3 "$@"\n')  # what pyenv puts on PATH
    shim.chmod(shim.stat().st_mode | stat.S_IXUSR)
    real = callgrind.interpreter([str(shim), sys.executable])
    assert callgrind.is_elf(real) and real == Path(os.path.realpath(sys.executable))
    link = tmp_path / "venv-python"
    link.symlink_to(sys.executable)
    assert callgrind.interpreter([str(link)]) == real
    with pytest.raises(BenchError, match="no ELF interpreter"):
        callgrind.interpreter([str(shim)])


def test_the_environment_is_scrubbed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SECRET_CANARY", "leak")
    django = frameworks.get("django")
    env = callgrind.environment(callgrind.Subject(django, Path("/tree"), ("json",)))
    assert env == {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "PYTHONPATH": "/tree/apps/django_app",
        "PYTHONHASHSEED": "0",
        "PYTHONUTF8": "1",
        "DJANGO_SETTINGS_MODULE": "djangosite.settings",
    }


def test_valgrind_runs_the_real_binary_with_aslr_off(tmp_path: Path) -> None:
    tools = callgrind.Tools("/usr/bin/valgrind", "/usr/bin/setarch", "valgrind-3", Path("/py"))
    subject = callgrind.Subject(frameworks.get("flask"), Path("/tree"), ("json", "io"))
    argv = callgrind.command(subject, 100, callgrind.Settings(), tmp_path, tools)
    assert argv[:4] == ["/usr/bin/setarch", os.uname().machine, "-R", "/usr/bin/valgrind"]
    assert "--dump-before=getppid" in argv
    python = argv.index("/py")
    assert argv[python + 1] == "-S" and argv[python + 2] == str(callgrind.DRIVER)
    assert argv[argv.index("--scenarios") + 1] == "json,io"
    assert argv[argv.index("--requests") + 1] == "100"


def test_missing_valgrind_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ToolMissingError, match="valgrind is not installed"):
        callgrind.tools()


def _dumps(folder: Path, totals: list[int]) -> None:
    for number, total in enumerate(totals, start=1):
        (folder / f"callgrind.out.{number}").write_text(f"events: Ir\nsummary: {total}\n")
    (folder / "callgrind.out").write_text("events: Ir\ntotals: 1\n")  # the dump at exit


def test_each_scenario_is_the_second_dump_of_its_pair(tmp_path: Path) -> None:
    _dumps(tmp_path, [900, 100, 7, 200, 8, 300])
    subject = callgrind.Subject(frameworks.get("flask"), Path("/t"), ("json", "io", "echo"))
    totals = callgrind.read_totals(tmp_path)
    assert callgrind.loop_counts(subject, totals) == {"json": 100, "io": 200, "echo": 300}


def test_an_extra_marker_call_is_caught(tmp_path: Path) -> None:
    _dumps(tmp_path, [900, 100, 7, 200, 8])
    subject = callgrind.Subject(frameworks.get("flask"), Path("/t"), ("json", "io"))
    with pytest.raises(BenchError, match="5 callgrind dumps, expected 4"):
        callgrind.loop_counts(subject, callgrind.read_totals(tmp_path))


def test_a_gap_in_the_dumps_is_caught(tmp_path: Path) -> None:
    _dumps(tmp_path, [1, 2, 3])
    (tmp_path / "callgrind.out.2").unlink()
    with pytest.raises(BenchError, match="not numbered"):
        callgrind.read_totals(tmp_path)


def test_unknown_scenarios_and_bad_settings_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="unknown scenario 'mixed'"):
        callgrind.scenarios_for(frameworks.get("flask"), ["mixed"])
    with pytest.raises(UsageError):
        callgrind.Settings(requests=0)
