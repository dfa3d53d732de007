"""What the container of an app is: image name, layout inside the image, limits, command.

The image mirrors the repository under IMAGE_ROOT (apps/<app> -> /srv/apps/<app>), so the
registry's command maps onto the container by replacing the project root and the interpreter.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from bench.frameworks import (
    CHEROOT_LAUNCHER,
    FRAMEWORKS,
    ROOT,
    Framework,
    deployments,
    servers_for,
)

IMAGE_ROOT = "/srv"
VENV = "/opt/venv"
PYTHON = f"{VENV}/bin/python"
DEFAULT_BASE_IMAGE = "python:3.11-slim"
"""The official image of the project's Python (pyproject: requires-python 3.11)."""
LOCAL_BASE_IMAGE = "pywebbench/python-base:bookworm"
"""Built by scripts/build-base-image.sh when no registry is reachable."""
IMAGE_PREFIX = "pywebbench/"
PORT_VARIABLE = "PORT"

CORES = 1
"""Every server gets one core, in a container as locally (the runner pins servers to CPU 0):
the worker formula is evaluated for this budget, so both deployments run the same command."""
CPUSET = "0"
MEM_LIMIT = "1g"
PIDS_LIMIT = 256
"""Processes and threads of one container: the largest here (gunicorn, 3 workers x 4 threads,
its arbiter, tini) uses ~20; a fork bomb or a thread leak stops at this instead of the host's."""
TMPFS = "/tmp:rw,nosuid,nodev,size=64m"
"""The only writable place on the read-only root file system: gunicorn's worker heartbeat
files and Python's tempfile need one; 64 MiB counts against the memory limit only when used."""
HARDENING_ARGS: tuple[str, ...] = (
    "--read-only",
    "--tmpfs", TMPFS,
    "--cap-drop", "ALL",
    "--security-opt", "no-new-privileges",
    "--pids-limit", str(PIDS_LIMIT),
)  # fmt: skip
"""`docker run` flags: a server on an unprivileged port, as a non-root user, needs no
capability, no setuid and no write outside /tmp."""
"""Equal for every service; gunicorn's 3 workers of the largest app (Django) stay far below."""


@dataclass(frozen=True)
class ContainerSpec:
    framework: Framework
    """A deployment: the image is its app's (one per app, holding every server the app runs
    on); the command selects the server."""

    @property
    def image(self) -> str:
        return f"{IMAGE_PREFIX}{self.framework.name}:latest"

    @property
    def service(self) -> str:
        """The compose service: the app's name on its default server, app_server on another
        (compose names allow no @)."""
        return self.framework.label.replace("@", "_")

    @property
    def launcher(self) -> str | None:
        """The generic cheroot launcher, relative to the project root, when a server of this
        app needs it in the image."""
        app = self.framework.app
        needs = app.own_cheroot is None and any(s.kind == "cheroot" for s in servers_for(app))
        return str(CHEROOT_LAUNCHER.relative_to(ROOT)) if needs else None

    @property
    def dockerfile(self) -> str:
        """Relative to the project root, which is the build context."""
        return f"{self.framework.app_dir}/Dockerfile"

    @property
    def requirements(self) -> str:
        return f"{self.framework.app_dir}/requirements.txt"

    @property
    def app_path(self) -> str:
        return f"{IMAGE_ROOT}/{self.framework.app_dir}"

    @property
    def pythonpath(self) -> str:
        return f"{IMAGE_ROOT}/{self.framework.pythonpath}"

    def environment(self) -> dict[str, str]:
        """The registry's server environment, with paths inside the image."""
        return {k: self._in_image(v) for k, v in self.framework.environment().items()}

    def argv(self, port: int) -> list[str]:
        """The registry's production command for CORES, as it runs inside the image."""
        fw = self.framework
        command = fw.command(port, fw.workers(CORES), python=PYTHON)
        return [self._in_image(part) for part in command]

    def shell_command(self) -> str:
        """argv() with the port read from $PORT at start, so one image serves on any port."""
        # The tokens that change with the port are the port's; found by difference, not by
        # guessing its position in each server's syntax.
        first, second = self.argv(1111), self.argv(2222)
        if len(first) != len(second):
            raise ValueError(f"{self.framework.name}: command length depends on the port")
        parts = []
        for a, b in zip(first, second, strict=True):
            if a == b:
                parts.append(shlex.quote(a))
            elif a.replace("1111", "2222") == b and shlex.quote(a) == a:
                parts.append(a.replace("1111", f"${{{PORT_VARIABLE}}}"))
            else:
                raise ValueError(f"{self.framework.name}: cannot template port in {a!r}")
        return "exec " + " ".join(parts)

    @staticmethod
    def _in_image(text: str) -> str:
        root = str(ROOT)
        return IMAGE_ROOT + text[len(root) :] if text.startswith(root) else text


def specs() -> tuple[ContainerSpec, ...]:
    """One per app, on its default server: the image's own command (its CMD)."""
    return tuple(ContainerSpec(fw) for fw in FRAMEWORKS)


def server_specs() -> tuple[ContainerSpec, ...]:
    """Every other deployment of the matrix: the app's image with another server's command."""
    return tuple(ContainerSpec(fw) for fw in deployments(None, ("all",)) if not fw.is_default)
