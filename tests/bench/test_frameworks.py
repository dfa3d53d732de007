"""The registry is the one source of truth: these tests pin what the rest of the project reads."""

from __future__ import annotations

import pytest

from bench import frameworks
from bench.errors import UsageError


def test_the_seven_names_the_cli_accepts() -> None:
    assert frameworks.NAMES == (
        "flask",
        "bottle",
        "cherrypy",
        "django",
        "fastapi",
        "raw-wsgi",
        "raw-asgi",
    )
    assert frameworks.FULL_FRAMEWORKS == ("flask", "bottle", "cherrypy", "django", "fastapi")


def test_ports_are_distinct() -> None:
    ports = [f.port for f in frameworks.FRAMEWORKS]
    assert len(set(ports)) == len(ports)


def test_unknown_name_lists_the_valid_ones() -> None:
    with pytest.raises(UsageError) as info:
        frameworks.get("flsk")
    assert "flsk" in str(info.value)
    for name in frameworks.NAMES:
        assert name in str(info.value)


@pytest.mark.parametrize(
    ("name", "cores", "processes", "threads"),
    [
        ("flask", 1, 3, 4),
        ("django", 2, 5, 4),
        ("fastapi", 1, 1, 1),
        ("raw-asgi", 2, 2, 1),
        ("cherrypy", 1, 1, 10),
        ("cherrypy", 4, 1, 10),
    ],
)
def test_worker_formulas(name: str, cores: int, processes: int, threads: int) -> None:
    workers = frameworks.get(name).workers(cores)
    assert (workers.processes, workers.threads) == (processes, threads)
    assert workers.reason


def test_workers_override_is_recorded_in_the_formula() -> None:
    workers = frameworks.get("bottle").workers(1, override=7)
    assert workers.processes == 7
    assert "overridden" in workers.formula


@pytest.mark.parametrize("bad", [0, -1])
def test_workers_reject_nonsense(bad: int) -> None:
    with pytest.raises(UsageError):
        frameworks.get("flask").workers(1, override=bad)
    with pytest.raises(UsageError):
        frameworks.get("flask").workers(bad)


@pytest.mark.parametrize("fw", frameworks.FRAMEWORKS, ids=lambda f: f.name)
def test_every_server_binds_loopback_only(fw: frameworks.Framework) -> None:
    argv = fw.command(12345, fw.workers(1))
    joined = " ".join(argv)
    assert "127.0.0.1" in joined
    assert "0.0.0.0" not in joined
    assert "12345" in joined


@pytest.mark.parametrize("fw", frameworks.FRAMEWORKS, ids=lambda f: f.name)
def test_app_folders_exist_with_a_hello_world(fw: frameworks.Framework) -> None:
    app_dir = frameworks.ROOT / fw.app_dir
    assert app_dir.is_dir()
    if fw.baseline:
        assert fw.hello is None
    else:
        assert fw.hello is not None
        assert (app_dir / "hello.py").is_file()


def test_select_keeps_registry_order_and_rejects_unknown() -> None:
    chosen = frameworks.select(["fastapi", "flask"])
    assert [f.name for f in chosen] == ["flask", "fastapi"]
    assert frameworks.select([]) == frameworks.FRAMEWORKS
    with pytest.raises(UsageError):
        frameworks.select(["flask", "tornado"])


def test_baselines_match_the_interface() -> None:
    assert frameworks.baseline_for(frameworks.get("fastapi")).name == "raw-asgi"
    assert frameworks.baseline_for(frameworks.get("django")).name == "raw-wsgi"
