"""The one registry: the apps under test, the servers they run on, and the pairs that are valid.

Two tables kept apart: APPS (a framework's project, its WSGI and/or ASGI callable, its template
engine, its hello world) and SERVERS (the interface a server speaks, how it is started, its
worker formula per core budget with the reason and what its docs recommend). A `Deployment` is
one app on one server, valid when the server speaks an interface the app offers. Every app has
a default server (what each framework's docs deploy it on), so `get(name)` and `select(names)`
mean what they always meant; `deployments(names, servers)` spans the matrix.

Everything else — the CLI, the runner, the Makefile (through `python -m bench list`),
docker-compose generation and the tests — reads names, ports, server commands and worker
formulas from here and nowhere else.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Literal

from bench.errors import UsageError

ROOT = Path(__file__).resolve().parent.parent
APPS_DIR = ROOT / "apps"
CHEROOT_LAUNCHER = ROOT / "bench" / "launch" / "cheroot_wsgi.py"
"""Runs any WSGI callable on cheroot with the settings CherryPy's own launcher uses."""

Interface = Literal["wsgi", "asgi"]
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
class Entry:
    """One callable of an app: the interface it speaks and how a server imports it."""

    interface: Interface
    target: str
    """`module:attribute` as gunicorn takes it; `module:factory()` for a factory."""
    env: tuple[tuple[str, str], ...] = ()
    """Extra environment this entry point needs (e.g. DJANGO_SETTINGS_MODULE)."""
    hosted: str = ""
    """The target a server other than the framework's own imports, where that needs more
    than the callable (CherryPy's engine started without its server); empty: `target`."""


@dataclass(frozen=True)
class App:
    name: str
    """The CLI name: flask, bottle, cherrypy, django, fastapi, raw-wsgi, raw-asgi."""
    app_dir: str
    """Folder of the app, relative to the project root."""
    pythonpath: str
    """Folder put on sys.path to import the app (the framework's own project root)."""
    entries: tuple[Entry, ...]
    """Its WSGI and/or ASGI callables; the first is the one its default server runs."""
    default_server: str
    port: int
    distributions: tuple[str, ...]
    """PyPI names whose installed closure is "the framework" (for the dependency count)."""
    template_engine: str
    hello: Hello | None = None
    """The docs' hello world; None for the bare baselines."""
    baseline: bool = False
    own_cheroot: str | None = None
    """A module that serves the app on cheroot through the framework's own engine
    (`python -m cherrypy_app`); None: the generic cheroot launcher serves it."""

    def entry(self, interface: Interface) -> Entry | None:
        return next((e for e in self.entries if e.interface == interface), None)

    @property
    def interfaces(self) -> tuple[Interface, ...]:
        return tuple(e.interface for e in self.entries)


ServerKind = Literal["gunicorn", "uvicorn", "granian", "cheroot"]


@dataclass(frozen=True)
class Formula:
    """processes = per_core x cores + plus; threads per process. Data, so `list` can show it."""

    per_core: int
    plus: int
    threads: int
    text: str
    """The formula in words, with {processes} and {threads} filled in."""
    reason: str
    recommendation: str
    """What the server's own documentation says, and where."""

    def processes(self, cores: int) -> int:
        return self.per_core * cores + self.plus


