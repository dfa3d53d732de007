"""The database endpoints on SQLAlchemy's asyncio extension over psycopg 3's async driver."""

from __future__ import annotations

import os
import random
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

router = APIRouter()
templates = Jinja2Templates(directory=Path(__file__).parent / "templates")


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


def _sessions() -> async_sessionmaker[AsyncSession] | None:
    url = os.environ.get("DATABASE_URL")
    if not url:
        return None
    engine = create_async_engine(
        # The async dialect of the same psycopg 3 the WSGI apps use.
        url.replace("postgresql://", "postgresql+psycopg://", 1),
        # Per worker process. One event loop has many requests waiting at once, each holding
        # a connection only while it awaits a query; 16 lets 16 queries per worker be in
        # flight, more than PostgreSQL on this machine's cores runs at once, and the pool
        # queues the rest. Two workers hold 32, next to gunicorn's 5 x 4 = 20.
        pool_size=16,
        max_overflow=0,
    )
    return async_sessionmaker(engine, expire_on_commit=False)


_make_session = _sessions()


async def session() -> AsyncIterator[AsyncSession]:
    """A session for one request; 503 when the app was started without DATABASE_URL."""
    if _make_session is None:
        raise HTTPException(503, "no database: DATABASE_URL is not set")
    async with _make_session() as opened:
        yield opened


Session = Annotated[AsyncSession, Depends(session)]


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


@router.get("/db")
async def single_query(db: Session) -> dict[str, int]:
    return as_json(await db.get_one(World, random.randint(1, 10000)))


@router.get("/queries")
async def multiple_queries(db: Session, queries: str | None = None) -> list[dict[str, int]]:
    # One after the other: a session runs one query at a time on its one connection.
    return [as_json(await db.get_one(World, id_)) for id_ in random_ids(query_count(queries))]


@router.get("/fortunes", response_class=HTMLResponse)
async def fortunes(request: Request, db: Session) -> HTMLResponse:
    rows = list(await db.scalars(select(Fortune)))
    rows.append(Fortune(id=0, message="Additional fortune added at request time."))
    rows.sort(key=lambda fortune: fortune.message)
    return templates.TemplateResponse(
        request=request, name="db_fortunes.html", context={"fortunes": rows}
    )


@router.get("/updates")
async def updates(db: Session, queries: str | None = None) -> list[dict[str, int]]:
    worlds = [await db.get_one(World, id_) for id_ in random_ids(query_count(queries))]
    for world in worlds:
        world.randomNumber = random.randint(1, 10000)
    answer = [as_json(world) for world in worlds]
    await db.commit()  # the flush writes the rows in primary-key order: no deadlocks
    return answer
