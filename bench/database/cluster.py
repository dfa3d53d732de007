"""A private PostgreSQL cluster for one run: made, seeded, and gone again at the end.

`running()` starts one on 127.0.0.1 and a free port, creates and seeds `hello_world`, yields a
`Database` (the URL the apps get, and how the harness reads the statement counts), and stops
it on the way out, whatever the way: return, exception, Ctrl-C, or SIGTERM (which the CLI
turns into an exception). If the harness itself is killed outright (SIGKILL), the postmaster
gets SIGINT from the kernel (PR_SET_PDEATHSIG) and shuts down: no postgres process outlives
the harness. The backends exit on their own once their postmaster is gone.

The cluster lives in a cache directory outside results/ (`cache_root()`): one initdb'd
template per PostgreSQL major version, copied into a fresh directory per run and removed at
the end, so that runs never share data and concurrent runs never share a data directory.
initdb refuses to run as root: as root the cluster runs as the `postgres` system user.
"""

from __future__ import annotations

import ctypes
import fcntl
import os
import pwd
import re
import secrets
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from bench import interrupts, ports
from bench.database import seed
from bench.errors import BenchError
from bench.frameworks import HOST

SUPERUSER = "postgres"
SYSTEM_USER = "postgres"
"""Debian's `postgresql` package creates this user; the cluster runs as it when we are root."""
READY_TIMEOUT_S = 60.0


class DatabaseError(BenchError):
    """The cluster could not be made, started, seeded or reached."""


@dataclass(frozen=True)
class Setting:
    name: str
    value: str
    reason: str


SETTINGS: tuple[Setting, ...] = (
    Setting("listen_addresses", HOST, "loopback only, like every server the harness starts"),
    Setting(
        "shared_preload_libraries",
        "pg_stat_statements",
        "verify counts the statements and rows each endpoint makes the database run",
    ),
    Setting("pg_stat_statements.save", "off", "counts belong to one run; nothing to keep"),
    Setting(
        "fsync",
        "off",
        "the data is thrown away after the run and rebuilt by the next: a flush to this "
        "shared machine's disk per commit would measure the disk, not the framework (a choice "
        "recorded with the results; crash safety is not needed for disposable data)",
    ),
    Setting(
        "synchronous_commit",
        "off",
        "as TechEmpower's own PostgreSQL configuration: a commit does not wait for its WAL flush",
    ),
    Setting(
        "full_page_writes", "off", "protects against torn pages after a crash: none to survive"
    ),
    Setting(
        "max_connections",
        "400",
        "above every app's pools together (gunicorn 2 x cores + 1 workers x 4 connections; "
        "uvicorn cores x 16) on up to 16 cores, plus the harness's own few",
    ),
    Setting(
        "unix_socket_permissions",
        "0700",
        "the socket trusts its superuser login: only the cluster's owner (and root) may use it",
    ),
)


def settings_record() -> list[dict[str, str]]:
    """The settings as a run records them (name, value, reason)."""
    return [{"name": s.name, "value": s.value, "reason": s.reason} for s in SETTINGS]


@dataclass(frozen=True)
class Database:
    """A seeded `hello_world` the apps can use."""

    url: str
    """libpq URI for the apps (DATABASE_URL): the app role over TCP on loopback."""
    admin: str
    """Conninfo for the harness (seeding, statement counts): a superuser on the private
    cluster, the same URL as `url` for an existing server."""
    private: bool
    """Started by the harness (True) or given with --database-url (False)."""
    pid: int | None = None
    """The postmaster's PID (private cluster): its process tree is the database's CPU."""
    version: str = ""

    def app_environment(self) -> dict[str, str]:
        """What a server needs in its environment to reach this database."""
        return {"DATABASE_URL": self.url}


