"""The database endpoints (contract v2): /db, /queries, /fortunes, /updates, by TechEmpower's rules.

`RULES` talk HTTP only, like every other rule. `counted(database)` adds the rules that also
look into the database: updated rows persisted, and the statements and rows each endpoint
made PostgreSQL run (pg_stat_statements), which is how an app that batches reads into one
`IN` query, caches rows or skips writes is caught. All bind the baselines too.
"""

from __future__ import annotations

import json
from typing import Any

from bench.contract import checks, template
from bench.contract.client import Client, Reply, Request, Violation
from bench.contract.rule import Check, Rule
from bench.frameworks import Framework

MAX_ID = 10_000
COUNT_REQUESTS = 20
"""Requests per counted endpoint: enough that one query too few or too many per request is
20 statements off, few enough for a second per app."""


def _headers(reply: Reply) -> None:
    """The rules for every response, on a database answer."""
    for name in ("Content-Type", "Content-Length", "Date", "Server"):
        if len(reply.values(name)) != 1:
            raise Violation(f"{checks.where(reply)}: {name} sent {len(reply.values(name))} times")
    if (reply.header("X-Content-Type-Options") or "").lower() != "nosniff":
        raise Violation(f"{checks.where(reply)}: no X-Content-Type-Options: nosniff")
    if reply.chunked:
        raise Violation(f"{checks.where(reply)}: chunked; Content-Length expected")


def _row_problem(row: Any) -> str | None:
    if not isinstance(row, dict) or set(row) != {"id", "randomNumber"}:
        return f"a row must be exactly {{id, randomNumber}}, got {json.dumps(row)[:80]}"
    for key in ("id", "randomNumber"):
        value = row[key]
        if type(value) is not int or not 1 <= value <= MAX_ID:
            return f"{key} must be an integer 1-10000, got {json.dumps(value)}"
    return None


def _json(reply: Reply) -> Any:
    checks.status(reply, 200)
    checks.json_type(reply)
    _headers(reply)
    return checks.parse_json(reply)


def rows(reply: Reply, expected: int) -> list[dict[str, int]]:
    """The answer as `expected` World rows, or a Violation saying what is wrong."""
    got = _json(reply)
    if not isinstance(got, list):
        raise Violation(
            f"{checks.where(reply)}: expected a JSON array, got {checks.snippet(reply)}"
        )
    if len(got) != expected:
        raise Violation(f"{checks.where(reply)}: {len(got)} rows, expected {expected}")
    for row in got:
        problem = _row_problem(row)
        if problem:
            raise Violation(f"{checks.where(reply)}: {problem}")
    return got


def _db(client: Client, framework: Framework) -> None:
    reply = client.get("/db")
    row = _json(reply)
    problem = _row_problem(row)
    if problem:
        raise Violation(f"GET /db: {problem}")


def _count(path: str, raw: str | None, expected: int) -> Check:
    def check(client: Client, framework: Framework) -> None:
        query = "" if raw is None else f"?queries={raw}"
        rows(client.get(f"{path}{query}"), expected)

    return check


# (rule suffix, the queries value sent (None: absent), rows expected): TechEmpower's cases.
CASES: tuple[tuple[str, str | None, int], ...] = (
    ("2", "2", 2),
    ("20", "20", 20),
    ("clamp-0", "0", 1),
    ("clamp-negative", "-5", 1),
    ("clamp-foo", "foo", 1),
    ("clamp-decimal", "1.5", 1),
    ("clamp-empty", "", 1),
    ("clamp-missing", None, 1),
    ("clamp-501", "501", 500),
)


def fortunes_events() -> list[template.Event]:
    """TechEmpower's fortunes page (no <h1>: that is /template's) as parse events."""
    events = template.expected_events("")
    start = events.index(("start", "h1"))
    return events[:start] + events[start + 3 :]


def _fortunes(client: Client, framework: Framework) -> None:
    reply = client.get("/fortunes")
    checks.status(reply, 200)
    _headers(reply)
    value = (reply.header("Content-Type") or "").lower().replace(" ", "")
    if value != "text/html;charset=utf-8":
        raise Violation(f"GET /fortunes: Content-Type {value!r}, expected text/html; charset=utf-8")
    difference = template.first_difference(template.parse(reply.text()), fortunes_events())
    if difference:
        raise Violation(f"GET /fortunes: the page differs {difference}")
    body = reply.text()
    if "<script>" in body:
        raise Violation("GET /fortunes: <script> is not escaped")
    if "フレームワークのベンチマーク" not in body:
        raise Violation("GET /fortunes: the Japanese fortune is not intact UTF-8")


