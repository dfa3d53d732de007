"""What the database executed, read from pg_stat_statements, against what an endpoint must do.

TechEmpower's check (toolset/test_types/verifications.py, verify_queries_count): after N
requests, the statements that touched `World` and the rows they read or wrote must match the
endpoint's work. Here: the number of statements exactly (an app that batches reads into one
`IN` query, or caches rows, runs fewer), the rows within 1% (a batched update may touch one
row fewer when a request drew the same id twice).
"""

from __future__ import annotations

from dataclasses import dataclass

# \m and \M are PostgreSQL's word boundaries: "World", "world" and "World"."id" all match.
_COUNTS = r"""
SELECT
  coalesce(sum(calls) FILTER (WHERE query ~* '^\s*select'), 0),
  coalesce(sum(rows) FILTER (WHERE query ~* '^\s*select'), 0),
  coalesce(sum(calls) FILTER (WHERE query ~* '^\s*update'), 0),
  coalesce(sum(rows) FILTER (WHERE query ~* '^\s*update'), 0)
FROM pg_stat_statements
WHERE query ~* '\m{table}\M' AND query !~* 'pg_stat_statements'
"""

ROWS_TOLERANCE = 0.01


@dataclass(frozen=True)
class Counts:
    """Statements (calls) on one table and the rows they returned or changed."""

    selects: int = 0
    rows_read: int = 0
    updates: int = 0
    rows_updated: int = 0

    def __sub__(self, other: Counts) -> Counts:
        return Counts(
            self.selects - other.selects,
            self.rows_read - other.rows_read,
            self.updates - other.updates,
            self.rows_updated - other.rows_updated,
        )


def read(conninfo: str, table: str = "world") -> Counts:
    """The totals so far (since the statistics were last reset) for statements on `table`."""
    import psycopg

    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            row = conn.execute(_COUNTS.replace("{table}", table)).fetchone()
    except psycopg.Error as exc:
        raise CountError(
            f"cannot read pg_stat_statements ({str(exc).strip()}): the database needs "
            "shared_preload_libraries = pg_stat_statements and the extension created"
        ) from None
    assert row is not None  # an aggregate always returns one row
    return Counts(*(int(v) for v in row))


class CountError(Exception):
    """The statement counts could not be read."""


@dataclass(frozen=True)
class Expected:
    """What N requests of an endpoint must make the database do on one table."""

    requests: int
    queries: int
    """SELECT statements each request runs (one per row for /db, /queries, /updates)."""
    rows: int | None = None
    """Rows each request reads (and, for /updates, writes); `queries` when None."""
    updates: bool = False

    def problems(self, got: Counts) -> list[str]:
        """Every way `got` falls short of (or exceeds) the work; empty when it matches."""
        statements = self.requests * self.queries
        rows = self.requests * (self.queries if self.rows is None else self.rows)
        found = []
        if got.selects != statements:
            found.append(
                f"{got.selects} SELECT statements for {self.requests} requests, expected "
                f"exactly {statements} (one per row read: no IN lists, no batching, no cache)"
            )
        if not _within(got.rows_read, rows):
            found.append(f"{got.rows_read} rows read, expected {rows} (±1%)")
        if self.updates:
            # One statement per request (a batched write), or one per row as an ORM flushes
            # them; an ORM leaves out a row whose new number happens to equal its old one
            # (1 in 10,000), hence the rows' 1% there too.
            if got.updates != self.requests and not (
                got.updates <= rows and _within(got.updates, rows)
            ):
                found.append(
                    f"{got.updates} UPDATE statements, expected {self.requests} "
                    f"(one batch per request) or {rows} (one per row)"
                )
            if not _within(got.rows_updated, rows):
                found.append(f"{got.rows_updated} rows updated, expected {rows} (±1%)")
        elif got.updates:
            found.append(f"{got.updates} UPDATE statements, expected none")
        return found


def _within(got: int, want: int) -> bool:
    return abs(got - want) <= want * ROWS_TOLERANCE