@dataclass(frozen=True)
class Server:
    name: str
    """As recorded in every sample's `server` column and taken by --server/--servers."""
    kind: ServerKind
    interface: Interface
    distributions: tuple[str, ...]
    formula: Formula
    worker_class: str = ""
    """gunicorn's --worker-class."""
    in_matrix: bool = True
    """Part of `--servers all`; False for the variants that answer one question only."""
    keeps_alive: bool = True
    note: str = ""
    """What a reading on this server means, when that is not the obvious."""
    scenarios: tuple[str, ...] | None = None
    """Only these scenarios are measured on it (None: every scenario of the app)."""
    threads_option: bool = True
    """It takes a thread count (gthread, granian's WSGI blocking threads, cheroot's pool)."""
    timer_function: str = ""
    """The C function every timer callback of its event loop runs through, as callgrind names
    it: the gate counts the server's wake-ups by its calls instead of inferring them from wall
    time (see bench/profiling/server.py). Empty where the wake-ups have no function of their own."""

    @property
    def one_process(self) -> bool:
        return self.formula.per_core == 0 and self.formula.plus == 1

    def workers(
        self, cores: int, override: int | None = None, threads: int | None = None
    ) -> Workers:
        """The worker formula for a budget of `cores` CPUs, or the overrides of it."""
        if cores < 1:
            raise UsageError(f"a server needs at least one core, got {cores}")
        for value, flag in ((override, "--workers"), (threads, "--threads")):
            if value is not None and value < 1:
                raise UsageError(f"{flag} must be at least 1, got {value}")
        f = self.formula
        if not self.threads_option and threads not in (None, f.threads):
            raise UsageError(f"{self.name} has no thread count to set; give --workers only")
        if self.one_process and override is not None:
            # One process by design: --workers has always sized cheroot's thread pool.
            if threads is not None:
                raise UsageError(f"{self.name} runs one process; give --threads only")
            threads = override
            override = None
        processes = override or f.processes(cores)
        nthreads = threads or self._default_threads(processes)
        formula = f.text.format(
            processes=f.processes(cores), threads=self._default_threads(f.processes(cores))
        )
        changed = [f"workers = {override}"] if override else []
        changed += [f"threads = {threads}"] if threads else []
        if changed:
            formula += f" (overridden: {', '.join(changed)})"
        return Workers(processes, nthreads, formula, f"{f.reason}. Docs: {f.recommendation}")

    def _default_threads(self, processes: int) -> int:
        if self.kind == "granian" and self.interface == "wsgi":
            return granian_blocking_threads(processes)
        return self.formula.threads


GRANIAN_BACKLOG = 1024
"""granian's default --backlog; its default backpressure is backlog / workers."""


