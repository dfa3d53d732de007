"""The database endpoints with Flask-SQLAlchemy, as Flask's docs suggest for SQLAlchemy."""

from __future__ import annotations

import random
from operator import attrgetter

from flask import Blueprint, Response, abort, current_app, jsonify, render_template, request
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

bp = Blueprint("database", __name__)


class Base(DeclarativeBase):
    pass


db = SQLAlchemy(model_class=Base)


class World(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "World"
    id: Mapped[int] = mapped_column(primary_key=True)
    randomNumber: Mapped[int] = mapped_column("randomnumber")


class Fortune(db.Model):  # type: ignore[name-defined,misc]
    __tablename__ = "Fortune"
    id: Mapped[int] = mapped_column(primary_key=True)
    message: Mapped[str]


def init_app(app) -> None:  # type: ignore[no-untyped-def]
    """Connect Flask-SQLAlchemy when DATABASE_URL is set; without it the endpoints say 503."""
    url = app.config.get("DATABASE_URL")
    if not url:
        return
    # A libpq URI says nothing about the driver; SQLAlchemy's default would be psycopg2.
    app.config["SQLALCHEMY_DATABASE_URI"] = url.replace("postgresql://", "postgresql+psycopg://", 1)
    # Per worker process: gunicorn's gthread runs 4 threads, each holding at most one
    # connection for its request, so 4 never makes a thread wait and no more would be used.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": 4, "max_overflow": 0}
    db.init_app(app)


@bp.before_request
def require_database() -> None:
    if "sqlalchemy" not in current_app.extensions:
        abort(503, "no database: DATABASE_URL is not set")


def query_count() -> int:
    """TechEmpower's rule: not an integer is 1, then clamped to 1-500."""
    raw = request.args.get("queries", "")
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


@bp.get("/db")
def single_query() -> Response:
    return jsonify(as_json(db.session.get_one(World, random.randint(1, 10000))))


@bp.get("/queries")
def multiple_queries() -> Response:
    return jsonify([as_json(db.session.get_one(World, id_)) for id_ in random_ids(query_count())])


@bp.get("/fortunes")
def fortunes() -> str:
    rows = list(db.session.scalars(db.select(Fortune)))
    rows.append(Fortune(id=0, message="Additional fortune added at request time."))
    rows.sort(key=attrgetter("message"))
    return render_template("db_fortunes.html", fortunes=rows)


@bp.get("/updates")
def updates() -> Response:
    worlds = [db.session.get_one(World, id_) for id_ in random_ids(query_count())]
    for world in worlds:
        world.randomNumber = random.randint(1, 10000)
    answer = [as_json(world) for world in worlds]
    db.session.commit()  # the flush writes the rows in primary-key order: no deadlocks
    return jsonify(answer)
