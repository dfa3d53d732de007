"""Each app's data layer, driver and connection pool, as a run records them.

The apps themselves hold the code (apps/<app>/.../database.py, Django's settings.py); this is
the account a reader of the results gets, kept in step with that code by
tests/bench/database/test_layers.py, and the distributions each app's image installs for it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

_PER_THREAD = (
    "per worker process: gunicorn's gthread runs 4 threads, each holding at most one "
    "connection for its request, so 4 never makes a thread wait and no more would be used"
)
_PER_LOOP = (
    "per worker process: one event loop has many requests waiting at once, each holding a "
    "connection only while it awaits a query; 16 in flight per worker is more than PostgreSQL "
    "runs at once on this machine's cores, and the pool queues the rest"
)
_SQLALCHEMY = ("sqlalchemy", "psycopg", "psycopg-binary")
_BARE = ("psycopg", "psycopg-binary", "psycopg-pool")


@dataclass(frozen=True)
class DataLayer:
    layer: str
    driver: str
    pool: str
    """The pool's settings as the app's code writes them."""
    reason: str
    source: str
    """The file, relative to the project root, where the pool is configured."""
    distributions: tuple[str, ...]
    """PyPI names the app needs for its database, beyond its framework and server."""


LAYERS: dict[str, DataLayer] = {
    "flask": DataLayer(
        "Flask-SQLAlchemy (SQLAlchemy 2 ORM)",
        "psycopg 3",
        '"pool_size": 4, "max_overflow": 0',
        _PER_THREAD,
        "apps/flask_app/database.py",
        ("flask-sqlalchemy", *_SQLALCHEMY),
    ),
    "bottle": DataLayer(
        "SQLAlchemy 2 ORM, a Session per request",
        "psycopg 3",
        "pool_size=4,\n        max_overflow=0",
        _PER_THREAD,
        "apps/bottle_app/database.py",
        _SQLALCHEMY,
    ),
    "cherrypy": DataLayer(
        "SQLAlchemy 2 ORM, a Session per request",
        "psycopg 3",
        "pool_size=10,\n        max_overflow=0",
        "one process: cheroot's pool of 10 threads, each holding at most one connection",
        "apps/cherrypy_app/database.py",
        _SQLALCHEMY,
    ),
    "django": DataLayer(
        "Django ORM",
        "psycopg 3",
        '"pool": {"min_size": 4, "max_size": 4}',
        _PER_THREAD + " (Django 5.1+'s psycopg pool; CONN_MAX_AGE 0, as it requires)",
        "apps/django_app/djangosite/settings.py",
        ("psycopg", "psycopg-binary", "psycopg-pool"),
    ),
    "fastapi": DataLayer(
        "SQLAlchemy 2 asyncio (AsyncSession), awaited in async def endpoints",
        "psycopg 3 async",
        "pool_size=16,\n        max_overflow=0",
        _PER_LOOP,
        "apps/fastapi_app/database.py",
        _SQLALCHEMY,
    ),
    "raw-wsgi": DataLayer(
        "none: SQL by hand",
        "psycopg 3 + psycopg_pool.ConnectionPool",
        "min_size=4, max_size=4",
        _PER_THREAD,
        "apps/raw_wsgi/database.py",
        _BARE,
    ),
    "raw-asgi": DataLayer(
        "none: SQL by hand",
        "psycopg 3 async + psycopg_pool.AsyncConnectionPool",
        "min_size=16, max_size=16",
        _PER_LOOP,
        "apps/raw_asgi/database.py",
        _BARE,
    ),
}


def distributions(framework: str) -> tuple[str, ...]:
    layer = LAYERS.get(framework)
    return layer.distributions if layer else ()


def record() -> dict[str, dict[str, object]]:
    """Every app's data layer, for run.json."""
    return {name: asdict(layer) for name, layer in LAYERS.items()}
