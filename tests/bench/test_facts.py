"""bench.facts: dependency closures from installed metadata, hello worlds really run, validation
found by name, security headers observed over real HTTP, import time in fresh interpreters."""

from __future__ import annotations

import json
import os
import socket
import textwrap
from dataclasses import replace
from pathlib import Path

import pytest

from bench import checklist, facts
from bench.frameworks import HOST, ROOT, Hello, get
from bench.ports import free_port


def test_bottle_installs_bottle_alone_and_flask_its_pallets() -> None:
    assert facts.closure(("bottle",)) == ["bottle"]
    flask = facts.closure(("flask",))
    assert {"flask", "werkzeug", "jinja2", "itsdangerous", "click", "blinker"} <= set(flask)
    deps = facts.dependencies(get("flask"))
    assert deps["framework_count"] == len(deps["framework"])
    assert set(deps["with_server"]) == set(flask) | {"gunicorn"} | set(facts.closure(("gunicorn",)))
    assert facts.dependencies(get("raw-wsgi"))["framework"] == []


def test_markers_and_extras_are_honoured() -> None:
    # jaraco.context: 'backports.tarfile; python_version < "3.12"' and test-only extras
    got = facts.closure(("jaraco.context",))
    assert "backports-tarfile" in got
    assert "pytest" not in got and "jaraco-test" not in got


def test_code_lines_skip_blanks_and_comments_but_count_docstrings() -> None:
    text = (
        '# a comment\n\ndef f():\n    """Doc."""\n    # inner comment\n    return 1  # trailing\n'
    )
    assert facts.code_lines(text) == 3


def test_flasks_hello_world_runs_the_docs_way() -> None:
    got = facts.hello(get("flask"))
    assert got["lines"] == 5
    if got["ran"] is None:
        assert "busy" in got["reason"]  # another process holds port 5000: never touched
    else:
        assert got["ran"] is True and got["status"] == 200


def test_a_busy_docs_port_is_reported_not_taken() -> None:
    with socket.socket() as holder:
        holder.bind((HOST, 0))
        holder.listen()
        port = holder.getsockname()[1]
        fw = get("bottle")
        assert fw.hello is not None
        got = facts.hello(replace(fw, hello=replace(fw.hello, port=port)))
        assert got["ran"] is None and "busy" in got["reason"]
        holder.getsockname()  # still ours, still open


def test_a_hello_world_that_dies_did_not_run() -> None:
    fw = replace(get("bottle"), hello=Hello(("{python}", "-c", "raise SystemExit(3)"), free_port()))
    got = facts.hello(fw)
    assert got["ran"] is False and "code 3" in got["reason"]


def _fake_app(tmp_path: Path, source: str) -> object:
    app = tmp_path / "fake_app"
    app.mkdir()
    (app / "views.py").write_text(textwrap.dedent(source))
    return replace(get("flask"), app_dir=os.path.relpath(app, ROOT))


def test_validation_is_found_by_name_with_the_helpers_it_uses(tmp_path: Path) -> None:
    fw = _fake_app(
        tmp_path,
        """
        def _helper(x):
            # why: a comment does not count
            return x

        def validate_echo(body):

            return _helper(body)

        def unrelated():
            return 0
        """,
    )
    got = facts.validation(fw)  # type: ignore[arg-type]
    assert got["name"] == "validate_echo" and got["kind"] == "function"
    assert got["parts"] == ["validate_echo", "_helper"] and got["lines"] == 4


def test_validation_not_found_says_why(tmp_path: Path) -> None:
    got = facts.validation(_fake_app(tmp_path, "def echo(): pass\n"))  # type: ignore[arg-type]
    assert got["lines"] is None and "validate_echo" in got["reason"]


def test_fastapi_validates_with_a_model() -> None:
    got = facts.validation(get("fastapi"))
    assert got["name"] == "EchoIn" and got["kind"] == "model"


@pytest.mark.slow
def test_security_headers_are_observed_and_attributed() -> None:
    flask = facts.security(get("flask"))
    nosniff = flask["headers"]["X-Content-Type-Options"]
    assert nosniff["present"] and nosniff["contract_required"]
    assert not flask["headers"]["X-Frame-Options"]["present"]
    assert flask["headers"]["Server"]["present"]
    assert flask["csrf"]["default_on"] is False
    django = facts.security(get("django"))
    frame = django["headers"]["X-Frame-Options"]
    assert frame["present"] and not frame["set_by_app"]
    assert django["csrf"]["default_on"] is True


