"""`bench verify` and the contract checker: passes a good app, names the rules a bad one breaks."""

from __future__ import annotations

import dataclasses
import json
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from bench import contract, frameworks, ports
from bench.commands import verify as verify_command
from bench.frameworks import ROOT
from bench.server import probe, running

# A small WSGI app with known defects, each of which exactly one set of rules must catch.
BROKEN_APP = textwrap.dedent(
    """
    import json

    def reply(start, status, body, ctype, extra=()):
        start(status, [("Content-Type", ctype), ("Content-Length", str(len(body))), *extra])
        return [body]

    def error(start, status, detail, extra=()):
        body = json.dumps({"detail": detail}).encode()
        nosniff = ("X-Content-Type-Options", "nosniff")
        return reply(start, status, body, "application/json", (nosniff, *extra))

    def application(environ, start):
        path, method = environ["PATH_INFO"], environ["REQUEST_METHOD"]
        nosniff = [("X-Content-Type-Options", "nosniff")]
        if path == "/plaintext":
            if method != "GET":
                return error(start, "405 Method Not Allowed", "no")  # defect: no Allow
            return reply(start, "200 OK", b"Hello World", "text/plain", nosniff)  # defect
        if path == "/json":
            if method != "GET":
                return error(start, "405 Method Not Allowed", "no", [("Allow", "GET")])
            body = json.dumps({"message": "Hello, World!"}).encode()
            return reply(start, "200 OK", body, "application/json; charset=utf-8")  # 2 defects
        if path.startswith("/users/"):
            # WSGI gives the path as Latin-1; frameworks re-decode it as UTF-8, so does this.
            segment = path[len("/users/"):].encode("latin-1").decode("utf-8")
            if segment.isdigit() and len(segment) <= 20:  # defect: Unicode digits pass
                body = json.dumps({"id": int(segment), "name": f"user-{int(segment)}"})
                return reply(start, "200 OK", body.encode(), "application/json", nosniff)
            return error(start, "404 Not Found", "no such user")
        if path == "/echo":
            size = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(size)
            if environ.get("CONTENT_TYPE") != "application/json":
                return error(start, "415 Unsupported Media Type", "json only")
            try:
                data = json.loads(raw)  # defect: BOMs, UTF-16, NaN, lone surrogates pass
            except ValueError:
                return error(start, "400 Bad Request", "malformed")
            if not isinstance(data, dict) or data.get("name") in ("", None):
                return error(start, "422 Unprocessable Content", "invalid")
            body = json.dumps({"tags": [], **data}).encode()
            return reply(start, "200 OK", body, "application/json", nosniff)
        return error(start, "404 Not Found", "not found")
    """
)

BASELINE_FAILURES = {"plaintext.body", "json.body", "headers.nosniff", "status.405.allow"}
USERS_FAILURES = {"users.404.arabic-indic", "users.404.fullwidth"}
ECHO_400_FAILURES = {
    "echo.400.utf16",
    "echo.400.utf16-le",
    "echo.400.bom",
    "echo.400.encoded-surrogate",
    "echo.400.nan",
    "echo.400.infinity",
    "echo.400.negative-infinity",
    "echo.400.lone-surrogate",
    "echo.400.lone-surrogate-key",
    "echo.400.before-422",
}


