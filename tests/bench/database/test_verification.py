"""The counted rules catch what a row-shape check cannot: an app that batches reads into one
`IN` query, caches rows, or skips writes answers the right JSON and still fails."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from bench import contract, frameworks, ports
from bench.contract import rules_database
from bench.database import cluster, external
from bench.errors import UsageError
from bench.server import probe

pytestmark = pytest.mark.slow

# Right answers, wrong work: every row shape is TechEmpower's, only the statements differ.
CHEATING_APP = textwrap.dedent(
    """
    import json, os, random
    import psycopg

    conn = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    CACHE = dict(conn.execute('SELECT id, randomnumber FROM "World"').fetchall())

    def rows(ids):
        # One IN query for all the rows of a request.
        found = conn.execute(
            'SELECT id, randomnumber FROM "World" WHERE id = ANY(%s)', (ids,)
        ).fetchall()
        return [{"id": i, "randomNumber": n} for i, n in found]

    def application(environ, start):
        path = environ["PATH_INFO"]
        ids = random.sample(range(1, 10001), 20)
        if path == "/db":  # from a cache filled at start-up: no query at all
            i = random.randint(1, 10000)
            body = {"id": i, "randomNumber": CACHE[i]}
        elif path == "/queries":
            body = rows(ids)
        elif path == "/updates":  # answers new numbers, writes nothing
            body = [{"id": r["id"], "randomNumber": random.randint(1, 10000)} for r in rows(ids)]
        else:
            body = {"detail": "not found"}
        data = json.dumps(body).encode()
        start("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(data))),
                         ("X-Content-Type-Options", "nosniff")])
        return [data]
    """
)


@pytest.fixture(scope="module")
def cheating_port(
    database: cluster.Database, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[int]:
    folder: Path = tmp_path_factory.mktemp("cheat")
    (folder / "cheat.py").write_text(CHEATING_APP)
    port = ports.free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{port}", "--workers", "1",
         "--worker-class", "gthread", "--threads", "1", "--chdir", str(folder),
         "cheat:application"],
        env={"DATABASE_URL": database.url, "PATH": "/usr/bin:/bin"},
        start_new_session=True,
    )  # fmt: skip
    try:
        for _ in range(300):
            if probe(port, "/db") == 200:
                break
            subprocess.run(["sleep", "0.1"], check=True)
        yield port
    finally:
        server.terminate()
        server.wait(20)


def _results(port: int, database: cluster.Database) -> dict[str, bool]:
    rules = (*rules_database.RULES, *rules_database.counted(database.admin))
    wanted = {"queries.20", "db.row", "count.db", "count.queries", "count.updates",
              "updates.persisted"}  # fmt: skip
    chosen = tuple(rule for rule in rules if rule.id in wanted)
    results = contract.check(chosen, port, frameworks.get("raw-wsgi"))
    return {result.rule_id: result.passed for result in results}


def test_one_in_query_passes_the_shape_and_fails_the_count(
    cheating_port: int, database: cluster.Database
) -> None:
    results = _results(cheating_port, database)
    assert results["queries.20"] and results["db.row"]  # the JSON is right
    assert not results["count.queries"]  # the work is not


def test_cached_rows_and_skipped_writes_fail(
    cheating_port: int, database: cluster.Database
) -> None:
    results = _results(cheating_port, database)
    assert not results["count.db"]
    assert not results["count.updates"]
    assert not results["updates.persisted"]


def test_an_existing_server_is_used_once_checked(database: cluster.Database) -> None:
    given = external.existing(database.url)
    assert (given.url, given.private, given.version) == (database.url, False, "15")


def test_an_unseeded_database_is_refused(database: cluster.Database) -> None:
    unseeded = database.url.rsplit("/", 1)[0] + "/postgres"
    with pytest.raises(cluster.DatabaseError, match="World"):
        external.existing(unseeded)


@pytest.mark.parametrize(
    "url",
    ["postgresql://u:p@10.0.0.1:5432/hello_world", "mysql://127.0.0.1/x", "127.0.0.1:5432"],
)
def test_database_url_must_be_postgresql_on_loopback(url: str) -> None:
    with pytest.raises(UsageError):
        external.parse(url)