def test_import_time_and_collect_are_json() -> None:
    got = facts.import_time(get("raw-asgi"), repeats=2)
    assert got["seconds"] > 0 and len(got["samples"]) == 2
    whole = facts.collect(get("raw-asgi"))
    assert json.loads(json.dumps(whole))["framework"] == "raw-asgi"
    assert whole["hello"]["lines"] is None  # baselines have no hello world


def test_one_process_rss_counts_the_built_app() -> None:
    flask = facts.import_time(get("flask"), repeats=2)
    raw = facts.import_time(get("raw-wsgi"), repeats=2)
    assert flask["target"] == "flask_app:create_app()"  # the factory was called, not just imported
    assert len(flask["rss_samples_mib"]) == 2
    # Importing Flask and building the app costs memory over a bare callable and over the
    # interpreter itself (ratios, not absolute sizes).
    assert flask["rss_mib"] > raw["rss_mib"] > raw["interpreter_rss_mib"] * 0.99
    assert flask["rss_mib"] > 1.2 * flask["interpreter_rss_mib"]


def test_installed_size_is_read_from_the_records() -> None:
    flask = facts.dependencies(get("flask"))
    bottle = facts.dependencies(get("bottle"))
    # Bottle is one module; Flask brings Werkzeug, Jinja2 and more (a ratio, not a size).
    assert flask["installed_bytes"] > 3 * bottle["installed_bytes"] > 0
    assert flask["installed_files"] > bottle["installed_files"]
    assert facts.dependencies(get("raw-wsgi"))["installed_bytes"] is None


def test_startproject_is_counted_as_the_docs_path() -> None:
    got = checklist.startproject()
    assert got["files"] >= 5 and "manage.py" in got["per_file"]
    assert got["lines"] == sum(got["per_file"].values()) > 50


def test_django_hello_is_labelled_not_from_the_docs(monkeypatch: pytest.MonkeyPatch) -> None:
    # Only the labelling is under test here: running the hello world is tested above.
    monkeypatch.setattr(facts, "_run_hello", lambda fw, cwd: {"ran": None, "reason": "skipped"})
    django, flask = facts.hello(get("django")), facts.hello(get("flask"))
    assert django["from_docs"] is False and "startproject" in django["not_from_docs"]
    assert flask["from_docs"] is True and "not_from_docs" not in flask


def _observed(*present: str) -> dict[str, object]:
    return {
        "headers": {
            name: {"present": name in present, "values": {"plaintext": "x"}, "set_by_app": False}
            for name in checklist.HEADERS
        }
    }


def test_django_checklist_counts_its_negatives_and_only_the_measured_apps_csrf() -> None:
    django = get("django")
    listed = checklist.checklist(
        django, {}, _observed("X-Frame-Options", "Referrer-Policy"), ROOT / django.app_dir
    )
    assert listed is not None
    deployed, template = listed["deployed"], listed["template"]
    assert deployed["CSRF protection on"]["score"] == 0  # the measured app turned it off
    assert deployed["no placeholder secret key"]["score"] == -1
    assert deployed["debug off"]["score"] == 0
    assert deployed["X-Frame-Options"]["score"] == 1
    assert deployed["X-Content-Type-Options"]["score"] == 0  # the contract's, not Django's
    assert template["debug off"]["score"] == -1  # startproject writes DEBUG = True
    assert template["no placeholder secret key"]["score"] == -1
    assert template["CSRF protection on"]["score"] == 1
    assert template["X-Frame-Options"]["score"] == 1
    assert set(deployed) == set(template) == set(checklist.ITEMS)


def test_quickstart_defaults_are_scored_from_source_and_framework() -> None:
    bottle, cherrypy, flask = get("bottle"), get("cherrypy"), get("flask")
    ran = {"ran": True, "headers": {"Content-Type": "text/html"}}
    b = checklist.checklist(bottle, ran, _observed(), ROOT / bottle.app_dir)
    c = checklist.checklist(cherrypy, ran, _observed(), ROOT / cherrypy.app_dir)
    f = checklist.checklist(flask, ran, _observed(), ROOT / flask.app_dir)
    assert b and c and f
    assert b["template"]["debug off"]["score"] == -1  # Bottle's hello world: debug=True
    assert b["deployed"]["debug off"]["score"] == 0
    assert c["template"]["debug off"]["score"] == -1  # tracebacks in error pages by default
    assert c["deployed"]["debug off"]["score"] == 0  # the app sets the production environment
    assert c["template"]["template autoescaping"]["score"] == 0  # no engine of its own
    assert f["template"]["template autoescaping"]["score"] == 1
    assert f["template"]["HttpOnly session cookie"]["score"] == 1
    assert checklist.checklist(get("raw-wsgi"), ran, _observed(), ROOT) is None
