"""Start an app's production server pinned to the server's cores, on a free loopback port."""

from __future__ import annotations

from pathlib import Path

from bench import ports
from bench.frameworks import Framework
from bench.server import ServerProcess, ServerStartError

READY_TIMEOUT_S = 60.0


class StartedServer(ServerProcess):
    startup_s: float = 0.0


def start_server(
    framework: Framework,
    cpus: tuple[int, ...],
    log_path: Path | None = None,
    ready_timeout: float = READY_TIMEOUT_S,
) -> StartedServer:
    """A started, answering server (the caller stops it); retries a port raced away from us."""
    workers = framework.workers(len(cpus))
    for attempt in range(3):
        server = StartedServer(framework, ports.free_port(), workers, cpus, log_path=log_path)
        server.start()
        try:
            server.startup_s = server.wait_ready(ready_timeout)
        except ServerStartError:
            server.stop()
            if attempt == 2 or "address already in use" not in server.log_tail().lower():
                raise
            continue
        except BaseException:  # Ctrl-C while waiting: the caller never got it to stop
            server.stop()
            raise
        return server
    raise AssertionError("unreachable")
