"""Run one app's container on the host network, wait until docker calls it healthy, read its
cgroup, and always remove it — after an error, Ctrl-C or SIGTERM too.

Containers carry a label with the PID of the bench process that started them, so that a
container left behind by a killed bench (SIGKILL gives no chance to clean up) can be told
apart from anyone else's and removed by the next run.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import psutil

from bench import ports
from bench.docker import engine
from bench.docker.cgroup import CgroupDirs
from bench.docker.spec import CPUSET, HARDENING_ARGS, MEM_LIMIT, PORT_VARIABLE, ContainerSpec
from bench.errors import BenchError
from bench.frameworks import HOST
from bench.server import probe

OWNER_LABEL = "org.pywebbench.owner-pid"
NAME_PREFIX = "pywebbench-"


class ContainerStartError(BenchError):
    """The container exited, turned unhealthy or stayed silent."""


@dataclass(frozen=True)
class State:
    status: str
    """created | running | exited | ..."""
    health: str
    """starting | healthy | unhealthy | none (image without HEALTHCHECK)"""
    exit_code: int
    pid: int


@dataclass
class Container:
    spec: ContainerSpec
    port: int
    cpuset: str = CPUSET
    memory: str = MEM_LIMIT
    healthcheck: bool = True
    """False for measurement: each check is a Python start-up (~80 ms of CPU) inside the
    measured cgroup. Readiness is then the same GET /plaintext, sent from the host."""
    name: str = field(default="", init=False)
    started_at: float = field(default=0.0, init=False)
    ready_s: float = field(default=float("nan"), init=False)
    """`docker run` to ready: what the runner calls startup_s for a local server."""

    def __post_init__(self) -> None:
        suffix = secrets.token_hex(3)
        self.name = f"{NAME_PREFIX}{self.spec.framework.name}-{os.getpid()}-{suffix}"

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def run_args(self) -> list[str]:
        """`docker run` arguments: host network, equal limits, tini as PID 1 (signals, zombies)."""
        return [
            "run", "--detach",
            "--name", self.name,
            "--label", f"{OWNER_LABEL}={os.getpid()}",
            "--network", "host",
            "--init",
            "--cpuset-cpus", self.cpuset,
            "--memory", self.memory,
            "--memory-swap", self.memory,
            "--env", f"{PORT_VARIABLE}={self.port}",
            *HARDENING_ARGS,
            *([] if self.healthcheck else ["--no-healthcheck"]),
            self.spec.image,
        ]  # fmt: skip

    def start(self) -> None:
        ports.ensure_free(self.port)
        self.started_at = time.perf_counter()
        engine.docker(self.run_args(), timeout=60)

    def state(self) -> State:
        out = engine.docker(["inspect", "--format", "{{json .State}}", self.name])
        raw = json.loads(out)
        health = (raw.get("Health") or {}).get("Status", "none")
        return State(raw["Status"], health, int(raw.get("ExitCode", 0)), int(raw.get("Pid", 0)))

    def logs(self, lines: int = 20) -> str:
        try:
            return engine.docker(["logs", "--tail", str(lines), self.name], timeout=20)
        except engine.DockerError as exc:
            return str(exc)

    def wait_ready(self, timeout: float = 90.0) -> float:
        """Seconds from `docker run` to docker's `healthy` (or, without the HEALTHCHECK, to a
        200 on /plaintext from the host); raises if it exits or turns unhealthy."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            state = self.state()
            if state.status not in ("created", "running"):
                raise ContainerStartError(
                    f"{self.name} {state.status} with code {state.exit_code}:\n{self.logs()}"
                )
            if state.health == "healthy" or (
                not self.healthcheck and state.status == "running" and probe(self.port) == 200
            ):
                self.ready_s = time.perf_counter() - self.started_at
                return self.ready_s
            if state.health == "unhealthy":
                raise ContainerStartError(f"{self.name} is unhealthy:\n{self.logs()}")
            if state.health == "none" and self.healthcheck:
                raise ContainerStartError(f"{self.spec.image} has no HEALTHCHECK")
            time.sleep(0.2)
        raise ContainerStartError(
            f"{self.name} not healthy within {timeout:.0f}s on {self.url}:\n{self.logs()}"
        )

    def cgroup(self) -> CgroupDirs:
        return CgroupDirs.of_pid(self.state().pid)

    def remove(self) -> None:
        """`docker rm -f`: stops and deletes it. Idempotent; never raises for a gone container."""
        with contextlib.suppress(engine.DockerError):
            engine.docker(["rm", "--force", "--volumes", self.name], timeout=60)

    def exists(self) -> bool:
        out = engine.docker(["ps", "--all", "--quiet", "--filter", f"name=^{self.name}$"])
        return bool(out.strip())


@contextlib.contextmanager
def running(
    spec: ContainerSpec,
    port: int | None = None,
    cpuset: str = CPUSET,
    healthcheck: bool = True,
    timeout: float = 90.0,
) -> Iterator[Container]:
    """A ready container; removed on the way out, whatever the way out is."""
    container = Container(spec, port or ports.free_port(), cpuset=cpuset, healthcheck=healthcheck)
    try:
        container.start()
        container.wait_ready(timeout)
        yield container
    finally:
        container.remove()


def remove_orphans() -> list[str]:
    """Remove containers of this project whose bench process is gone; returns their names."""
    out = engine.docker(
        ["ps", "--all", "--filter", f"label={OWNER_LABEL}",
         "--format", f'{{{{.Names}}}} {{{{.Label "{OWNER_LABEL}"}}}}']
    )  # fmt: skip
    removed = []
    for line in out.splitlines():
        name, _, owner = line.partition(" ")
        if owner.isdigit() and psutil.pid_exists(int(owner)) and int(owner) != 0:
            continue
        with contextlib.suppress(engine.DockerError):
            engine.docker(["rm", "--force", name], timeout=60)
            removed.append(name)
    return removed