def _binaries() -> Path:
    """The bin directory of the newest PostgreSQL installed (Debian keeps them apart)."""
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"),
        key=lambda p: int(p.parent.parent.name) if p.parent.parent.name.isdigit() else 0,
    )
    if found:
        return found[-1].parent
    on_path = shutil.which("postgres") or shutil.which("pg_ctl")
    if on_path:
        return Path(on_path).resolve().parent
    raise DatabaseError(
        "PostgreSQL is not installed (no postgres binary): run `make system` "
        "(Debian: apt-get install postgresql), or pass --database-url"
    )


def _major(bindir: Path) -> str:
    out = subprocess.run(
        [str(bindir / "postgres"), "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+)(?:\.\d+)*", out)
    if match is None:
        raise DatabaseError(f"cannot read the PostgreSQL version from {out!r}")
    return match[1]


def cache_root() -> Path:
    """Where clusters live: outside results/, kept between runs (the template)."""
    if os.geteuid() == 0:
        # root's home is closed to the postgres user the cluster runs as.
        return Path("/var/cache/pywebbench")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "pywebbench"


@dataclass(frozen=True)
class _Owner:
    """Who runs the cluster's processes: ourselves, or the postgres user when we are root."""

    uid: int | None
    gid: int | None

    @classmethod
    def pick(cls) -> _Owner:
        if os.geteuid() != 0:
            return cls(None, None)
        try:
            entry = pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            raise DatabaseError(
                f"running as root, but there is no {SYSTEM_USER!r} user to run PostgreSQL as "
                "(initdb refuses root): install Debian's postgresql package (`make system`)"
            ) from None
        return cls(entry.pw_uid, entry.pw_gid)

    @property
    def extra_groups(self) -> list[int] | None:
        """None keeps ours; as root, none of root's groups go along to the postgres user."""
        return None if self.uid is None else []

    def own(self, path: Path) -> None:
        if self.uid is not None and self.gid is not None:
            os.chown(path, self.uid, self.gid)


def _run(cmd: Sequence[str], owner: _Owner, cwd: Path) -> None:
    proc = subprocess.run(
        list(cmd),
        cwd=cwd,
        env=_environment(),
        capture_output=True,
        text=True,
        check=False,
        user=owner.uid,
        group=owner.gid,
        extra_groups=owner.extra_groups,
    )
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise DatabaseError(f"{Path(cmd[0]).name} failed ({proc.returncode}): " + " | ".join(tail))


def _environment() -> dict[str, str]:
    # No PG* variables of the caller's: they would point initdb or postgres elsewhere.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


def _template(bindir: Path, base: Path, owner: _Owner) -> Path:
    """The initdb'd data directory every run copies (made once per major version)."""
    template = base / "template"
    done = base / "template.complete"
    with (base / "template.lock").open("w") as lock:
        # Two runs starting at once: one runs initdb, the other waits and copies its result.
        fcntl.flock(lock, fcntl.LOCK_EX)
        if done.exists():
            return template
        shutil.rmtree(template, ignore_errors=True)  # a half-made one from an interrupted run
        initdb = [
            str(bindir / "initdb"),
            "--pgdata", str(template),
            "--username", SUPERUSER,
            # The Unix socket (in the run's own 0700 directory) trusts the superuser; TCP on
            # loopback asks the app role for its password.
            "--auth-local=trust",
            "--auth-host=scram-sha-256",
            "--encoding=UTF8",
            # Sorting is the apps' job (Python's order); the database's collation is moot.
            "--locale=C",
            "--no-sync",  # a cache, rebuilt if lost
            "--no-instructions",
        ]  # fmt: skip
        _run(initdb, owner, base)
        done.touch()
    return template


def _libc() -> ctypes.CDLL:
    return ctypes.CDLL(None, use_errno=True)


_PR_SET_PDEATHSIG = 1


@dataclass
class Cluster:
    """One private cluster: start() makes and seeds it, stop() ends every process of it."""

    cpus: Sequence[int] | None = None
    """CPUs to pin the postmaster (and every backend it forks) to; None leaves it unpinned."""
    root: Path | None = None
    port: int = 0
    run_dir: Path = field(default=Path(), init=False)
    popen: subprocess.Popen[bytes] | None = field(default=None, init=False)
    version: str = field(default="", init=False)
    _known: dict[int, psutil.Process] = field(default_factory=dict, init=False)

    @property
    def socket_dir(self) -> Path:
        return self.run_dir

    @property
    def log_path(self) -> Path:
        return self.run_dir / "postgres.log"

    def database(self) -> Database:
        return Database(
            url=(
                f"postgresql://{seed.APP_USER}:{seed.APP_PASSWORD}@{HOST}:{self.port}"
                f"/{seed.DATABASE}"
            ),
            admin=(
                f"host={self.socket_dir} port={self.port} user={SUPERUSER} dbname={seed.DATABASE}"
            ),
            private=True,
            pid=self.popen.pid if self.popen else None,
            version=self.version,
        )

    def start(self) -> Database:
        bindir = _binaries()
        self.version = _major(bindir)
        owner = _Owner.pick()
        base = (self.root or cache_root()) / f"pg-{self.version}"
        base.mkdir(parents=True, exist_ok=True)
        owner.own(base)  # initdb, as the cluster's user, writes the template in here
        sweep(base)
        template = _template(bindir, base, owner)
        self.run_dir = base / f"run-{os.getpid()}-{secrets.token_hex(4)}"
        self.run_dir.mkdir(mode=0o700)
        owner.own(self.run_dir)
        # Copied as the cluster's user, so that every file keeps the owner postgres demands.
        _run(["cp", "-a", str(template), str(self.run_dir / "data")], owner, self.run_dir)
        for attempt in range(3):
            self.port = ports.free_port()
            try:
                self._spawn(bindir, owner)
                self._wait_ready()
                break
            except DatabaseError:
                busy = "could not bind" in self._log_tail() or "in use" in self._log_tail()
                self._stop_processes()
                if attempt == 2 or not busy:  # only a port taken since we chose it is retried
                    raise
        self._seed()
        return self.database()

    def _spawn(self, bindir: Path, owner: _Owner) -> None:
        options = [f"--{s.name}={s.value}" for s in SETTINGS]
        cmd = [
            str(bindir / "postgres"),
            "-D", str(self.run_dir / "data"),
            "-p", str(self.port),
            "-k", str(self.socket_dir),
            *options,
        ]  # fmt: skip
        cpus = list(self.cpus) if self.cpus is not None else None
        libc = _libc()  # loaded before the fork: the child only calls into it
        parent = os.getpid()

        def in_child() -> None:
            # Runs after the switch to the postgres user (a change of user would clear it).
            # SIGINT is PostgreSQL's fast shutdown: sessions are ended, nothing waits.
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGINT)
            if os.getppid() != parent:  # the harness died before the line above
                os._exit(1)
            if cpus is not None:
                os.sched_setaffinity(0, cpus)

        with self.log_path.open("ab") as log, interrupts.deferred():
            self.popen = subprocess.Popen(
                cmd,
                cwd=self.run_dir,
                env=_environment(),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Its own session: a Ctrl-C at the terminal reaches the harness, which stops
                # the servers first and the database last.
                start_new_session=True,
                preexec_fn=in_child,  # noqa: PLW1509 - the child runs no Python threads
                user=owner.uid,
                group=owner.gid,
                extra_groups=owner.extra_groups,
            )
            _STARTED.append(self)

    def _wait_ready(self) -> None:
        import psycopg

        deadline = time.monotonic() + READY_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.popen is None or self.popen.poll() is not None:
                code = None if self.popen is None else self.popen.returncode
                raise DatabaseError(
                    f"postgres exited with code {code} before accepting connections:\n"
                    + self._log_tail()
                )
            try:
                with psycopg.connect(self._admin_conninfo("postgres"), connect_timeout=2):
                    return
            except psycopg.OperationalError:
                time.sleep(0.05)
        raise DatabaseError(
            f"postgres did not accept connections within {READY_TIMEOUT_S:.0f}s:\n"
            + self._log_tail()
        )

    def _admin_conninfo(self, dbname: str) -> str:
        return f"host={self.socket_dir} port={self.port} user={SUPERUSER} dbname={dbname}"

    def _seed(self) -> None:
        import psycopg

        try:
            with psycopg.connect(self._admin_conninfo("postgres"), autocommit=True) as admin:
                seed.create(admin, self._admin_conninfo(seed.DATABASE))
            with psycopg.connect(self._admin_conninfo(seed.DATABASE), autocommit=True) as conn:
                conn.execute("SELECT pg_stat_statements_reset()")
        except psycopg.Error as exc:
            raise DatabaseError(f"seeding {seed.DATABASE} failed: {str(exc).strip()}") from None

    def _log_tail(self, lines: int = 10) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def processes(self) -> list[psutil.Process]:
        """The postmaster and every backend alive now."""
        if self.popen is None:
            return []
        try:
            main = psutil.Process(self.popen.pid)
            tree = [main, *main.children(recursive=True)]
        except psutil.NoSuchProcess:
            tree = []
        for proc in tree:
            self._known.setdefault(proc.pid, proc)
        return tree

    def _stop_processes(self) -> None:
        if self.popen is None:
            return
        self.processes()  # remember the backends before their postmaster goes
        # Fast shutdown, then immediate shutdown, then SIGKILL: each only if the one before
        # did not end it in time.
        for sig, wait_s in ((signal.SIGINT, 20.0), (signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0)):
            if self.popen.poll() is not None:
                break
            with suppress(ProcessLookupError):
                self.popen.send_signal(sig)
            with suppress(subprocess.TimeoutExpired):
                self.popen.wait(wait_s)
        leftovers = [p for p in self._known.values() if _alive(p)]
        for proc in leftovers:
            with suppress(psutil.NoSuchProcess):
                proc.kill()
        psutil.wait_procs(leftovers, timeout=5)
        still = [p.pid for p in self._known.values() if _alive(p)]
        self.popen = None
        if still:
            raise DatabaseError(f"postgres processes {still} survived SIGKILL")

    def remaining(self) -> list[int]:
        """PIDs of this cluster's processes still alive (empty after stop)."""
        return [p.pid for p in self._known.values() if _alive(p)]

    def stop(self) -> None:
        """End every process of the cluster and remove its directory. Idempotent."""
        with interrupts.ignored():  # a second Ctrl-C must not leave a postmaster behind
            try:
                self._stop_processes()
            finally:
                if self in _STARTED:
                    _STARTED.remove(self)
                if self.run_dir != Path() and self.run_dir.exists():
                    shutil.rmtree(self.run_dir, ignore_errors=True)


