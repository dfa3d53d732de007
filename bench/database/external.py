"""`--database-url`: an existing PostgreSQL instead of the private cluster (loopback only)."""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from bench.database.cluster import Database
from bench.errors import UsageError


def parse(url: str) -> str:
    """The URL itself when it is a postgresql:// URI to a loopback host; a UsageError else."""
    parts = urlsplit(url)
    if parts.scheme not in ("postgresql", "postgres") or not parts.hostname:
        raise UsageError(
            "--database-url must look like postgresql://USER:PASSWORD@127.0.0.1:PORT/hello_world"
            f", got {url!r}"
        )
    host = "127.0.0.1" if parts.hostname == "localhost" else parts.hostname
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback:
        raise UsageError(
            f"--database-url must name a loopback host (127.0.0.0/8 or [::1]), got {parts.hostname}"
        )
    return url


def existing(url: str) -> Database:
    """The given server as a Database, once its `hello_world` is checked to hold the data."""
    import psycopg

    from bench.database import seed
    from bench.database.cluster import DatabaseError

    parse(url)
    try:
        with psycopg.connect(url, connect_timeout=5) as conn:
            problem = seed.is_seeded(conn)
            version = str(conn.info.server_version // 10000)
    except psycopg.Error as exc:
        raise DatabaseError(f"cannot connect to --database-url: {str(exc).strip()}") from None
    if problem:
        raise DatabaseError(f"--database-url: {problem}")
    return Database(url=url, admin=url, private=False, version=version)
