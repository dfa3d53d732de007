"""`bench list`: the framework x server matrix as the registry has it, and each formula's why."""

from __future__ import annotations

import json

import pytest

from bench import frameworks
from bench.cli import main


def _matrix(out: str) -> dict[str, dict[str, str]]:
    lines = out.splitlines()
    servers = lines[0].split()[1:]  # after "port"
    rows = {}
    for line in lines[1 : 1 + len(frameworks.APPS)]:
        name, _port, *cells = line.split()
        rows[name] = dict(zip(servers, cells, strict=True))
    return rows


def test_the_matrix_shows_two_servers_per_framework_and_three_for_wsgi(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["list"]) == 0
    rows = _matrix(capsys.readouterr().out)
    assert sorted(rows) == sorted(frameworks.NAMES)
    for app in frameworks.APPS:
        runs_on = [s for s, cell in rows[app.name].items() if cell != "-"]
        in_matrix = [s for s in runs_on if frameworks.get_server(s).in_matrix]
        assert len(in_matrix) >= (3 if "wsgi" in app.interfaces else 2), app.name
        assert rows[app.name][app.default_server] == "default"


def test_every_server_formula_comes_with_its_reason(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--cores", "2"]) == 0
    out = capsys.readouterr().out
    assert "gthread workers = 2 x cores + 1 = 5, threads = 4" in out
    for server in frameworks.SERVERS:
        assert any(line.startswith(server.name) for line in out.splitlines())
    assert out.count("why: ") == len(frameworks.SERVERS)


def test_json_lists_every_deployment_with_its_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["list", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["label"] for r in rows] == [d.label for d in frameworks.deployments(None, ("all",))]
    assert all("127.0.0.1" in " ".join(r["command"]) for r in rows)
    assert main(["list", "--json", "--servers", "default"]) == 0
    defaults = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in defaults] == list(frameworks.NAMES)
    assert all(r["default"] for r in defaults)
