"""Bootstrap confidence intervals over trials, and the ratios used as effect sizes.

Percentile bootstrap of the mean: with the 3-5 trials a cell has, it makes no normality
assumption. One trial gives no interval at all (infinite bounds), so it can never decide a
verdict. The generator is seeded: a report drawn twice from the same results is identical.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

LEVEL = 0.95
RESAMPLES = 10_000
SEED = 20240601


@dataclass(frozen=True)
class Interval:
    """A mean with its 95% CI over `n` values; exact values have low == mean == high."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def known(self) -> bool:
        return self.n > 0 and math.isfinite(self.low) and math.isfinite(self.high)

    def below(self, other: Interval) -> bool:
        """Significantly below: this CI lies entirely under the other's."""
        return self.known and other.known and self.high < other.low

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "mean": _num(self.mean),
            "ci_low": _num(self.low),
            "ci_high": _num(self.high),
            "n": self.n,
        }


def _num(x: float) -> float | None:
    return None if not math.isfinite(x) else round(float(x), 6)


def exact(value: float) -> Interval:
    """A counted or read fact (a line count, a dependency count): no sampling error."""
    return Interval(value, value, value, 1) if math.isfinite(value) else unknown()


def unknown() -> Interval:
    return Interval(math.nan, -math.inf, math.inf, 0)


def _clean(values: Sequence[float]) -> npt.NDArray[np.float64]:
    arr = np.asarray(values, dtype=np.float64)
    finite: npt.NDArray[np.float64] = arr[np.isfinite(arr)]
    return finite


def mean_ci(values: Sequence[float], seed: int = SEED) -> Interval:
    """Mean and 95% percentile-bootstrap CI of `values` (NaN dropped)."""
    arr = _clean(values)
    if arr.size == 0:
        return unknown()
    mean = float(arr.mean())
    if arr.size == 1:
        return Interval(mean, -math.inf, math.inf, 1)
    rng = np.random.default_rng(seed)
    means = rng.choice(arr, size=(RESAMPLES, arr.size), replace=True).mean(axis=1)
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(means, [tail, 100 - tail])
    return Interval(mean, float(low), float(high), int(arr.size))


def ratio_ci(
    a: Sequence[float], b: Sequence[float], exact_values: bool = False, seed: int = SEED
) -> Interval:
    """mean(a) / mean(b) with a 95% CI from resampling both sides independently.

    `exact_values` says both sides are counted facts, so their ratio has no sampling error.
    """
    x, y = _clean(a), _clean(b)
    if x.size == 0 or y.size == 0 or y.mean() == 0:
        return unknown()
    ratio = float(x.mean() / y.mean())
    if exact_values:
        return Interval(ratio, ratio, ratio, 1)
    if x.size < 2 or y.size < 2:
        return Interval(ratio, -math.inf, math.inf, min(x.size, y.size))
    rng = np.random.default_rng(seed)
    mx = rng.choice(x, size=(RESAMPLES, x.size), replace=True).mean(axis=1)
    my = rng.choice(y, size=(RESAMPLES, y.size), replace=True).mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratios = mx / my
    ratios = ratios[np.isfinite(ratios)]
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(ratios, [tail, 100 - tail])
    return Interval(ratio, float(low), float(high), int(min(x.size, y.size)))


def difference_ci(a: Sequence[float], b: Sequence[float], seed: int = SEED) -> Interval:
    """mean(a) - mean(b) with a 95% CI from resampling both sides independently."""
    x, y = _clean(a), _clean(b)
    if x.size == 0 or y.size == 0:
        return unknown()
    diff = float(x.mean() - y.mean())
    if x.size < 2 or y.size < 2:
        return Interval(diff, -math.inf, math.inf, int(min(x.size, y.size)))
    rng = np.random.default_rng(seed)
    mx = rng.choice(x, size=(RESAMPLES, x.size), replace=True).mean(axis=1)
    my = rng.choice(y, size=(RESAMPLES, y.size), replace=True).mean(axis=1)
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(mx - my, [tail, 100 - tail])
    return Interval(diff, float(low), float(high), int(min(x.size, y.size)))
