"""The benchmark data: TechEmpower's `World` and `Fortune` tables, created and filled.

TechEmpower's Postgres setup (toolset/databases/postgres/create-postgres.sql) creates each
table twice, once unquoted (`world`, `fortune`) and once quoted (`"World"`, `"Fortune"`), so
that implementations may use either spelling; so does this. The apps here use the quoted ones.
"""

from __future__ import annotations

import psycopg

WORLD_ROWS = 10_000
APP_USER = "benchmarkdbuser"
APP_PASSWORD = "benchmarkdbpass"
"""TechEmpower's own credentials: the server listens on loopback only and holds only this
disposable data, so a well-known password protects nothing worth a secret."""
DATABASE = "hello_world"

FORTUNES: tuple[tuple[int, str], ...] = (
    (1, "fortune: No such file or directory"),
    (2, "A computer scientist is someone who fixes things that aren't broken."),
    (3, "After enough decimal places, nobody gives a damn."),
    (4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"),
    (5, "A computer program does what you tell it to do, not what you want it to do."),
    (6, "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen"),
    (7, "Any program that runs right is obsolete."),
    (8, "A list is only as strong as its weakest link. — Donald Knuth"),
    (9, "Feature: A bug with seniority."),
    (10, "Computers make very fast, very accurate mistakes."),
    (11, '<script>alert("This should not be displayed in a browser alert box.");</script>'),
    (12, "フレームワークのベンチマーク"),
)
EXTRA_FORTUNE = (0, "Additional fortune added at request time.")

TABLES = (("world", "fortune"), ('"World"', '"Fortune"'))
"""(World, Fortune) in both of TechEmpower's spellings."""

SEED = 0.5
"""setseed() before filling World: every run starts from the same randomNumber values."""


def literal(text: str) -> str:
    """A standard SQL string literal (the quote doubled), for the generated SQL files."""
    return "'" + text.replace("'", "''") + "'"


def database_statements() -> list[str]:
    """The app's role and an empty `hello_world`, for a superuser on a fresh cluster; one
    statement each (CREATE DATABASE cannot run inside a transaction)."""
    return [
        f"CREATE ROLE {APP_USER} LOGIN PASSWORD {literal(APP_PASSWORD)}",
        # template0 and UTF8 as TechEmpower creates it: the Japanese fortune must round-trip.
        f"CREATE DATABASE {DATABASE} OWNER {APP_USER} TEMPLATE template0 ENCODING 'UTF8'",
    ]


def tables_sql() -> str:
    """Both spellings of both tables, created and filled in one transaction (in hello_world),
    as one SQL script: the private cluster runs it, and so does the postgres image's build."""
    lines = [
        "BEGIN;",
        "CREATE EXTENSION IF NOT EXISTS pg_stat_statements;",
        f"SELECT setseed({SEED});",
    ]
    for world, fortune in TABLES:
        lines += [
            f"CREATE TABLE {world} (id integer NOT NULL,"
            " randomNumber integer NOT NULL DEFAULT 0, PRIMARY KEY (id));",
            f"GRANT ALL PRIVILEGES ON {world} TO {APP_USER};",
            # least(): floor(random() * n + 1) is at most n for random() < 1; said outright.
            f"INSERT INTO {world} (id, randomnumber)"
            f" SELECT x.id, least(floor(random() * {WORLD_ROWS} + 1), {WORLD_ROWS})"
            f" FROM generate_series(1, {WORLD_ROWS}) AS x(id);",
            f"CREATE TABLE {fortune} (id integer NOT NULL,"
            " message varchar(2048) NOT NULL, PRIMARY KEY (id));",
            f"GRANT ALL PRIVILEGES ON {fortune} TO {APP_USER};",
            *(
                f"INSERT INTO {fortune} (id, message) VALUES ({id_}, {literal(message)});"
                for id_, message in FORTUNES
            ),
        ]
    # Planner statistics now, not whenever autovacuum gets to the new tables mid-run.
    lines += ["COMMIT;", "ANALYZE;"]
    return "\n".join(lines) + "\n"


def create(admin: psycopg.Connection[tuple[object, ...]], conninfo: str) -> None:
    """Role, database and tables on a fresh cluster (admin: a superuser in autocommit mode
    on any database; conninfo: the same superuser on `hello_world`)."""
    for statement in database_statements():
        admin.execute(statement.encode())
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(tables_sql().encode())


def is_seeded(conn: psycopg.Connection[tuple[object, ...]]) -> str | None:
    """None when the tables the apps use hold the benchmark data, else what is wrong."""
    try:
        worlds = conn.execute('SELECT count(*), min(id), max(id) FROM "World"').fetchone()
        fortunes = conn.execute('SELECT id, message FROM "Fortune" ORDER BY id').fetchall()
    except psycopg.Error as exc:
        conn.rollback()
        return f"cannot read the benchmark tables: {str(exc).strip()}"
    if worlds != (WORLD_ROWS, 1, WORLD_ROWS):
        return f'"World" holds (count, min id, max id) = {worlds}, expected (10000, 1, 10000)'
    if tuple(fortunes) != FORTUNES:
        return '"Fortune" does not hold the 12 fixed fortunes'
    return None
