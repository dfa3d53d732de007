"""Loopback ports: find a free one, refuse a busy one with a clear line."""

from __future__ import annotations

import socket

from bench.errors import UsageError
from bench.frameworks import HOST


def is_free(port: int, host: str = HOST) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the servers do: a port whose old connections sit in TIME_WAIT can be bound again,
        # while a port someone listens on still cannot (Linux refuses that with SO_REUSEADDR too).
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def ensure_free(port: int, host: str = HOST) -> None:
    if not 0 < port < 65536:
        raise UsageError(f"port must be 1-65535, got {port}")
    if not is_free(port, host):
        raise UsageError(f"port {port} on {host} is busy; pick another with --port")


def free_port(host: str = HOST) -> int:
    """A port the kernel says is free now (it may be taken again before use; callers retry)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port
