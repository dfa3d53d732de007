"""Bootstrap intervals: they contain the mean, shrink with agreement, and refuse one trial."""

from __future__ import annotations

import math

from bench.report.stats import difference_ci, exact, mean_ci, ratio_ci


def test_mean_ci_brackets_the_mean_and_is_reproducible() -> None:
    values = [10.0, 11.0, 12.0, 10.5, 11.5]
    iv = mean_ci(values)
    assert iv.low < iv.mean == sum(values) / len(values) < iv.high
    assert mean_ci(values) == iv  # seeded: the same report twice is the same report


def test_tight_values_give_a_tight_interval() -> None:
    wide, tight = mean_ci([1.0, 5.0, 9.0]), mean_ci([4.9, 5.0, 5.1])
    assert tight.high - tight.low < (wide.high - wide.low) / 10


def test_one_value_has_no_interval_and_decides_nothing() -> None:
    iv = mean_ci([3.0])
    assert iv.n == 1 and not iv.known and math.isinf(iv.high)
    assert not iv.below(mean_ci([100.0, 101.0]))


def test_nan_is_dropped_and_nothing_is_unknown() -> None:
    assert mean_ci([math.nan, 2.0, 4.0]).n == 2
    assert mean_ci([]).n == 0 and not mean_ci([]).known


def test_below_means_non_overlapping() -> None:
    a, b = mean_ci([1.0, 1.1, 0.9]), mean_ci([2.0, 2.1, 1.9])
    assert a.below(b) and not b.below(a)
    c = mean_ci([1.0, 2.0, 1.5])
    assert not a.below(c) or a.high < c.low


def test_exact_facts_and_their_ratio() -> None:
    assert exact(7).low == exact(7).high == 7
    r = ratio_ci([7.0], [1.0], exact_values=True)
    assert r.mean == r.low == r.high == 7


def test_ratio_and_difference_intervals() -> None:
    r = ratio_ci([2.0, 2.1, 1.9], [1.0, 1.05, 0.95])
    assert r.low < 2.0 < r.high and r.low > 1.5
    d = difference_ci([2.0, 2.1, 1.9], [1.0, 1.05, 0.95])
    assert d.low < 1.0 < d.high and d.low > 0.5
