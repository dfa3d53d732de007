"""The docker CLI: is an engine reachable, and one call with a clear error when it fails."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence

from bench.errors import BenchError, ToolMissingError

PROVISION_HINT = "run `make docker-provision` (scripts/provision-docker.sh)"


class DockerError(BenchError):
    """A docker command failed."""


def unavailable_reason() -> str | None:
    """Why docker cannot run containers here, or None when it can."""
    if shutil.which("docker") is None:
        return "the docker CLI is not installed"
    try:
        probe = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return "the docker engine did not answer `docker info` within 20s"
    if probe.returncode != 0 or not probe.stdout.strip():
        lines = probe.stderr.strip().splitlines() or ["no output"]
        return f"the docker engine is not reachable ({lines[-1]})"
    return None


def require() -> None:
    reason = unavailable_reason()
    if reason is not None:
        raise ToolMissingError(f"{reason}; {PROVISION_HINT}")


def docker(args: Sequence[str], timeout: float | None = 120.0) -> str:
    """stdout of `docker ARGS`; DockerError with docker's own message when it fails."""
    try:
        done = subprocess.run(
            ["docker", *args], capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise DockerError(f"`docker {' '.join(args[:2])}` did not finish in {timeout}s") from None
    except FileNotFoundError:
        raise ToolMissingError(f"the docker CLI is not installed; {PROVISION_HINT}") from None
    if done.returncode != 0:
        message = done.stderr.strip().splitlines() or [f"exit code {done.returncode}"]
        raise DockerError(f"`docker {' '.join(args[:2])}` failed: {message[-1]}")
    return done.stdout


def image_exists(image: str) -> bool:
    try:
        docker(["image", "inspect", "--format", "{{.Id}}", image])
    except DockerError:
        return False
    return True
