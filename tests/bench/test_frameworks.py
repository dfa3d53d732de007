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


# -- servers as a dimension ------------------------------------------------------------------

DEFAULTS = {
    "flask": ("gunicorn", "flask_app:create_app()"),
    "bottle": ("gunicorn", "bottle_app.app:app"),
    "cherrypy": ("cheroot", "cherrypy_app:application"),
    "django": ("gunicorn", "djangosite.wsgi:application"),
    "fastapi": ("uvicorn", "fastapi_app.main:app"),
    "raw-wsgi": ("gunicorn", "raw_wsgi.app:application"),
    "raw-asgi": ("uvicorn", "raw_asgi.app:application"),
}


@pytest.mark.parametrize("name", frameworks.NAMES)
def test_defaults_are_unchanged(name: str) -> None:
    fw = frameworks.get(name)
    assert (fw.server, fw.target) == DEFAULTS[name]
    assert fw.is_default and fw.label == name
    assert frameworks.deployments([name]) == (fw,)
    assert frameworks.deployments([name], ("default",)) == (fw,)


def test_default_commands_are_todays() -> None:
    flask = frameworks.get("flask").command(8001, frameworks.get("flask").workers(1), "py")
    assert flask[:3] == ["py", "-m", "gunicorn"]
    assert flask[flask.index("--worker-class") + 1] == "gthread"
    assert flask[flask.index("--threads") + 1] == "4"
    cherrypy = frameworks.get("cherrypy")
    assert cherrypy.command(1, cherrypy.workers(1), "py")[:3] == ["py", "-m", "cherrypy_app"]


def test_a_pair_is_valid_only_when_the_interfaces_match() -> None:
    for app in frameworks.APPS:
        for server in frameworks.SERVERS:
            assert frameworks.valid(app, server) == (server.interface in app.interfaces)
    with pytest.raises(UsageError) as info:
        frameworks.deployment("fastapi", "gunicorn")
    assert "fastapi runs on: uvicorn, granian-asgi" in str(info.value)
    with pytest.raises(UsageError):
        frameworks.deployment("flask", "uvicorn")
    with pytest.raises(UsageError):
        frameworks.deployment("flask", "tornado")


def test_the_matrix_has_two_servers_per_framework_and_three_for_wsgi() -> None:
    matrix = frameworks.deployments(None, ("all",))
    for app in frameworks.APPS:
        servers = {d.server for d in matrix if d.name == app.name}
        assert len(servers) >= (3 if "wsgi" in app.interfaces else 2), app.name
    labels = [d.label for d in matrix]
    assert len(set(labels)) == len(labels)


def test_django_runs_its_asgi_application_on_asgi_servers() -> None:
    on_uvicorn = frameworks.deployment("django", "uvicorn")
    assert on_uvicorn.interface == "asgi"
    assert on_uvicorn.target == "djangosite.asgi:application"
    assert dict(on_uvicorn.env)["DJANGO_SETTINGS_MODULE"] == "djangosite.settings_asgi"
    assert frameworks.deployment("django", "granian").interface == "wsgi"  # its first entry
    assert frameworks.deployment("django", "granian-asgi").interface == "asgi"


def test_cherrypy_on_another_server_imports_its_engine_starting_entry() -> None:
    on_gunicorn = frameworks.deployment("cherrypy", "gunicorn")
    assert on_gunicorn.target == "cherrypy_app.wsgi:application"
    assert on_gunicorn.command(1, on_gunicorn.workers(1), "py")[-1] == on_gunicorn.target


def test_every_wsgi_app_on_cheroot_goes_through_the_launcher() -> None:
    flask = frameworks.deployment("flask", "cheroot")
    argv = flask.command(18001, flask.workers(1), "py")
    assert argv[1] == str(frameworks.CHEROOT_LAUNCHER) and argv[-1] == "flask_app:create_app()"
    assert frameworks.CHEROOT_LAUNCHER.is_file()


def test_granian_takes_a_factory_with_its_flag() -> None:
    flask = frameworks.deployment("flask", "granian")
    argv = flask.command(18001, flask.workers(1), "py")
    assert "--factory" in argv and argv[-1] == "flask_app:create_app"
    assert argv[argv.index("--interface") + 1] == "wsgi"