def bench(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def broken_port(tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """The broken app under gunicorn's gthread worker, as the registry runs raw WSGI."""
    folder: Path = tmp_path_factory.mktemp("broken")
    (folder / "broken.py").write_text(BROKEN_APP)
    port = ports.free_port()
    command = [
        *(sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}"),
        *("--workers", "1", "--worker-class", "gthread", "--threads", "2"),
        *("--chdir", str(folder), "--log-level", "warning", "--no-control-socket"),
        "broken:application",
    ]
    proc = subprocess.Popen(
        command,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while proc.poll() is None and probe(port, "/json") != 200 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert probe(port, "/json") == 200, "the broken app's gunicorn did not start"
        yield port
    finally:
        proc.terminate()
        proc.wait(15)


def failing(rules: tuple[contract.Rule, ...], port: int, framework: str) -> set[str]:
    return {r.rule_id for r in contract.check(rules, port, framework) if not r.passed}


def test_baseline_rules_name_each_defect(broken_port: int) -> None:
    assert failing(contract.rules_for("raw-wsgi"), broken_port, "raw-wsgi") == BASELINE_FAILURES


def test_users_rules_catch_unicode_digits(broken_port: int) -> None:
    rules = tuple(r for r in contract.rules_for("flask") if r.id.startswith("users."))
    assert failing(rules, broken_port, "flask") == USERS_FAILURES


def test_echo_400_rules_catch_what_json_loads_lets_through(broken_port: int) -> None:
    rules = tuple(r for r in contract.rules_for("flask") if r.id.startswith("echo.400."))
    assert failing(rules, broken_port, "flask") == ECHO_400_FAILURES


def test_a_failure_says_what_was_wrong(broken_port: int) -> None:
    [result] = contract.check((contract.rule("plaintext.body"),), broken_port, "raw-wsgi")
    assert not result.passed
    assert "Hello World" in result.detail


def test_nothing_listening_is_a_failure_not_a_crash() -> None:
    results = contract.smoke(ports.free_port(), "raw-wsgi")
    assert results and not any(r.passed for r in results)


def test_a_server_that_does_not_start_fails_its_framework_only(
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = dataclasses.replace(frameworks.get("raw-wsgi"), target="no_such_module:application")
    outcome = verify_command._check_one(broken, 1, None)
    assert not outcome.passed and outcome.results == []
    assert outcome.error is not None and "no_such_module" in outcome.error
    verify_command._table([outcome])
    assert "raw-wsgi: not checked" in capsys.readouterr().out


def test_verify_command_passes_raw_asgi_on_every_server() -> None:
    done = bench("verify", "raw-asgi")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "plaintext.body" in done.stdout and "raw-asgi@granian-asgi" in done.stdout
    assert done.stdout.strip().splitlines()[-1].startswith("contract: all 2 pairs pass")


def test_verify_command_on_the_default_server_only() -> None:
    done = bench("verify", "raw-asgi", "--servers", "default")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "granian" not in done.stdout
    assert done.stdout.strip().splitlines()[-1].startswith("contract: all 1 pairs pass")


def test_the_sync_worker_is_verified_without_the_keep_alive_rule() -> None:
    sync = frameworks.deployment("raw-wsgi", "gunicorn-sync")
    ids = {r.id for r in verify_command.rules_for(sync)}
    assert "keepalive.persistent" not in ids
    assert ids | {"keepalive.persistent"} == {r.id for r in contract.rules_for(sync)}
    done = bench("verify", "raw-wsgi", "--servers", "gunicorn-sync")
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_failing_pair_is_listed_and_not_measurable(capsys: pytest.CaptureFixture[str]) -> None:
    chosen = frameworks.deployments(None, ("all",))
    assert len(chosen) > verify_command.WIDE  # one row per pair
    outcomes = [
        verify_command.Outcome(fw.label, results=[("json.body", True, "")]) for fw in chosen
    ]
    outcomes[2].results = [("json.body", False, "GET /json: 500")]
    outcomes[3].error = "exited with code 3"
    verify_command._table(outcomes, {fw.label: fw for fw in chosen})
    out = capsys.readouterr().out
    rows = {"@".join(line.split()[:2]): line for line in out.splitlines() if " " in line.strip()}
    assert "FAIL 1: not measurable" in rows[f"{chosen[2].name}@{chosen[2].server}"]
    assert "did not start: not measurable" in rows[f"{chosen[3].name}@{chosen[3].server}"]
    assert f"{chosen[2].label} json.body: GET /json: 500" in out


def test_verify_command_against_a_running_target(tmp_path: Path) -> None:
    fw = frameworks.get("raw-asgi")
    with running(fw, fw.workers(1)) as server:
        target = f"http://127.0.0.1:{server.port}"
        done = bench("verify", "raw-asgi", "--target", target, "--json", str(tmp_path / "v.json"))
    assert done.returncode == 0, done.stdout + done.stderr
    document = json.loads((tmp_path / "v.json").read_text())
    assert document["contract_version"] == contract.CONTRACT_VERSION
    rules = document["frameworks"]["raw-asgi"]["rules"]
    assert {r["rule"] for r in rules} == {r.id for r in contract.rules_for("raw-asgi")}


def test_verify_command_reports_a_failing_target(broken_port: int) -> None:
    done = bench("verify", "raw-wsgi", "--target", f"http://127.0.0.1:{broken_port}")
    assert done.returncode == 1
    for rule_id in BASELINE_FAILURES:
        assert f"raw-wsgi {rule_id}:" in done.stdout
    assert "FAIL" in done.stdout.strip().splitlines()[-1]


def test_sigterm_mid_verify_exits_143_and_leaves_no_server() -> None:
    # A CI timeout sends SIGTERM: without a handler the harness would die on the spot and the
    # gunicorn tree it started would serve on.
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench", "verify", "flask", "django"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    seen: dict[int, psutil.Process] = {}
    try:
        deadline = time.monotonic() + 60
        while len(seen) < 3 and time.monotonic() < deadline:  # the arbiter and its workers
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            for child in psutil.Process(proc.pid).children(recursive=True):
                seen.setdefault(child.pid, child)
            time.sleep(0.02)
        assert len(seen) >= 3, "verify never started a server"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 143
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.stderr is not None and "terminated" in proc.stderr.read()
    alive = [p for p in seen.values() if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]
    for leftover in alive:  # a failure here must not leave servers to disturb other tests
        leftover.kill()
    assert [p.pid for p in alive] == [], "left behind"


@pytest.mark.parametrize(
    "args",
    [
        ("verify", "flsk"),
        ("verify", "raw-asgi", "--target", "http://10.0.0.1:8000"),
        ("verify", "raw-asgi", "--target", "http://example.com:8000"),
        ("verify", "raw-asgi", "raw-wsgi", "--target", "http://127.0.0.1:8000"),
        ("verify", "--target", "http://127.0.0.1:8000"),
        ("verify", "raw-asgi", "--servers", "nginx"),
        ("verify", "fastapi", "--servers", "cheroot"),
        ("verify", "django", "--servers", "granian", "--target", "http://127.0.0.1:8000"),
    ],
)
def test_bad_usage_is_one_line_and_exit_2(args: tuple[str, ...]) -> None:
    done = bench(*args, timeout=30)
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    if "flsk" in args:
        for name in frameworks.NAMES:
            assert name in done.stderr
