"""The one parser of loopback targets (`run --target`, `verify --target`): this harness never
sends load or checks to another address."""

from __future__ import annotations

import ipaddress
import socket
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from bench.errors import UsageError

_SHAPE = "http://127.0.0.1:PORT or http://[::1]:PORT"


@dataclass(frozen=True)
class Target:
    """An already running app the run drives instead of starting one."""

    url: str
    host: str
    """The address without brackets: 127.0.0.1, ::1."""
    port: int
    cgroup: Path | None = None


def parse_target(url: str, cgroup: str | None = None, option: str = "--target") -> Target:
    """A loopback http URL with a port (`127.0.0.1:8006` and `localhost` are accepted too);
    anything else is one UsageError naming what is wrong."""
    parts = urllib.parse.urlsplit(url if "://" in url else f"http://{url}")
    if parts.scheme != "http":
        raise UsageError(f"{option} must look like {_SHAPE}, got {url!r} (scheme {parts.scheme})")
    if parts.username or parts.password or parts.query or parts.fragment:
        raise UsageError(f"{option} is a host and a port only, got {url!r}")
    if parts.path not in ("", "/"):
        raise UsageError(f"{option} is a host and a port only (no path), got {url!r}")
    try:
        port = parts.port
    except ValueError:
        raise UsageError(f"{option}: the port must be a number 1-65535, got {url!r}") from None
    if not parts.hostname or port is None:
        raise UsageError(f"{option} must look like {_SHAPE}, got {url!r}")
    if not 0 < port < 65536:
        raise UsageError(f"{option}: the port must be 1-65535, got {port}")
    host = "127.0.0.1" if parts.hostname == "localhost" else parts.hostname
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise UsageError(
            f"{option} must be a loopback address (127.0.0.0/8 or [::1]), got {parts.hostname}"
        )
    group = Path(cgroup) if cgroup else None
    if group is not None and not (group / "cpu.stat").is_file():
        raise UsageError(f"--target-cgroup {group} has no cpu.stat (not a cgroup v2 directory)")
    shown = f"[{host}]" if ":" in host else host
    return Target(url=f"http://{shown}:{port}", host=host, port=port, cgroup=group)


def listening(target: Target, timeout: float = 2.0) -> bool:
    """Whether something accepts a TCP connection at the target now."""
    try:
        with socket.create_connection((target.host, target.port), timeout=timeout):
            return True
    except OSError:
        return False


def require_listening(target: Target) -> None:
    if not listening(target):
        raise UsageError(f"nothing listens on {target.url}")
