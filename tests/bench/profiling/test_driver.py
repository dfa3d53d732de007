"""The in-process driver without valgrind: every app answers every scenario it is counted on."""

from __future__ import annotations

import json
import os
import subprocess
import textwrap
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bench import frameworks
from bench.frameworks import FRAMEWORKS, Framework
from bench.profiling import callgrind, driver

HERE = Path(__file__).resolve().parent


def run_driver(
    subject: callgrind.Subject, requests: int = 3, extra: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    settings = callgrind.Settings(requests=requests)
    argv = callgrind.driver_argv(subject, settings, callgrind.interpreter())
    return subprocess.run(
        [*argv, *extra],
        check=False,
        cwd=subject.root,
        env=callgrind.environment(subject),
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("framework", FRAMEWORKS, ids=lambda f: f.name)
def test_every_app_passes_every_check_of_its_scenarios(framework: Framework) -> None:
    scenarios = callgrind.scenarios_for(framework)
    done = run_driver(callgrind.Subject(framework, frameworks.ROOT, scenarios))
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["scenarios"] == list(scenarios)
    assert summary["loops"] == [3, 6]
    assert summary["markers"] == 2 * 2 * len(scenarios)


def test_baselines_are_counted_on_plaintext_and_json_only() -> None:
    assert callgrind.scenarios_for(frameworks.get("raw-asgi")) == ("plaintext", "json")
    assert callgrind.scenarios_for(frameworks.get("flask"), ["json", "io"]) == ("json", "io")
    assert len(callgrind.scenarios_for(frameworks.get("flask"))) == 7


def _fake_app(tmp_path: Path, name: str, source: str, interface: str = "wsgi") -> Framework:
    (tmp_path / f"{name}.py").write_text(textwrap.dedent(source))
    return replace(
        frameworks.get("raw-wsgi" if interface == "wsgi" else "raw-asgi"),
        name=name,
        app_dir=".",
        pythonpath=".",
        target=f"{name}:app",
    )


def test_an_error_page_is_never_counted(tmp_path: Path) -> None:
    fw = _fake_app(
        tmp_path,
        "broken",
        """
        def app(environ, start_response):
            start_response("500 Internal Server Error", [("Content-Type", "text/plain")])
            return [b"oops"]
        """,
    )
    done = run_driver(callgrind.Subject(fw, tmp_path, ("plaintext",)))
    assert done.returncode == driver.EXIT_CHECK_FAILED
    assert "broken plaintext: status 500" in done.stderr


ASGI_APP = """
async def app(scope, receive, send):
    if scope["type"] != "http":
        raise RuntimeError("no lifespan here")
    body = JSON if scope["path"] == "/json" else b"Hello, World!"
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})
"""


def test_a_wrong_body_fails_the_check(tmp_path: Path) -> None:
    right = _fake_app(
        tmp_path, "right", 'JSON = b\'{"message": "Hello, World!"}\'' + ASGI_APP, "asgi"
    )
    done = run_driver(callgrind.Subject(right, tmp_path, ("plaintext", "json")))
    assert done.returncode == 0, done.stderr  # an app without lifespan support is served too
    floaty = _fake_app(tmp_path, "floaty", "JSON = b'{\"message\": 5.0}'" + ASGI_APP, "asgi")
    done = run_driver(callgrind.Subject(floaty, tmp_path, ("plaintext", "json")))
    assert done.returncode == driver.EXIT_CHECK_FAILED
    assert "floaty json: body {'message': 5.0}" in done.stderr


def test_a_failed_lifespan_startup_stops_the_run(tmp_path: Path) -> None:
    fw = _fake_app(
        tmp_path,
        "nostart",
        """
        async def app(scope, receive, send):
            await receive()
            await send({"type": "lifespan.startup.failed", "message": "no database"})
        """,
        interface="asgi",
    )
    done = run_driver(callgrind.Subject(fw, tmp_path, ("json",)))
    assert done.returncode == driver.EXIT_CHECK_FAILED
    assert "lifespan startup failed: no database" in done.stderr


def test_the_wrapper_is_put_around_the_app() -> None:
    fw = frameworks.get("raw-wsgi")
    wrapper = callgrind.Wrapper(
        "slowdown:wrap", str(HERE), json.dumps({"path": "/json", "loops": 10})
    )
    done = run_driver(callgrind.Subject(fw, frameworks.ROOT, ("json",), wrapper))
    assert done.returncode == 0, done.stderr
    broken = callgrind.Wrapper("slowdown:missing", str(HERE))
    done = run_driver(callgrind.Subject(fw, frameworks.ROOT, ("json",), broken))
    assert done.returncode != 0 and "missing" in done.stderr


def test_markers_surround_only_the_measured_loops(monkeypatch: pytest.MonkeyPatch) -> None:
    """The dumps must hold the loop and nothing else: no warm-up, no building, no checking."""
    events: list[str] = []

    class Runner:
        def prepare(self, scenario: driver.Scenario) -> str:
            events.append("prepare")
            return scenario.name

        def call(self, name: str) -> Any:
            events.append("call")
            return "200 OK", [("Content-Type", "text/plain")], b"Hello, World!"

        normalise = staticmethod(driver.WsgiRunner.normalise)

    monkeypatch.setattr(os, "getppid", lambda: events.append("marker"))
    markers = driver.measure("fake", Runner(), [driver.SCENARIOS["plaintext"]], (3, 6), 2)
    assert markers == 4
    warm = ["prepare", "call"] * 2
    loop_3 = ["prepare"] * 3 + ["marker"] + ["call"] * 3 + ["marker"]
    loop_6 = ["prepare"] * 6 + ["marker"] + ["call"] * 6 + ["marker"]
    assert events == warm + loop_3 + loop_6


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [({"a": 5}, {"a": 5}, True), ({"a": 5}, {"a": 5.0}, False), ([True], [1], False)],
)
def test_json_comparison_keeps_types(a: Any, b: Any, same: bool) -> None:
    assert driver._same(a, b) is same


def test_a_failed_vgdb_is_one_clear_line_and_exit_4() -> None:
    """Without instrumentation the loops would count nothing: the driver stops before them."""
    subject = callgrind.Subject(frameworks.get("raw-wsgi"), frameworks.ROOT, ("plaintext",))
    done = run_driver(subject, 2, ("--vgdb", "/bin/false", "--vgdb-prefix", "/nonexistent/vgdb"))
    assert done.returncode == driver.EXIT_NOT_INSTRUMENTED
    assert done.stderr.strip().splitlines() == [
        "not instrumented: vgdb instrumentation on failed (exit 1): no output"
    ]
    assert done.stdout == ""  # no summary: nothing was counted
