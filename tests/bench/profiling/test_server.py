"""Counting through the production servers: a slower server in a copied environment fails the
gate; the same server counted twice agrees; uvicorn's wake-ups are counted by its timer's calls.
How the server is started, how a dump's calls are read and how the client waits for the server
to be asleep, without valgrind too."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from bench import frameworks
from bench.errors import BenchError
from bench.profiling import callgrind, environment, result, server

N = 40
"""Smaller than the gate's N, to keep the test near a minute; the spread stays well inside 0.5%."""
LOOPS = 50
"""Extra work per request in the copied gunicorn: ~4% of a raw WSGI request through it
(300 loops came to +24%)."""


def test_the_server_runs_its_registry_command_through_the_launcher() -> None:
    env = environment.Environment("test", ("/site/a", "/site/b"))
    subject = server.ServerSubject(frameworks.get("django"), Path("/base"), env)
    argv = server.server_argv(subject, 12345, Path("/py"))
    assert argv[:3] == ["/py", "-S", str(server.LAUNCHER)]
    assert argv[3:7] == ["--site", "/site/a", "--site", "/site/b"]
    module = argv.index("gunicorn")
    assert argv[module + 1 :][:2] == ["--bind", "127.0.0.1:12345"]
    assert argv[argv.index("--workers") + 1] == "1"
    assert argv[argv.index("--worker-class") + 1] == "gthread"
    # The base tree's apps, not the working tree's.
    assert argv[argv.index("--pythonpath") + 1] == "/base/apps/django_app"
    assert server.environment(subject)["PYTHONPATH"] == "/base/apps/django_app"
    assert server.config(frameworks.get("django")) == (
        "gunicorn gthread, 1 worker process, 4 threads"
    )
    assert "thread_pool = 1" in server.config(frameworks.get("cherrypy"))
    uvicorn = server.server_argv(
        server.ServerSubject(frameworks.get("fastapi"), Path("/t"), env), 1, Path("/py")
    )
    assert uvicorn[uvicorn.index("--workers") + 1] == "1"


def test_the_launcher_adds_the_sites_first_and_runs_the_module(tmp_path: Path) -> None:
    site = tmp_path / "site"
    (site / "probe").mkdir(parents=True)
    (site / "probe" / "__main__.py").write_text(
        "import json, sys\nprint(json.dumps([sys.argv, sys.getswitchinterval()]))\n"
    )
    done = subprocess.run(
        [
            sys.executable, "-S", str(server.LAUNCHER), "--site", str(site),
            "--switch-interval", "7", "probe", "--flag", "x",
        ],
        check=True, capture_output=True, text=True, cwd=tmp_path,
    )  # fmt: skip
    argv, interval = json.loads(done.stdout)
    assert argv[1:] == ["--flag", "x"] and interval == 7


_DUMP = """\
fn=(1) main
cfn=(2) TimerHandle_run
calls=3 0x10
5 300
cfn=(3) other
calls=7 0x20
5 70
fn=(4) loop
cfn=(2)
calls=2 0x10
5 200
cfi=(9) file.c
cfn=(5) TimerHandle_run'2
calls=4 0x10
5 40
fn=(2)
5 9
totals: 610
"""


def test_calls_add_every_callers_calls_of_the_function_and_its_recursion_levels() -> None:
    assert server.calls(_DUMP, "TimerHandle_run") == 3 + 2 + 4
    assert server.calls(_DUMP, "other") == 7
    assert server.calls(_DUMP, "main") == 0
    assert server.totals(_DUMP, "test") == 610


def test_by_wakeups_the_idle_cost_is_charged_per_wakeup_not_per_second() -> None:
    idle = server.Window(instructions=400_000, seconds=2.0, wakeups=20)
    busy = server.Window(instructions=9_000_000, seconds=5.0, wakeups=7)
    assert server.Housekeeping(idle, by_wakeups=True).of(busy) == 7 * 20_000
    assert server.Housekeeping(idle, by_wakeups=False).of(busy) == 5.0 * 200_000
    with pytest.raises(BenchError, match="no timer ran"):
        server.Housekeeping(server.Window(400_000, 2.0, 0), by_wakeups=True)


_SPIN_THEN_SLEEP = """
import sys, time
end = time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    pass
open(sys.argv[1], "w").close()
time.sleep(30)
"""


def _spinning(tmp_path: Path, spin_s: float) -> tuple[subprocess.Popen[bytes], server._Counted]:
    child = subprocess.Popen(
        [sys.executable, "-c", _SPIN_THEN_SLEEP, str(tmp_path / "asleep"), str(spin_s)]
    )
    counted = server._Counted(
        server.ServerSubject(frameworks.get("raw-asgi"), frameworks.ROOT, environment.harness()),
        tmp_path,
        callgrind.Tools("valgrind", "setarch", "", Path(sys.executable)),
    )
    counted.log.write_text("")
    counted.serving = child.pid
    return child, counted