def _methods(client: Client, framework: Framework) -> None:
    for path in ("/db", "/queries", "/fortunes", "/updates"):
        reply = client.send(_post(path))
        checks.error(reply, 405)
        allow = (reply.header("Allow") or "").upper()
        if "GET" not in allow:
            raise Violation(f"POST {path}: 405 with Allow {allow!r}, expected it to name GET")


def _post(path: str) -> Request:
    return Request("POST", path, b"")


RULES: tuple[Rule, ...] = (
    Rule("db.row", "GET /db: one World row {id, randomNumber}, integers 1-10000", _db, True),
    *(
        Rule(
            f"queries.{suffix}",
            f"/queries?queries={raw!r}: {n} World rows"
            if raw is not None
            else f"/queries without queries: {n} row",
            _count("/queries", raw, n),
            True,
        )
        for suffix, raw, n in CASES
    ),
    Rule(
        "fortunes.page",
        "GET /fortunes: text/html; charset=utf-8, TechEmpower's page, 13 fortunes by message, "
        "escaped, UTF-8 intact",
        _fortunes,
        True,
    ),
    *(
        Rule(
            f"updates.{suffix}",
            f"/updates?queries={raw!r}: {n} World rows"
            if raw is not None
            else f"/updates without queries: {n} row",
            _count("/updates", raw, n),
            True,
        )
        for suffix, raw, n in CASES
        if suffix in ("2", "clamp-0", "clamp-foo", "clamp-empty", "clamp-501")
    ),
    Rule("db.405.allow", "POST to a database endpoint: 405 with Allow: GET", _methods, True),
)


COUNTED_IDS: tuple[str, ...] = (
    "updates.persisted",
    "count.db",
    "count.queries",
    "count.fortunes",
    "count.updates",
)
"""The rules `counted()` makes, in its order (for tables that list rules before a run)."""


def counted(admin: str) -> tuple[Rule, ...]:
    """The rules that also read the database, through `admin` (a conninfo that can read
    pg_stat_statements and "World"). Run them with nothing else using the database."""
    from bench.database import counting

    def persisted(client: Client, framework: Framework) -> None:
        import psycopg

        answered = rows(client.get("/updates?queries=20"), 20)
        with psycopg.connect(admin, autocommit=True) as conn:
            stored: dict[int, int] = dict(
                conn.execute(
                    'SELECT id, randomnumber FROM "World" WHERE id = ANY(%s)',
                    ([row["id"] for row in answered],),
                ).fetchall()
            )
        wrong = [row for row in answered if stored.get(row["id"]) != row["randomNumber"]]
        if wrong:
            row = wrong[0]
            raise Violation(
                f"GET /updates?queries=20: {len(wrong)} of 20 answered rows not stored, e.g. "
                f"id {row['id']} answered {row['randomNumber']}, stored {stored.get(row['id'])}"
            )

    def statements(path: str, expected: counting.Expected, table: str = "world") -> Check:
        def check(client: Client, framework: Framework) -> None:
            try:
                before = counting.read(admin, table)
                for _ in range(expected.requests):
                    checks.status(client.get(path), 200)
                got = counting.read(admin, table) - before
            except counting.CountError as exc:
                raise Violation(str(exc)) from None
            problems = expected.problems(got)
            if problems:
                raise Violation(f"{expected.requests} x GET {path}: " + "; ".join(problems))

        return check

    n = COUNT_REQUESTS
    return (
        Rule(
            "updates.persisted", "the 20 rows /updates answers are the rows stored", persisted, True
        ),
        Rule(
            "count.db",
            f"{n} x /db: exactly {n} SELECTs on World, {n} rows",
            statements("/db", counting.Expected(n, 1)),
            True,
        ),
        Rule(
            "count.queries",
            f"{n} x /queries?queries=20: exactly {n * 20} SELECTs on World (no IN, no cache)",
            statements("/queries?queries=20", counting.Expected(n, 20)),
            True,
        ),
        Rule(
            "count.fortunes",
            f"{n} x /fortunes: exactly {n} SELECTs on Fortune, 12 rows each",
            statements("/fortunes", counting.Expected(n, 1, rows=12), table="fortune"),
            True,
        ),
        Rule(
            "count.updates",
            f"{n} x /updates?queries=20: {n * 20} SELECTs, {n} or {n * 20} UPDATEs on World",
            statements("/updates?queries=20", counting.Expected(n, 20, updates=True)),
            True,
        ),
    )
