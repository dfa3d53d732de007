"""The one registry of frameworks under test.

Everything else — the CLI, the runner, the Makefile (through `python -m bench list`),
docker-compose generation and the tests — reads names, ports, server commands and
worker formulas from here and nowhere else.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from bench.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
APPS_DIR = ROOT / "apps"

Interface = Literal["wsgi", "asgi"]
ServerKind = Literal["gunicorn", "uvicorn", "cheroot"]
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Workers:
    """How many processes and threads a server runs, and the formula that chose them."""

    processes: int
    threads: int
    formula: str
    reason: str

    @property
    def concurrency(self) -> int:
        """Requests the server can have in progress at once (for blocking handlers)."""
        return self.processes * self.threads


@dataclass(frozen=True)
class Hello:
    """How the framework's docs run their smallest hello world (the app folder's hello.py)."""

    command: tuple[str, ...]
    """Run in the app folder; "{python}" stands for the interpreter."""
    port: int
    """The port the docs' command listens on (on 127.0.0.1)."""
    path: str = "/"

    def argv(self, python: str | None = None) -> list[str]:
        py = python or sys.executable
        return [py if part == "{python}" else part for part in self.command]


@dataclass(frozen=True)
class Framework:
    name: str
    """The CLI name: flask, bottle, cherrypy, django, fastapi, raw-wsgi, raw-asgi."""
    app_dir: str
    """Folder of the app, relative to the project root."""
    pythonpath: str
    """Folder put on sys.path to import the app (the framework's own project root)."""
    target: str
    """`module:attribute` as the server takes it; `module:factory()` for a factory."""
    interface: Interface
    server: ServerKind
    port: int
    distributions: tuple[str, ...]
    """PyPI names whose installed closure is "the framework" (for the dependency count)."""
    template_engine: str
    hello: Hello | None = None
    """The docs' hello world; None for the bare baselines."""
    baseline: bool = False
    env: tuple[tuple[str, str], ...] = ()
    """Extra environment the app needs (e.g. DJANGO_SETTINGS_MODULE)."""

    @property
    def module(self) -> str:
        return self.target.partition(":")[0]

    @property
    def attribute(self) -> str:
        return self.target.partition(":")[2]

    @property
    def server_distributions(self) -> tuple[str, ...]:
        return SERVER_DISTRIBUTIONS[self.server]

    def workers(self, cores: int, override: int | None = None) -> Workers:
        """The worker formula of this framework's server for a budget of `cores` CPUs."""
        if cores < 1:
            raise UsageError(f"a server needs at least one core, got {cores}")
        if override is not None and override < 1:
            raise UsageError(f"--workers must be at least 1, got {override}")
        if self.server == "gunicorn":
            processes = override or 2 * cores + 1
            return Workers(
                processes=processes,
                threads=4,
                formula=f"gthread workers = 2 x cores + 1 = {2 * cores + 1}, threads = 4"
                + (f" (overridden: workers = {override})" if override else ""),
                reason=(
                    "gunicorn's design docs recommend (2 x cores) + 1 workers and 2-4 threads "
                    "each; gthread rather than sync because sync closes every connection and "
                    "the benchmark client keeps connections alive"
                ),
            )
        if self.server == "uvicorn":
            processes = override or cores
            return Workers(
                processes=processes,
                threads=1,
                formula=f"workers = cores = {cores}"
                + (f" (overridden: workers = {override})" if override else ""),
                reason=(
                    "one event loop keeps one core busy on its own, so uvicorn's deployment "
                    "docs size workers to the cores; more only adds context switches"
                ),
            )
        threads = override or 10
        return Workers(
            processes=1,
            threads=threads,
            formula="one process, server.thread_pool = 10 (CherryPy's default)"
            + (f" (overridden: thread_pool = {override})" if override else ""),
            reason=(
                "CherryPy's engine runs one process; its docs give no per-core formula, so "
                "the documented default thread pool is used (--workers sets the pool size)"
            ),
        )

    def command(self, port: int, workers: Workers, python: str | None = None) -> list[str]:
        """The production server command, exactly as `bench serve` and the runner start it."""
        py = python or sys.executable
        bind = f"{HOST}:{port}"
        if self.server == "gunicorn":
            return [
                py, "-m", "gunicorn",
                "--bind", bind,
                "--workers", str(workers.processes),
                "--worker-class", "gthread",
                "--threads", str(workers.threads),
                "--pythonpath", str(ROOT / self.pythonpath),
                "--log-level", "warning",
                "--no-control-socket",
                self.target,
            ]  # fmt: skip
        if self.server == "uvicorn":
            return [
                py, "-m", "uvicorn",
                "--host", HOST,
                "--port", str(port),
                "--workers", str(workers.processes),
                "--app-dir", str(ROOT / self.pythonpath),
                "--loop", "uvloop",
                "--http", "httptools",
                "--no-access-log",
                "--log-level", "warning",
                self.target,
            ]  # fmt: skip
        return [
            py, "-m", self.module,
            "--host", HOST,
            "--port", str(port),
            "--threads", str(workers.threads),
        ]  # fmt: skip

    def environment(self) -> dict[str, str]:
        """Environment variables the server needs on top of the caller's."""
        return {"PYTHONPATH": str(ROOT / self.pythonpath), **dict(self.env)}