def test_the_client_waits_until_the_server_has_finished_and_sleeps(tmp_path: Path) -> None:
    child, counted = _spinning(tmp_path, 0.5)
    try:
        started = time.monotonic()
        counted.wait_asleep()
        # The child can only be asleep after its spin, which ends by creating the file.
        assert (tmp_path / "asleep").exists()
        assert time.monotonic() - started >= 0.5
    finally:
        child.kill()
        child.wait()


def test_a_server_that_never_sleeps_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server, "ASLEEP_TIMEOUT_S", 0.3)
    child, counted = _spinning(tmp_path, 10.0)
    try:
        with pytest.raises(BenchError, match="still busy"):
            counted.wait_asleep()
    finally:
        child.kill()
        child.wait()
    with pytest.raises(BenchError, match="serving process is gone"):
        counted.wait_asleep()


def _slow_gunicorn(folder: Path) -> environment.Environment:
    """The harness's environment with a copy of gunicorn in front whose request path does more:
    the server is slower, the app is not."""
    harness = environment.harness()
    original = next(
        Path(d) / "gunicorn" for d in harness.site_dirs if (Path(d) / "gunicorn").is_dir()
    )
    copy = folder / "gunicorn"
    shutil.copytree(original, copy, ignore=shutil.ignore_patterns("__pycache__"))
    wsgi = copy / "http" / "wsgi.py"
    wsgi.write_text(
        wsgi.read_text()
        + "\n\n_create = create\n\n\ndef create(*args, **kwargs):\n"
        + f"    sum(i * i for i in range({LOOPS}))\n"
        + "    return _create(*args, **kwargs)\n"
    )
    return environment.Environment("slow gunicorn", (str(folder), *harness.site_dirs))


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tools = callgrind.tools()
    raw = frameworks.get("raw-wsgi")
    harness = environment.harness()
    slow_env = _slow_gunicorn(tmp_path_factory.mktemp("overlay"))
    subjects = [
        server.ServerSubject(raw, frameworks.ROOT, harness),
        server.ServerSubject(raw, frameworks.ROOT, slow_env),
        server.ServerSubject(raw, frameworks.ROOT, harness),
    ]
    settings = server.ServerSettings(requests=N, warmup=10, jobs=2)
    cells, _ = server.run(subjects, settings, tools)
    settings_app = callgrind.Settings()

    def doc(found: list[callgrind.Cell], subject: server.ServerSubject) -> dict[str, Any]:
        return result.document(
            found,
            [],
            settings_app,
            tools,
            env=subject.env,
            servers=[subject],
            server_settings=settings,
        )

    return {
        "base": doc(cells[0:2], subjects[0]),
        "slow": doc(cells[2:4], subjects[1]),
        "again": doc(cells[4:6], subjects[2]),
    }


@pytest.mark.valgrind
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_a_slower_server_fails_the_gate_on_its_server_cells(runs: dict[str, Any]) -> None:
    rows = result.compare(runs["base"], runs["slow"])
    found = result.verdict(rows, 0.02, 0.005)
    assert [r.name for r in found.regressed] == [
        "raw-wsgi/json (server)",
        "raw-wsgi/plaintext (server)",
    ]
    for row in found.regressed:
        assert row.change is not None and 0.02 < row.change < 0.1, row
    assert "raw-wsgi/json (server)" in result.markdown(rows, 0.02, "base", "head")


@pytest.mark.valgrind
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_the_same_server_counted_twice_agrees(runs: dict[str, Any]) -> None:
    rows = result.compare(runs["base"], runs["again"])
    assert [r.level for r in rows] == ["server", "server"]
    for row in rows:
        assert row.change is not None and abs(row.change) < 0.005, row
        # A request through gunicorn costs far more than the bare callable alone (~10k).
        assert row.base is not None and row.base > 100_000
    assert not result.verdict(rows, 0.02, 0.005).failed
    assert runs["base"]["frameworks"]["raw-wsgi"]["server"]["config"].startswith("gunicorn")


@pytest.mark.valgrind
@pytest.mark.skipif(shutil.which("valgrind") is None, reason="valgrind is not installed")
def test_uvicorns_wakeups_are_counted_by_its_timer_function(tmp_path: Path) -> None:
    subject = server.ServerSubject(
        frameworks.get("raw-asgi"), frameworks.ROOT, environment.harness(), ("plaintext",)
    )
    settings = server.ServerSettings(requests=20, warmup=5, jobs=1)
    cells, housekeeping = server.count(subject, settings, callgrind.tools(), tmp_path)
    idle = housekeeping.idle
    # uvicorn's main loop sleeps 0.1 s between ticks: about ten a second, fewer when late.
    assert 5 <= idle.wakeups / idle.seconds <= 11, idle
    assert housekeeping.per_wakeup is not None and 5_000 < housekeeping.per_wakeup < 200_000
    # Through uvicorn a request costs far more than the bare callable (~10k).
    assert [c.scenario for c in cells] == ["plaintext"] and cells[0].per_request > 50_000