def test_servers_option_parses_names_all_and_default() -> None:
    assert frameworks.parse_servers(None) == ("default",)
    assert frameworks.parse_servers("all") == ("all",)
    assert frameworks.parse_servers("granian, cheroot") == ("granian", "cheroot")
    for bad in ("all,cheroot", "nginx", "default,all"):
        with pytest.raises(UsageError):
            frameworks.parse_servers(bad)
    on_cheroot = frameworks.deployments(["flask", "fastapi"], ("cheroot",))
    assert [d.label for d in on_cheroot] == ["flask@cheroot"]  # fastapi: no WSGI app
    granian = frameworks.deployments(["django"], ("granian",))
    assert [d.server for d in granian] == ["granian-wsgi", "granian-asgi"]


def test_variants_outside_the_matrix_are_named_not_implied() -> None:
    servers = {d.server for d in frameworks.deployments(None, ("all",))}
    assert "gunicorn-sync" not in servers and "gunicorn-gevent" not in servers
    sync = frameworks.deployment("flask", "gunicorn-sync")
    assert not sync.server_spec.keeps_alive and sync.server_spec.note
    argv = sync.command(1, sync.workers(1), "py")
    assert argv[argv.index("--worker-class") + 1] == "sync" and "--threads" not in argv


@pytest.mark.parametrize(
    ("server", "cores", "processes", "threads"),
    [
        ("gunicorn", 1, 3, 4),
        ("gunicorn-sync", 2, 5, 1),
        ("gunicorn-gevent", 1, 3, 1),
        ("granian-wsgi", 1, 1, 512),
        ("granian-wsgi", 2, 2, 256),
        ("granian-asgi", 2, 2, 1),
        ("uvicorn", 2, 2, 1),
        ("cheroot", 2, 1, 10),
    ],
)
def test_each_server_formula_with_its_documented_reason(
    server: str, cores: int, processes: int, threads: int
) -> None:
    spec = frameworks.get_server(server)
    workers = spec.workers(cores)
    assert (workers.processes, workers.threads) == (processes, threads)
    assert workers.reason and "Docs:" in workers.reason and spec.formula.recommendation


def test_workers_and_threads_overrides() -> None:
    fw = frameworks.get("flask")
    workers = fw.workers(1, 2, threads=8)
    assert (workers.processes, workers.threads) == (2, 8)
    assert "workers = 2" in workers.formula and "threads = 8" in workers.formula
    cherrypy = frameworks.get("cherrypy")
    assert cherrypy.workers(1, 4).threads == 4  # one process: --workers sizes the pool
    assert cherrypy.workers(1, threads=6).threads == 6
    with pytest.raises(UsageError):
        cherrypy.workers(1, 4, threads=6)
    with pytest.raises(UsageError):
        fw.workers(1, threads=0)
    for no_threads in ("uvicorn", "granian-asgi", "gunicorn-sync", "gunicorn-gevent"):
        with pytest.raises(UsageError, match="no thread count"):
            frameworks.get_server(no_threads).workers(1, threads=4)
    assert frameworks.deployment("flask", "granian").workers(1, threads=8).threads == 8


def test_the_workers_sweep_is_data_the_runner_iterates() -> None:
    variants = frameworks.worker_variants(["flask", "fastapi"])
    assert [d.label for d in variants] == [
        "flask@gunicorn[1x1]",
        "flask@gunicorn[1x4]",
        "flask@gunicorn[3x4]",
        "flask@gunicorn-gevent",
        "fastapi@uvicorn[1x1]",
        "fastapi@uvicorn[2x1]",
        "fastapi@uvicorn[3x1]",
    ]
    one_by_four = variants[1].workers(1)
    assert (one_by_four.processes, one_by_four.threads) == (1, 4)
    assert one_by_four.formula.startswith("sweep")
    assert variants[3].server_spec.scenarios == ("io",)


def test_the_baseline_is_on_the_same_server() -> None:
    assert frameworks.baseline_for(frameworks.get("cherrypy")).label == "raw-wsgi@cheroot"
    django_asgi = frameworks.deployment("django", "uvicorn")
    assert frameworks.baseline_for(django_asgi).label == "raw-asgi"
    granian = frameworks.deployment("flask", "granian")
    assert frameworks.baseline_for(granian).label == "raw-wsgi@granian-wsgi"