SERVER_DISTRIBUTIONS: dict[ServerKind, tuple[str, ...]] = {
    "gunicorn": ("gunicorn",),
    "uvicorn": ("uvicorn", "uvloop", "httptools"),
    "cheroot": ("cheroot",),
}

FRAMEWORKS: tuple[Framework, ...] = (
    Framework(
        name="flask",
        app_dir="apps/flask_app",
        pythonpath="apps",
        target="flask_app:create_app()",
        interface="wsgi",
        server="gunicorn",
        port=8001,
        distributions=("flask",),
        template_engine="Jinja2",
        hello=Hello(("{python}", "-m", "flask", "--app", "hello", "run"), port=5000),
    ),
    Framework(
        name="bottle",
        app_dir="apps/bottle_app",
        pythonpath="apps",
        target="bottle_app.app:app",
        interface="wsgi",
        server="gunicorn",
        port=8002,
        distributions=("bottle",),
        template_engine="SimpleTemplate",
        hello=Hello(("{python}", "hello.py"), port=8080),
    ),
    Framework(
        name="cherrypy",
        app_dir="apps/cherrypy_app",
        pythonpath="apps",
        target="cherrypy_app:application",
        interface="wsgi",
        server="cheroot",
        port=8003,
        distributions=("cherrypy", "jinja2"),
        template_engine="Jinja2",
        hello=Hello(("{python}", "hello.py"), port=8080),
    ),
    Framework(
        name="django",
        app_dir="apps/django_app",
        pythonpath="apps/django_app",
        target="djangosite.wsgi:application",
        interface="wsgi",
        server="gunicorn",
        port=8004,
        distributions=("django",),
        template_engine="Django templates",
        hello=Hello(("{python}", "hello.py", "runserver", "--noreload"), port=8000),
        env=(("DJANGO_SETTINGS_MODULE", "djangosite.settings"),),
    ),
    Framework(
        name="fastapi",
        app_dir="apps/fastapi_app",
        pythonpath="apps",
        target="fastapi_app.main:app",
        interface="asgi",
        server="uvicorn",
        port=8005,
        distributions=("fastapi", "jinja2"),
        template_engine="Jinja2",
        hello=Hello(("{python}", "-m", "uvicorn", "hello:app"), port=8000),
    ),
    Framework(
        name="raw-wsgi",
        app_dir="apps/raw_wsgi",
        pythonpath="apps",
        target="raw_wsgi.app:application",
        interface="wsgi",
        server="gunicorn",
        port=8006,
        distributions=(),
        template_engine="none",
        baseline=True,
    ),
    Framework(
        name="raw-asgi",
        app_dir="apps/raw_asgi",
        pythonpath="apps",
        target="raw_asgi.app:application",
        interface="asgi",
        server="uvicorn",
        port=8007,
        distributions=(),
        template_engine="none",
        baseline=True,
    ),
)

NAMES: tuple[str, ...] = tuple(f.name for f in FRAMEWORKS)
FULL_FRAMEWORKS: tuple[str, ...] = tuple(f.name for f in FRAMEWORKS if not f.baseline)
_BY_NAME = {f.name: f for f in FRAMEWORKS}


def get(name: str) -> Framework:
    """The framework called `name`, or a UsageError naming the valid ones."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise UsageError(f"unknown framework {name!r}; valid: {', '.join(NAMES)}") from None


def select(names: Sequence[str] | None) -> tuple[Framework, ...]:
    """The frameworks named (all of them when `names` is empty), in registry order."""
    if not names:
        return FRAMEWORKS
    chosen = {get(n).name for n in names}
    return tuple(f for f in FRAMEWORKS if f.name in chosen)


def baseline_for(framework: Framework) -> Framework:
    """The bare server of the same interface: what the framework costs is measured over it."""
    return get("raw-asgi" if framework.interface == "asgi" else "raw-wsgi")
