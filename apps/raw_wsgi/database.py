"""The database endpoints on the bare psycopg 3 driver and its pool: no ORM, no template engine."""

from __future__ import annotations

import html
import json
import os
import random
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs

if TYPE_CHECKING:
    from psycopg_pool import ConnectionPool

READ = 'SELECT id, randomnumber FROM "World" WHERE id = %s'
# All rows of a request in one statement: the arrays are unnested into (id, number) pairs.
WRITE = (
    'UPDATE "World" SET randomnumber = new.number'
    " FROM unnest(%s::integer[], %s::integer[]) AS new(id, number)"
    ' WHERE "World".id = new.id'
)
FORTUNES = 'SELECT id, message FROM "Fortune"'
EXTRA_FORTUNE = (0, "Additional fortune added at request time.")


def _pool() -> ConnectionPool | None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    # Imported only with a database to reach: the app without one needs no driver installed.
    from psycopg_pool import ConnectionPool

    # Per worker process: gunicorn's gthread runs 4 threads, each holding at most one
    # connection for its request, so 4 never makes a thread wait and no more would be used.
    return ConnectionPool(url, min_size=4, max_size=4, open=True)


POOL = _pool()


class NoDatabase(Exception):
    """Started without DATABASE_URL: the database endpoints answer 503."""


def query_count(environ: dict[str, Any]) -> int:
    """TechEmpower's rule: not an integer is 1, then clamped to 1-500."""
    values = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True).get("queries")
    raw = values[0] if values else ""
    if not (raw.isascii() and raw.isdigit()):
        return 1
    if len(raw.lstrip("0")) > 3:
        return 500
    return min(max(int(raw), 1), 500)


def _pool_or_fail() -> ConnectionPool:
    if POOL is None:
        raise NoDatabase
    return POOL


def db(environ: dict[str, Any]) -> tuple[bytes, str]:
    with _pool_or_fail().connection() as conn:
        id_, number = conn.execute(READ, (random.randint(1, 10000),)).fetchone() or (0, 0)
    return json.dumps({"id": id_, "randomNumber": number}).encode(), "application/json"


def _read(conn: Any, count: int) -> list[dict[str, int]]:
    rows = []
    for id_ in random.sample(range(1, 10001), count):  # different rows, as in every app
        found = conn.execute(READ, (id_,)).fetchone()
        rows.append({"id": found[0], "randomNumber": found[1]})
    return rows


def queries(environ: dict[str, Any]) -> tuple[bytes, str]:
    with _pool_or_fail().connection() as conn:
        rows = _read(conn, query_count(environ))
    return json.dumps(rows).encode(), "application/json"


def updates(environ: dict[str, Any]) -> tuple[bytes, str]:
    with _pool_or_fail().connection() as conn:
        rows = _read(conn, query_count(environ))
        for row in rows:
            row["randomNumber"] = random.randint(1, 10000)
        ordered = sorted(rows, key=lambda row: row["id"])  # one lock order: no deadlocks
        conn.execute(WRITE, ([r["id"] for r in ordered], [r["randomNumber"] for r in ordered]))
    return json.dumps(rows).encode(), "application/json"


def fortunes(environ: dict[str, Any]) -> tuple[bytes, str]:
    with _pool_or_fail().connection() as conn:
        rows = [*conn.execute(FORTUNES).fetchall(), EXTRA_FORTUNE]
    rows.sort(key=lambda row: row[1])
    cells = "".join(
        f"<tr><td>{id_}</td><td>{html.escape(message)}</td></tr>" for id_, message in rows
    )
    page = (
        "<!DOCTYPE html><html><head><title>Fortunes</title></head><body><table>"
        f"<tr><th>id</th><th>message</th></tr>{cells}</table></body></html>"
    )
    return page.encode(), "text/html; charset=utf-8"
