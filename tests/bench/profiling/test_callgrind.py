"""How valgrind is started and its dumps read (the counting itself: test_gate.py)."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from dataclasses import replace
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
    argv = callgrind.command(subject, callgrind.Settings(), tmp_path, tools)
    assert argv[:4] == ["/usr/bin/setarch", os.uname().machine, "-R", "/usr/bin/valgrind"]
    assert "--dump-before=getppid" in argv
    python = argv.index("/py")
    assert argv[python + 1] == "-S" and argv[python + 2] == str(callgrind.DRIVER)
    assert argv[argv.index("--scenarios") + 1] == "json,io"
    assert argv[argv.index("--loops") + 1] == "100,200"  # N and 2N in the one process


def test_missing_valgrind_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    with pytest.raises(ToolMissingError, match="valgrind is not installed"):
        callgrind.tools()


def _dumps(folder: Path, totals: list[int]) -> None:
    for number, total in enumerate(totals, start=1):
        (folder / f"callgrind.out.{number}").write_text(f"events: Ir\nsummary: {total}\n")
    (folder / "callgrind.out").write_text("events: Ir\ntotals: 1\n")  # the dump at exit


def test_each_loop_is_the_second_dump_of_its_pair(tmp_path: Path) -> None:
    _dumps(tmp_path, [900, 100, 7, 190, 6, 200, 5, 410])
    subject = callgrind.Subject(frameworks.get("flask"), Path("/t"), ("json", "io"))
    totals = callgrind.read_totals(tmp_path)
    assert callgrind.loop_counts(subject, totals, (10, 20)) == {
        "json": {10: 100, 20: 190},
        "io": {10: 200, 20: 410},
    }


def test_an_extra_marker_call_is_caught(tmp_path: Path) -> None:
    _dumps(tmp_path, [900, 100, 7, 200, 8])
    subject = callgrind.Subject(frameworks.get("flask"), Path("/t"), ("json",))
    with pytest.raises(BenchError, match="5 callgrind dumps, expected 4"):
        callgrind.loop_counts(subject, callgrind.read_totals(tmp_path), (10, 20))


def test_a_gap_in_the_dumps_is_caught(tmp_path: Path) -> None:
    _dumps(tmp_path, [1, 2, 3])
    (tmp_path / "callgrind.out.2").unlink()
    with pytest.raises(BenchError, match="not numbered"):
        callgrind.read_totals(tmp_path)


def test_apps_with_more_scenarios_start_first_and_ties_keep_their_order() -> None:
    def subject(name: str) -> callgrind.Subject:
        fw = frameworks.get(name)
        return callgrind.Subject(fw, frameworks.ROOT, callgrind.scenarios_for(fw))

    names = ["raw-wsgi", "flask", "raw-asgi", "fastapi"]
    subjects = [subject(n) for n in names]
    assert len(subjects[0].scenarios) < len(subjects[1].scenarios)
    assert [names[i] for i in callgrind.start_order(subjects)] == [
        "flask", "fastapi", "raw-wsgi", "raw-asgi",
    ]  # fmt: skip


def test_unknown_scenarios_and_bad_settings_are_usage_errors() -> None:
    with pytest.raises(UsageError, match="unknown scenario 'mixed'"):
        callgrind.scenarios_for(frameworks.get("flask"), ["mixed"])
    with pytest.raises(UsageError):
        callgrind.Settings(requests=0)


@pytest.mark.valgrind
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_what_the_app_does_at_import_is_not_instrumented(tmp_path: Path) -> None:
    """Only what follows the import is counted. Instrumented from the start, the first dump
    holds the interpreter's start and this import's loop (1.4G instructions); here it holds the
    warm-up, the preparing and the collection before the loop (~6M)."""
    (tmp_path / "heavy.py").write_text(
        "total = 0\n"
        "for i in range(1_000_000):  # work at import\n"
        "    total += i\n"
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'text/plain')])\n"
        "    return [b'Hello, World!']\n"
    )
    fw = replace(
        frameworks.get("raw-wsgi"), name="heavy", app_dir=".", pythonpath=".", target="heavy:app"
    )
    subject = callgrind.Subject(fw, tmp_path, ("plaintext",))
    settings = callgrind.Settings(requests=2, warmup=1)
    out = tmp_path / "out"
    out.mkdir()
    done = subprocess.run(
        callgrind.command(subject, settings, out, callgrind.tools()),
        cwd=tmp_path,
        env=callgrind.environment(subject),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    totals = callgrind.read_totals(out)
    assert len(totals) == 4  # (before, loop) for N and for 2N
    assert 0 < totals[0] < 20_000_000, totals
    loops = callgrind.loop_counts(subject, totals, callgrind.loop_sizes(settings))
    assert 0 < loops["plaintext"][2] < loops["plaintext"][4]
