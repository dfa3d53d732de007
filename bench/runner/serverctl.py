"""Start an app's production server pinned to the server's cores, on a free loopback port."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from bench.frameworks import Framework
from bench.server import ServerProcess, start_ready

READY_TIMEOUT_S = 60.0


def start_server(
    framework: Framework,
    cpus: tuple[int, ...],
    log_path: Path | None = None,
    ready_timeout: float = READY_TIMEOUT_S,
    extra_env: Mapping[str, str] | None = None,
) -> ServerProcess:
    """A started, answering server with the worker formula for `cpus` (the caller stops it)."""
    workers = framework.workers(len(cpus))
    return start_ready(
        framework,
        workers,
        cpus=cpus,
        ready_timeout=ready_timeout,
        log_path=log_path,
        extra_env=extra_env,
    )
