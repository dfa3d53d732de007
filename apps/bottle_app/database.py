"""The database endpoints on SQLAlchemy's ORM (Bottle has no data layer of its own)."""

from __future__ import annotations

import os
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from bottle import abort
from sqlalchemy import create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker


class Base(DeclarativeBase):
    pass


class World(Base):
    __tablename__ = "World"
    id: Mapped[int] = mapped_column(primary_key=True)
    randomNumber: Mapped[int] = mapped_column("randomnumber")


class Fortune(Base):
    __tablename__ = "Fortune"
    id: Mapped[int] = mapped_column(primary_key=True)
    message: Mapped[str]


def _sessions() -> Callable[[], Session] | None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    # A libpq URI says nothing about the driver; SQLAlchemy's default would be psycopg2.
    engine = create_engine(
        url.replace("postgresql://", "postgresql+psycopg://", 1),
        # Per worker process: gunicorn's gthread runs 4 threads, each holding at most one
        # connection for its request, so 4 never makes a thread wait and no more would be used.
        pool_size=4,
        max_overflow=0,
    )
    return sessionmaker(engine)


_make_session = _sessions()


@contextmanager
def session() -> Iterator[Session]:
    """A session for one request; 503 when the app was started without DATABASE_URL."""
    if _make_session is None:
        abort(503, "no database: DATABASE_URL is not set")
    with _make_session() as opened:
        yield opened


def query_count(raw: str | None) -> int:
    """TechEmpower's rule: not an integer is 1, then clamped to 1-500."""
    raw = raw or ""
    if not (raw.isascii() and raw.isdigit()):
        return 1
    if len(raw.lstrip("0")) > 3:
        return 500
    return min(max(int(raw), 1), 500)


def random_ids(count: int) -> list[int]:
    # Different rows: a request never reads one row twice (the session would answer the
    # second from its identity map without asking the database).
    return random.sample(range(1, 10001), count)


def as_json(world: World) -> dict[str, int]:
    return {"id": world.id, "randomNumber": world.randomNumber}


def one_world() -> dict[str, Any]:
    with session() as db:
        return as_json(db.get_one(World, random.randint(1, 10000)))


def worlds(count: int) -> list[dict[str, int]]:
    with session() as db:
        return [as_json(db.get_one(World, id_)) for id_ in random_ids(count)]


def fortunes() -> list[Fortune]:
    with session() as db:
        rows = list(db.scalars(select(Fortune)))
    rows.append(Fortune(id=0, message="Additional fortune added at request time."))
    rows.sort(key=lambda fortune: fortune.message)
    return rows


def update_worlds(count: int) -> list[dict[str, int]]:
    with session() as db:
        changed = [db.get_one(World, id_) for id_ in random_ids(count)]
        for world in changed:
            world.randomNumber = random.randint(1, 10000)
        answer = [as_json(world) for world in changed]
        db.commit()  # the flush writes the rows in primary-key order: no deadlocks
    return answer
