"""The database endpoints on psycopg 3's async driver and pool: no ORM, no template engine."""

from __future__ import annotations

import html
import json
import os
import random
from typing import Any
from urllib.parse import parse_qs

from psycopg_pool import AsyncConnectionPool

READ = 'SELECT id, randomnumber FROM "World" WHERE id = %s'
# All rows of a request in one statement: the arrays are unnested into (id, number) pairs.
WRITE = (
    'UPDATE "World" SET randomnumber = new.number'
    " FROM unnest(%s::integer[], %s::integer[]) AS new(id, number)"
    ' WHERE "World".id = new.id'
)
FORTUNES = 'SELECT id, message FROM "Fortune"'
EXTRA_FORTUNE = (0, "Additional fortune added at request time.")

URL = os.environ.get("DATABASE_URL")
# Per worker process. One event loop has many requests waiting at once, each holding a
# connection only while it awaits its queries; 16 in flight per worker is more than
# PostgreSQL on this machine's cores runs at once, and the pool queues the rest.
POOL = AsyncConnectionPool(URL, min_size=16, max_size=16, open=False) if URL else None


class NoDatabase(Exception):
    """Started without DATABASE_URL: the database endpoints answer 503."""


async def open_pool() -> None:
    """At lifespan start-up: an async pool must be opened inside the running event loop."""
    if POOL is not None:
        await POOL.open()


async def close_pool() -> None:
    if POOL is not None:
        await POOL.close()


def query_count(scope: dict[str, Any]) -> int:
    """TechEmpower's rule: not an integer is 1, then clamped to 1-500."""
    query = scope.get("query_string", b"").decode("latin-1")
    values = parse_qs(query, keep_blank_values=True).get("queries")
    raw = values[0] if values else ""
    if not (raw.isascii() and raw.isdigit()):
        return 1
    if len(raw.lstrip("0")) > 3:
        return 500
    return min(max(int(raw), 1), 500)


def _pool_or_fail() -> AsyncConnectionPool:
    if POOL is None:
        raise NoDatabase
    return POOL


async def _read(conn: Any, count: int) -> list[dict[str, int]]:
    rows = []
    for id_ in random.sample(range(1, 10001), count):  # different rows, as in every app
        cursor = await conn.execute(READ, (id_,))
        found = await cursor.fetchone()
        rows.append({"id": found[0], "randomNumber": found[1]})
    return rows


async def db(scope: dict[str, Any]) -> tuple[bytes, bytes]:
    async with _pool_or_fail().connection() as conn:
        [row] = await _read(conn, 1)
    return json.dumps(row).encode(), b"application/json"


async def queries(scope: dict[str, Any]) -> tuple[bytes, bytes]:
    async with _pool_or_fail().connection() as conn:
        rows = await _read(conn, query_count(scope))
    return json.dumps(rows).encode(), b"application/json"


async def updates(scope: dict[str, Any]) -> tuple[bytes, bytes]:
    async with _pool_or_fail().connection() as conn:
        rows = await _read(conn, query_count(scope))
        for row in rows:
            row["randomNumber"] = random.randint(1, 10000)
        ordered = sorted(rows, key=lambda row: row["id"])  # one lock order: no deadlocks
        await conn.execute(
            WRITE, ([r["id"] for r in ordered], [r["randomNumber"] for r in ordered])
        )
    return json.dumps(rows).encode(), b"application/json"


async def fortunes(scope: dict[str, Any]) -> tuple[bytes, bytes]:
    async with _pool_or_fail().connection() as conn:
        cursor = await conn.execute(FORTUNES)
        rows = [*await cursor.fetchall(), EXTRA_FORTUNE]
    rows.sort(key=lambda row: row[1])
    cells = "".join(
        f"<tr><td>{id_}</td><td>{html.escape(message)}</td></tr>" for id_, message in rows
    )
    page = (
        "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table>"
        f"<tr><th>id</th><th>message</th></tr>{cells}</table></body></html>"
    )
    return page.encode(), b"text/html; charset=utf-8"


ROUTES = {"/db": db, "/queries": queries, "/fortunes": fortunes, "/updates": updates}