_STARTED: list[Cluster] = []


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def sweep(base: Path) -> list[Path]:
    """Remove the run directories of harnesses that are gone (killed before their clean-up),
    ending a postmaster still running in one. Runs of live harnesses are left alone."""
    removed = []
    for run in base.glob("run-*"):
        match = re.fullmatch(r"run-(\d+)-[0-9a-f]+", run.name)
        if match is None or psutil.pid_exists(int(match[1])):
            continue
        pidfile = run / "data" / "postmaster.pid"
        with suppress(OSError, ValueError, psutil.Error):
            pid = int(pidfile.read_text().split()[0])
            proc = psutil.Process(pid)
            if str(run) in " ".join(proc.cmdline()):
                proc.send_signal(signal.SIGQUIT)
                proc.wait(10)
        shutil.rmtree(run, ignore_errors=True)
        removed.append(run)
    return removed


@contextmanager
def running(cpus: Sequence[int] | None = None, root: Path | None = None) -> Iterator[Database]:
    """A private, seeded cluster for the block; every process of it ends with the block."""
    cluster = Cluster(cpus=cpus, root=root)
    try:
        yield cluster.start()
    finally:
        cluster.stop()


@contextmanager
def cluster_running(
    cpus: Sequence[int] | None = None, root: Path | None = None
) -> Iterator[Cluster]:
    """As `running()`, yielding the Cluster itself (its processes, for CPU accounting)."""
    cluster = Cluster(cpus=cpus, root=root)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