def granian_blocking_threads(workers: int) -> int:
    """granian's own default for WSGI (server/common.py): backpressure // 2, spawned on demand."""
    return max(1, (GRANIAN_BACKLOG // workers) // 2)


_GUNICORN_DOCS = (
    "gunicorn's design docs (docs/source/design.rst, 'How Many Workers?') recommend "
    "(2 x $num_cores) + 1 workers; settings.rst suggests 2-4 x cores threads for gthread"
)
_GUNICORN_REASON = "gunicorn's documented (2 x cores) + 1 workers"

SERVERS: tuple[Server, ...] = (
    Server(
        name="gunicorn",
        kind="gunicorn",
        interface="wsgi",
        distributions=("gunicorn",),
        worker_class="gthread",
        formula=Formula(
            per_core=2,
            plus=1,
            threads=4,
            text="gthread workers = 2 x cores + 1 = {processes}, threads = {threads}",
            reason=_GUNICORN_REASON + ", 4 threads each; gthread rather than sync because sync "
            "closes every connection and the benchmark client keeps connections alive",
            recommendation=_GUNICORN_DOCS,
        ),
    ),
    Server(
        name="gunicorn-sync",
        kind="gunicorn",
        interface="wsgi",
        distributions=("gunicorn",),
        worker_class="sync",
        formula=Formula(
            per_core=2,
            plus=1,
            threads=1,
            text="sync workers = 2 x cores + 1 = {processes}, one request each",
            reason=_GUNICORN_REASON + ", gunicorn's default worker class",
            recommendation=_GUNICORN_DOCS,
        ),
        in_matrix=False,
        keeps_alive=False,
        note="the sync worker answers every request with Connection: close (by design, "
        "design.rst), so every reading includes a new TCP connection per request: compare it "
        "with another server only for that; the keep-alive rule does not bind it",
        threads_option=False,
    ),
    Server(
        name="gunicorn-gevent",
        kind="gunicorn",
        interface="wsgi",
        distributions=("gunicorn", "gevent"),
        worker_class="gevent",
        formula=Formula(
            per_core=2,
            plus=1,
            threads=1,
            text="gevent workers = 2 x cores + 1 = {processes}, worker_connections = 1000 "
            "(gunicorn's default)",
            reason=_GUNICORN_REASON + "; each a gevent loop, time.sleep patched to yield",
            recommendation="design.rst: async workers (gevent) for apps that make long "
            "blocking calls, such as waiting on an external service",
        ),
        in_matrix=False,
        note="for /io only: the waits of a WSGI app cooperate, as an async server's would",
        scenarios=("io",),
        threads_option=False,
    ),
    Server(
        name="granian-wsgi",
        kind="granian",
        interface="wsgi",
        distributions=("granian",),
        formula=Formula(
            per_core=1,
            plus=0,
            threads=1,
            text="workers = cores = {processes}, blocking threads = granian's default "
            "(backlog / workers / 2 = {threads}, spawned on demand)",
            reason="granian's README puts workers at the cores and advises against tuning "
            "the blocking threads (its default follows the backpressure)",
            recommendation="granian README, 'Workers and threads': 'matching the amount of "
            "CPU cores for the workers is generally the best starting point'; 'avoid to "
            "configure workers and threads based on numbers suggested for other servers'",
        ),
    ),
    Server(
        name="granian-asgi",
        kind="granian",
        interface="asgi",
        distributions=("granian", "uvloop"),
        formula=Formula(
            per_core=1,
            plus=0,
            threads=1,
            text="workers = cores = {processes}, one event loop each",
            reason="granian's README puts workers at the cores; on ASGI the blocking threads "
            "are fixed to one (the event loop's)",
            recommendation="granian README, 'Workers and threads': 'matching the amount of "
            "CPU cores for the workers is generally the best starting point'",
        ),
        threads_option=False,
    ),
    Server(
        name="uvicorn",
        kind="uvicorn",
        interface="asgi",
        distributions=("uvicorn", "uvloop", "httptools"),
        formula=Formula(
            per_core=1,
            plus=0,
            threads=1,
            text="workers = cores = {processes}",
            reason="one event loop keeps one core busy on its own, so uvicorn's deployment "
            "docs size workers to the cores; more only adds context switches",
            recommendation="uvicorn docs/deployment.md: run several worker processes, "
            "typically one per core ('--workers')",
        ),
        threads_option=False,
        # uvloop's TimerHandle._run: uvicorn's main loop ticks every 0.1 s through it.
        timer_function="__pyx_f_6uvloop_4loop_11TimerHandle__run",
    ),
    Server(
        name="cheroot",
        kind="cheroot",
        interface="wsgi",
        distributions=("cheroot",),
        formula=Formula(
            per_core=0,
            plus=1,
            threads=10,
            text="one process, server.thread_pool = {threads} (CherryPy's default)",
            reason="cheroot serves from one process; neither it nor CherryPy gives a per-core "
            "formula, so the documented default thread pool is used (--workers or --threads "
            "sets the pool size)",
            recommendation="CherryPy docs (config 'server.thread_pool', default 10); "
            "cheroot.wsgi.Server(numthreads=10)",
        ),
    ),
)

_SERVERS_BY_NAME = {s.name: s for s in SERVERS}
SERVER_NAMES: tuple[str, ...] = tuple(_SERVERS_BY_NAME)
SERVER_FAMILIES: dict[str, tuple[str, ...]] = {"granian": ("granian-wsgi", "granian-asgi")}
"""A name that stands for its interface variants: `--server granian` picks the app's."""

SERVER_DISTRIBUTIONS: dict[str, tuple[str, ...]] = {s.name: s.distributions for s in SERVERS}


@dataclass(frozen=True)
class Deployment:
    """One app on one server: what `bench serve`, `verify`, the runner and compose start.

    Its fields are those of the old one-server-per-framework record (name, target, server,
    port, ...; `server` the server's name, as a sample's `server` column records it), copied
    from the app and the server by `of()`, so code written for the default deployments, and
    `dataclasses.replace` on them, work unchanged; `app` and `server_spec` are the pair.
    """

    name: str
    """The CLI name: flask, bottle, cherrypy, django, fastapi, raw-wsgi, raw-asgi."""
    app_dir: str
    """Folder of the app, relative to the project root."""
    pythonpath: str
    """Folder put on sys.path to import the app (the framework's own project root)."""
    target: str
    """`module:attribute` as this server imports it; `module:factory()` for a factory."""
    interface: Interface
    server: str
    """The server's name."""
    port: int
    distributions: tuple[str, ...]
    """PyPI names whose installed closure is "the framework" (for the dependency count)."""
    template_engine: str
    app: App
    server_spec: Server
    hello: Hello | None = None
    """The docs' hello world; None for the bare baselines."""
    baseline: bool = False
    env: tuple[tuple[str, str], ...] = ()
    """Extra environment the app needs (e.g. DJANGO_SETTINGS_MODULE)."""
    fixed: tuple[int, int] | None = None
    """(processes, threads) of a workers-sweep variant; None: the server's formula."""

    @classmethod
    def of(cls, app: App, server: Server, fixed: tuple[int, int] | None = None) -> Deployment:
        entry = app.entry(server.interface)
        if entry is None:
            raise UsageError(f"{app.name} has no {server.interface.upper()} app for {server.name}")
        own = app.own_cheroot is not None and server.kind == "cheroot"
        return cls(
            name=app.name,
            app_dir=app.app_dir,
            pythonpath=app.pythonpath,
            target=entry.hosted if entry.hosted and not own else entry.target,
            interface=server.interface,
            server=server.name,
            port=app.port,
            distributions=app.distributions,
            template_engine=app.template_engine,
            app=app,
            server_spec=server,
            hello=app.hello,
            baseline=app.baseline,
            env=entry.env,
            fixed=fixed,
        )

    @property
    def is_default(self) -> bool:
        return self.server == self.app.default_server and self.fixed is None

    @property
    def label(self) -> str:
        """Unique within a run: the app's name for its default deployment, else name@server."""
        if self.is_default:
            return self.name
        label = f"{self.name}@{self.server}"
        return f"{label}[{self.fixed[0]}x{self.fixed[1]}]" if self.fixed else label

    @property
    def module(self) -> str:
        return self.target.partition(":")[0]

    @property
    def attribute(self) -> str:
        return self.target.partition(":")[2]

    @property
    def server_distributions(self) -> tuple[str, ...]:
        return self.server_spec.distributions

    def workers(
        self, cores: int, override: int | None = None, threads: int | None = None
    ) -> Workers:
        """The server's worker formula for `cores` CPUs (a sweep variant's fixed numbers)."""
        if self.fixed is not None and override is None and threads is None:
            base = self.server_spec.workers(cores, self.fixed[0], self.fixed[1])
            formula = f"sweep: workers = {self.fixed[0]}, threads = {self.fixed[1]}"
            return replace(base, formula=formula)
        return self.server_spec.workers(cores, override, threads)

    def command(self, port: int, workers: Workers, python: str | None = None) -> list[str]:
        """The production server command, exactly as `bench serve` and the runner start it."""
        py = python or sys.executable
        kind = self.server_spec.kind
        if kind == "gunicorn":
            return self._gunicorn(py, port, workers)
        if kind == "uvicorn":
            return self._uvicorn(py, port, workers)
        if kind == "granian":
            return self._granian(py, port, workers)
        return self._cheroot(py, port, workers)

    def _gunicorn(self, py: str, port: int, workers: Workers) -> list[str]:
        worker_class = self.server_spec.worker_class
        threads = ["--threads", str(workers.threads)] if worker_class == "gthread" else []
        return [
            py, "-m", "gunicorn",
            "--bind", f"{HOST}:{port}",
            "--workers", str(workers.processes),
            "--worker-class", worker_class,
            *threads,
            "--pythonpath", str(ROOT / self.pythonpath),
            "--log-level", "warning",
            "--no-control-socket",
            self.target,
        ]  # fmt: skip

    def _uvicorn(self, py: str, port: int, workers: Workers) -> list[str]:
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

    def _granian(self, py: str, port: int, workers: Workers) -> list[str]:
        target, factory = _factory(self.target)
        wsgi = self.interface == "wsgi"
        return [
            py, "-m", "granian",
            "--interface", self.interface,
            "--host", HOST,
            "--port", str(port),
            "--workers", str(workers.processes),
            *(["--blocking-threads", str(workers.threads)] if wsgi else ["--loop", "uvloop"]),
            # HTTP/1.1 only and no websockets, as the other servers are run.
            "--http", "1",
            "--no-ws",
            "--log-level", "warning",
            "--no-access-log",
            *(["--factory"] if factory else []),
            target,
        ]  # fmt: skip

    def _cheroot(self, py: str, port: int, workers: Workers) -> list[str]:
        common = ["--host", HOST, "--port", str(port), "--threads", str(workers.threads)]
        if self.app.own_cheroot is not None:
            return [py, "-m", self.app.own_cheroot, *common]
        return [py, str(CHEROOT_LAUNCHER), *common, self.target]

    def environment(self) -> dict[str, str]:
        """Environment variables the server needs on top of the caller's."""
        return {"PYTHONPATH": str(ROOT / self.pythonpath), **dict(self.env)}


Framework = Deployment
"""The name the rest of the project uses for "what is started and measured"."""


def _factory(target: str) -> tuple[str, bool]:
    """granian takes `module:factory` plus --factory where gunicorn takes `module:factory()`."""
    return (target[:-2], True) if target.endswith("()") else (target, False)


def _wsgi(target: str, *env: tuple[str, str]) -> Entry:
    return Entry("wsgi", target, tuple(env))


def _asgi(target: str, *env: tuple[str, str]) -> Entry:
    return Entry("asgi", target, tuple(env))


APPS: tuple[App, ...] = (
    App(
        name="flask",
        app_dir="apps/flask_app",
        pythonpath="apps",
        entries=(_wsgi("flask_app:create_app()"),),
        default_server="gunicorn",
        port=8001,
        distributions=("flask",),
        template_engine="Jinja2",
        hello=Hello(("{python}", "-m", "flask", "--app", "hello", "run"), port=5000),
    ),
    App(
        name="bottle",
        app_dir="apps/bottle_app",
        pythonpath="apps",
        entries=(_wsgi("bottle_app.app:app"),),
        default_server="gunicorn",
        port=8002,
        distributions=("bottle",),
        template_engine="SimpleTemplate",
        hello=Hello(("{python}", "hello.py"), port=8080),
    ),
    App(
        name="cherrypy",
        app_dir="apps/cherrypy_app",
        pythonpath="apps",
        # On another server, cherrypy_app.wsgi first starts CherryPy's engine without its
        # HTTP server, as CherryPy's deployment docs do; on cheroot the engine runs its own.
        entries=(
            Entry("wsgi", "cherrypy_app:application", hosted="cherrypy_app.wsgi:application"),
        ),
        default_server="cheroot",
        port=8003,
        distributions=("cherrypy", "jinja2"),
        template_engine="Jinja2",
        hello=Hello(("{python}", "hello.py"), port=8080),
        own_cheroot="cherrypy_app",
    ),
    App(
        name="django",
        app_dir="apps/django_app",
        pythonpath="apps/django_app",
        entries=(
            _wsgi("djangosite.wsgi:application", ("DJANGO_SETTINGS_MODULE", "djangosite.settings")),
            # Its async views where the contract waits (/io), as Django's async docs show.
            _asgi(
                "djangosite.asgi:application",
                ("DJANGO_SETTINGS_MODULE", "djangosite.settings_asgi"),
            ),
        ),
        default_server="gunicorn",
        port=8004,
        distributions=("django",),
        template_engine="Django templates",
        hello=Hello(("{python}", "hello.py", "runserver", "--noreload"), port=8000),
    ),
    App(
        name="fastapi",
        app_dir="apps/fastapi_app",
        pythonpath="apps",
        entries=(_asgi("fastapi_app.main:app"),),
        default_server="uvicorn",
        port=8005,
        distributions=("fastapi", "jinja2"),
        template_engine="Jinja2",
        hello=Hello(("{python}", "-m", "uvicorn", "hello:app"), port=8000),
    ),
    App(
        name="raw-wsgi",
        app_dir="apps/raw_wsgi",
        pythonpath="apps",
        entries=(_wsgi("raw_wsgi.app:application"),),
        default_server="gunicorn",
        port=8006,
        distributions=(),
        template_engine="none",
        baseline=True,
    ),
    App(
        name="raw-asgi",
        app_dir="apps/raw_asgi",
        pythonpath="apps",
        entries=(_asgi("raw_asgi.app:application"),),
        default_server="uvicorn",
        port=8007,
        distributions=(),
        template_engine="none",
        baseline=True,
    ),
)

NAMES: tuple[str, ...] = tuple(a.name for a in APPS)
FULL_FRAMEWORKS: tuple[str, ...] = tuple(a.name for a in APPS if not a.baseline)
_APPS_BY_NAME = {a.name: a for a in APPS}


def get_app(name: str) -> App:
    """The app called `name`, or a UsageError naming the valid ones."""
    try:
        return _APPS_BY_NAME[name]
    except KeyError:
        raise UsageError(f"unknown framework {name!r}; valid: {', '.join(NAMES)}") from None


def get_server(name: str) -> Server:
    try:
        return _SERVERS_BY_NAME[name]
    except KeyError:
        names = ", ".join((*SERVER_NAMES, *SERVER_FAMILIES))
        raise UsageError(f"unknown server {name!r}; valid: {names}") from None


def valid(app: App, server: Server) -> bool:
    """A pair is valid when the server speaks an interface the app offers."""
    return app.entry(server.interface) is not None


def servers_for(app: App) -> tuple[Server, ...]:
    """Every server the app runs on, its default first, then registry order."""
    ok = [s for s in SERVERS if valid(app, s)]
    return tuple(sorted(ok, key=lambda s: s.name != app.default_server))


def deployment(name: str, server: str | None = None) -> Deployment:
    """`name` on `server` (its default server when None); a UsageError for an invalid pair.

    A family name (`granian`) picks the variant of the app's first interface it offers.
    """
    app = get_app(name)
    if server is None:
        return Deployment.of(app, get_server(app.default_server))
    candidates = SERVER_FAMILIES.get(server, (server,))
    chosen = [get_server(c) for c in candidates]
    for interface in app.interfaces:
        for spec in chosen:
            if spec.interface == interface:
                return Deployment.of(app, spec)
    offered = ", ".join(s.name for s in servers_for(app))
    raise UsageError(
        f"{name} offers {'/'.join(app.interfaces).upper()}, which {server} does not serve; "
        f"{name} runs on: {offered}"
    )


FRAMEWORKS: tuple[Deployment, ...] = tuple(deployment(a.name) for a in APPS)
"""Every app on its default server: what the project measured before servers were a dimension."""


def get(name: str) -> Deployment:
    """The framework called `name` on its default server, or a UsageError naming the valid ones."""
    return deployment(name)


def select(names: Sequence[str] | None) -> tuple[Deployment, ...]:
    """The frameworks named (all of them when `names` is empty) on their default servers, in
    registry order."""
    if not names:
        return FRAMEWORKS
    chosen = {get(n).name for n in names}
    return tuple(f for f in FRAMEWORKS if f.name in chosen)


def parse_servers(text: str | Sequence[str] | None) -> tuple[str, ...]:
    """`--servers` as given: NAME,... | all | default (None or empty: default). Checked names."""
    parts = [p.strip() for p in text.split(",")] if isinstance(text, str) else list(text or ())
    parts = [p for p in parts if p]
    if not parts or parts == ["default"]:
        return ("default",)
    if parts == ["all"]:
        return ("all",)
    if "all" in parts or "default" in parts:
        raise UsageError("--servers takes NAME,... or all or default, not a mix")
    for part in parts:
        if part not in SERVER_FAMILIES:
            get_server(part)
    return tuple(dict.fromkeys(parts))


def deployments(
    names: Sequence[str] | None, servers: Sequence[str] | None = None
) -> tuple[Deployment, ...]:
    """The named apps (all when empty) on the named servers, app by app in registry order.

    `servers`: None, () or ("default",) is each app's default server (what `select` gives);
    ("all",) every server of the matrix the app runs on (default first); otherwise those
    servers, each for every app it can serve (an app none of them serves is left out).
    """
    apps = [d.app for d in select(names)]
    wanted = parse_servers(servers)
    out: list[Deployment] = []
    for app in apps:
        if wanted == ("default",):
            out.append(deployment(app.name))
        elif wanted == ("all",):
            out.extend(Deployment.of(app, s) for s in servers_for(app) if s.in_matrix)
        else:
            names_ = [n for w in wanted for n in SERVER_FAMILIES.get(w, (w,))]
            out.extend(Deployment.of(app, s) for s in servers_for(app) if s.name in names_)
    return tuple(out)


SWEEP: dict[str, tuple[tuple[int, int], ...]] = {
    # On one core: one thread alone, threads sharing one process, and the default 3 x 4.
    "gunicorn": ((1, 1), (1, 4), (3, 4)),
    # One loop, then processes as a thread server would add threads.
    "uvicorn": ((1, 1), (2, 1), (3, 1)),
}
"""(processes, threads) of the `workers` sweep, per server."""


def worker_variants(names: Sequence[str] | None) -> tuple[Deployment, ...]:
    """The `workers` sweep as data: each app on its sweep server in every configuration of
    SWEEP, plus (WSGI apps) gunicorn's gevent worker, which its docs recommend for apps that
    wait, for /io. Shows how much the configuration, not the framework, decides."""
    out: list[Deployment] = []
    for app in (d.app for d in select(names)):
        for server_name, configs in SWEEP.items():
            spec = get_server(server_name)
            if valid(app, spec):
                out.extend(Deployment.of(app, spec, fixed=c) for c in configs)
        gevent = get_server("gunicorn-gevent")
        if valid(app, gevent):
            out.append(Deployment.of(app, gevent))
    return tuple(out)


def baseline_for(framework: Deployment) -> Deployment:
    """The bare app of the same interface on the same server: what the framework costs is
    measured over it."""
    bare = get_app("raw-asgi" if framework.interface == "asgi" else "raw-wsgi")
    return Deployment.of(bare, framework.server_spec)
