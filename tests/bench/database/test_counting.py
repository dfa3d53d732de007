"""Expected statement counts: zero tolerance on SELECTs, 1% on rows (pure, no database)."""

from __future__ import annotations

from bench.database.counting import Counts, Expected


def test_one_select_per_row_passes() -> None:
    assert Expected(20, 20).problems(Counts(400, 400, 0, 0)) == []


def test_one_in_query_per_request_fails() -> None:
    [problem] = Expected(20, 20).problems(Counts(20, 400, 0, 0))
    assert "20 SELECT statements" in problem and "exactly 400" in problem


def test_one_select_too_many_fails() -> None:
    assert Expected(20, 1).problems(Counts(21, 21, 0, 0))


def test_rows_within_one_percent_pass() -> None:
    assert Expected(20, 20, updates=True).problems(Counts(400, 400, 20, 397)) == []
    assert Expected(20, 20, updates=True).problems(Counts(400, 400, 20, 395))


def test_updates_batched_or_one_per_row_pass_and_skipped_writes_fail() -> None:
    expected = Expected(20, 20, updates=True)
    assert expected.problems(Counts(400, 400, 20, 400)) == []
    assert expected.problems(Counts(400, 400, 400, 400)) == []
    assert expected.problems(Counts(400, 400, 399, 399)) == []  # an ORM's unchanged row
    assert expected.problems(Counts(400, 400, 0, 0))
    assert expected.problems(Counts(400, 400, 200, 200))


def test_writes_where_none_are_due_fail() -> None:
    assert Expected(20, 1).problems(Counts(20, 20, 1, 1))


def test_fortunes_read_twelve_rows_with_one_statement() -> None:
    assert Expected(20, 1, rows=12).problems(Counts(20, 240, 0, 0)) == []
    assert Expected(20, 1, rows=12).problems(Counts(240, 240, 0, 0))
