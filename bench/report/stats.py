"""The statistics every verdict rests on: t-intervals, paired log ratios, three outcomes, Holm.

Why a t-interval on logs: a cell has 3-7 rounds. A percentile bootstrap of so few values returns
about their min-max range (with 3 values, exactly that: ~74% coverage, not 95%), and BCa needs
more values than that to correct itself. The log of a cost or a throughput is close to
symmetric, its t-interval is exact for normal data and robust for near-normal data at these n,
and a ratio read back with exp() is what a reader wants ("12% more CPU per request").

Rounds are interleaved (every framework once per round, in a shuffled order, each round its own
server process), so two frameworks' values of one round share that round's machine state; the
per-round log ratio cancels it. Between two runs nothing pairs (`unpaired`).
Everything here is deterministic: a report drawn twice from the same results is identical.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import stats as sps

LEVEL = 0.95
ALPHA = 1 - LEVEL
MARGIN = 0.05
"""Equivalence margin: two values within ±5% of each other are 'equivalent' when the interval
of their ratio lies inside [1/1.05, 1.05]. Five per cent is below what a user of these
frameworks would notice in a deployment and above the run-to-run shifts of a shared machine."""
MIN_EFFECT = 0.05
"""A difference counts only when its estimate is at least 5% as well as significant (asv's
'factor and significance'): with MIN_EFFECT = MARGIN, 'different' and 'equivalent' exclude
each other."""
MIN_ROUNDS = 5
"""Rounds a measured comparison needs to be decided at all; fewer leave it inconclusive. With 5
rounds (4 degrees of freedom) t = 2.78: a 3% per-round noise gives a ±4% interval."""

Outcome = Literal["different", "equivalent", "inconclusive"]
DIFFERENT: Outcome = "different"
EQUIVALENT: Outcome = "equivalent"
INCONCLUSIVE: Outcome = "inconclusive"


@dataclass(frozen=True)
class Interval:
    """An estimate with its 95% interval over `n` values; exact values have low == mean == high."""

    mean: float
    low: float
    high: float
    n: int

    @property
    def known(self) -> bool:
        return self.n > 0 and math.isfinite(self.low) and math.isfinite(self.high)

    def below(self, other: Interval) -> bool:
        """This interval lies entirely under the other's (used by charts only)."""
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
    arr = np.asarray(list(values), dtype=np.float64)
    finite: npt.NDArray[np.float64] = arr[np.isfinite(arr)]
    return finite


def _t(df: float) -> float:
    return float(sps.t.ppf(1 - ALPHA / 2, df))


def mean_ci(values: Sequence[float]) -> Interval:
    """Mean and 95% t-interval of `values` (NaN dropped); one value has no interval."""
    arr = _clean(values)
    if arr.size == 0:
        return unknown()
    mean = float(arr.mean())
    if arr.size == 1:
        return Interval(mean, -math.inf, math.inf, 1)
    half = _t(arr.size - 1) * float(arr.std(ddof=1)) / math.sqrt(arr.size)
    return Interval(mean, mean - half, mean + half, int(arr.size))


def difference_ci(a: Sequence[float], b: Sequence[float]) -> Interval:
    """mean(a) - mean(b) with a 95% Welch t-interval (the two sides not paired)."""
    x, y = _clean(a), _clean(b)
    if x.size == 0 or y.size == 0:
        return unknown()
    diff = float(x.mean() - y.mean())
    if x.size < 2 or y.size < 2:
        return Interval(diff, -math.inf, math.inf, int(min(x.size, y.size)))
    se, df = _welch(x, y)
    half = _t(df) * se if se > 0 else 0.0
    return Interval(diff, diff - half, diff + half, int(min(x.size, y.size)))


def _welch(x: npt.NDArray[np.float64], y: npt.NDArray[np.float64]) -> tuple[float, float]:
    vx, vy = float(x.var(ddof=1)) / x.size, float(y.var(ddof=1)) / y.size
    se = math.sqrt(vx + vy)
    if se == 0:
        return 0.0, float(x.size + y.size - 2)
    df = (vx + vy) ** 2 / (vx**2 / (x.size - 1) + vy**2 / (y.size - 1))
    return se, df


# --- comparisons --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Comparison:
    """subject / versus as a ratio with its 95% interval, and the two tests behind an outcome.

    `p_different` tests ratio == 1 (two-sided); `p_equivalent` is the TOST p-value for the
    ratio lying inside the margin. Both are before any Holm adjustment.
    """

    ratio: Interval
    p_different: float
    p_equivalent: float
    kind: Literal["paired", "unpaired", "fieller", "exact", "none"]
    why: str = ""
    """Why no test could be made (kind 'none')."""
    se: float = math.nan
    """Standard error of the log ratio (with any extra variance), for one-sided tests."""
    df: float = math.nan

    @property
    def n(self) -> int:
        return self.ratio.n

    def p_below(self, limit: float) -> float:
        """One-sided p-value that the ratio is below `limit` (e.g. non-inferiority)."""
        if self.kind == "none" or not self.ratio.mean > 0:
            return 1.0
        gap = math.log(limit) - math.log(self.ratio.mean)
        if self.kind == "exact" or self.se == 0:
            return 0.0 if gap > 0 else 1.0
        return float(sps.t.sf(gap / self.se, self.df))

    def p_above(self, limit: float) -> float:
        """One-sided p-value that the ratio is above `limit`."""
        if self.kind == "none" or not self.ratio.mean > 0:
            return 1.0
        gap = math.log(self.ratio.mean) - math.log(limit)
        if self.kind == "exact" or self.se == 0:
            return 0.0 if gap > 0 else 1.0
        return float(sps.t.sf(gap / self.se, self.df))

    def outcome(
        self,
        p_different: float | None = None,
        p_equivalent: float | None = None,
        *,
        min_effect: float = MIN_EFFECT,
        margin: float = MARGIN,
    ) -> Outcome:
        """The outcome, given Holm-adjusted p-values (the raw ones when not given)."""
        r = self.ratio.mean
        if self.kind == "none" or not math.isfinite(r) or (r <= 0 and self.kind != "fieller"):
            return INCONCLUSIVE
        tol = 1e-12
        # Symmetric on the log scale; a ratio at or below 0 (a cost of nothing) is far from 1.
        big = not (1 / (1 + min_effect) + tol < r < 1 + min_effect - tol)
        inside = 1 / (1 + margin) < r < 1 + margin
        if self.kind == "exact":
            # A counted fact has no sampling error: its size alone decides.
            return DIFFERENT if big else EQUIVALENT
        pd_ = self.p_different if p_different is None else p_different
        pe = self.p_equivalent if p_equivalent is None else p_equivalent
        if pd_ < ALPHA and big:
            return DIFFERENT
        if pe < ALPHA and inside:
            return EQUIVALENT
        return INCONCLUSIVE

    def as_dict(self) -> dict[str, object]:
        r = self.ratio.as_dict()
        return {
            "ratio": r["mean"],
            "ci_low": r["ci_low"],
            "ci_high": r["ci_high"],
            "n": r["n"],
            "test": self.kind,
            "p_different": _num(self.p_different),
            "p_equivalent": _num(self.p_equivalent),
            **({"why": self.why} if self.why else {}),
        }


def no_comparison(why: str, n: int = 0) -> Comparison:
    return Comparison(Interval(math.nan, -math.inf, math.inf, n), 1.0, 1.0, "none", why)


def _from_logs(
    m: float, se: float, df: float, n: int, *, kind: Literal["paired", "unpaired"], margin: float
) -> Comparison:
    """A comparison from a mean log ratio `m` with standard error `se` on `df` degrees."""
    if se == 0:
        p_diff = 1.0 if m == 0 else 0.0
        p_eq = 0.0 if abs(m) < math.log1p(margin) else 1.0
        point = Interval(math.exp(m), math.exp(m), math.exp(m), n)
        return Comparison(point, p_diff, p_eq, kind, se=0.0, df=df)
    half = _t(df) * se
    p_diff = float(2 * sps.t.sf(abs(m) / se, df))
    bound = math.log1p(margin)
    # Two one-sided tests: above -bound and below +bound, each at ALPHA.
    p_eq = float(max(sps.t.sf((m + bound) / se, df), sps.t.sf((bound - m) / se, df)))
    ratio = Interval(math.exp(m), math.exp(m - half), math.exp(m + half), n)
    return Comparison(ratio, p_diff, p_eq, kind, se=se, df=df)


def paired(
    subject: Mapping[int, float],
    versus: Mapping[int, float],
    *,
    min_rounds: int = MIN_ROUNDS,
    margin: float = MARGIN,
) -> Comparison:
    """subject / versus from the rounds both were measured in: mean of the per-round log
    ratios with a t-interval (a paired t-test on the logs)."""
    rounds = sorted(
        r for r in set(subject) & set(versus) if _positive(subject[r]) and _positive(versus[r])
    )
    if len(rounds) < min_rounds:
        return no_comparison(
            f"{len(rounds)} shared round(s) with positive values; {min_rounds} needed",
            len(rounds),
        )
    d = np.log([subject[r] for r in rounds]) - np.log([versus[r] for r in rounds])
    n = len(rounds)
    se = float(d.std(ddof=1)) / math.sqrt(n)
    return _from_logs(float(d.mean()), se, n - 1, n, kind="paired", margin=margin)


def unpaired(
    subject: Sequence[float],
    versus: Sequence[float],
    *,
    extra_variance: float = 0.0,
    min_n: int = 2,
    margin: float = MARGIN,
) -> Comparison:
    """subject / versus as the ratio of geometric means, Welch t-interval on the logs.

    `extra_variance` (on the log scale) is added to the squared standard error: the spread a
    value has between runs beyond what its own rounds show (see bench.compare).
    """
    x = np.log(_clean([v for v in subject if _positive(v)]))
    y = np.log(_clean([v for v in versus if _positive(v)]))
    if x.size < min_n or y.size < min_n:
        return no_comparison(f"{x.size} and {y.size} values; {min_n} each needed")
    se, df = _welch(x, y)
    se = math.sqrt(se**2 + extra_variance)
    return _from_logs(
        float(x.mean() - y.mean()), se, df, int(min(x.size, y.size)), kind="unpaired", margin=margin
    )


def paired_ratio_of_means(
    subject: Mapping[int, float],
    versus: Mapping[int, float],
    *,
    min_rounds: int = MIN_ROUNDS,
    margin: float = MARGIN,
) -> Comparison:
    """mean(subject) / mean(versus) over shared rounds, with Fieller's 95% interval for a ratio
    of paired means. For costs over a baseline (a difference that may come near zero, where a
    log ratio fails): the tests are paired t-tests of subject - k * versus (k = 1 for
    'different'; k = 1 + margin and 1 / (1 + margin) for the two one-sided equivalence tests).
    When the rival's mean is not clearly above zero (its own t-interval reaches 0), Fieller's
    set is unbounded: no ratio can be bounded, and none is tested (a ratio of something to
    nearly nothing reads as large whatever the truth)."""
    rounds = sorted(
        r
        for r in set(subject) & set(versus)
        if math.isfinite(subject[r]) and math.isfinite(versus[r])
    )
    n = len(rounds)
    if n < min_rounds:
        return no_comparison(f"{n} shared round(s); {min_rounds} needed", n)
    x = np.array([subject[r] for r in rounds])
    y = np.array([versus[r] for r in rounds])
    mx, my = float(x.mean()), float(y.mean())
    if my <= 0:
        return no_comparison("the rival's cost is not above zero", n)
    cov = np.cov(x, y, ddof=1) / n
    vxx, vyy, vxy = float(cov[0, 0]), float(cov[1, 1]), float(cov[0, 1])
    t = _t(n - 1)
    a = my**2 - t**2 * vyy
    b = -2 * (mx * my - t**2 * vxy)
    c = mx**2 - t**2 * vxx
    disc = b**2 - 4 * a * c
    if a <= 0 or disc < 0:
        return no_comparison(
            f"the rival's mean ({my:.3g}) is not clearly above zero over {n} rounds: "
            "the ratio is unbounded",
            n,
        )
    low, high = sorted(((-b - math.sqrt(disc)) / (2 * a), (-b + math.sqrt(disc)) / (2 * a)))

    def p_greater(k: float) -> float:
        """One-sided p that mean(x - k y) > 0."""
        d = x - k * y
        sd = float(d.std(ddof=1))
        if sd == 0:
            return 0.0 if d.mean() > 0 else 1.0
        return float(sps.t.sf(float(d.mean()) / (sd / math.sqrt(n)), n - 1))

    above, below = p_greater(1.0), 1 - p_greater(1.0)
    p_diff = min(1.0, 2 * min(above, below))
    p_eq = max(p_greater(1 / (1 + margin)), 1 - p_greater(1 + margin))
    ratio = Interval(mx / my, low, high, n)
    return Comparison(ratio, p_diff, p_eq, "fieller")


def exact_ratio(subject: float, versus: float) -> Comparison:
    """Two counted facts (bytes, packages, lines, instructions): their ratio, no interval."""
    if not (_positive(subject) and _positive(versus)):
        if subject == versus == 0:
            return Comparison(exact(1.0), 1.0, 0.0, "exact")
        return no_comparison("a zero or missing count has no ratio")
    r = subject / versus
    return Comparison(exact(r), 0.0 if r != 1 else 1.0, 0.0, "exact")


def _positive(x: float | None) -> bool:
    return x is not None and math.isfinite(x) and x > 0


def holm(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjustment: controls the chance of any false finding among the parts."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    adjusted = [1.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def rate_ci(events: int, trials: int) -> Interval:
    """A proportion (e.g. failed requests) with its exact Clopper-Pearson 95% interval."""
    if trials <= 0:
        return unknown()
    ci = sps.binomtest(events, trials).proportion_ci(confidence_level=LEVEL, method="exact")
    return Interval(events / trials, float(ci.low), float(ci.high), trials)


# --- the error rates of the design, measured by simulation ----------------------------------------


@dataclass(frozen=True)
class Noise:
    """How a measured number varies: `cv` per round in all, `shared` of it common to every
    framework of one round (the machine's state), as standard deviations of the log."""

    name: str
    cv: float
    shared: float = 0.0


NOISE: tuple[Noise, ...] = (
    Noise("peak throughput", 0.03, 0.015),
    Noise("server CPU per request at saturation", 0.05, 0.025),
    Noise("server CPU per request at light load", 0.15, 0.05),
)
"""The noise levels seen on a shared 2-core machine (per-round coefficient of variation)."""


def simulate(
    noise: Noise,
    true_ratio: float,
    *,
    rounds: int = MIN_ROUNDS,
    seeds: int = 4000,
    seed: int = 20261202,
) -> dict[Outcome, float]:
    """Share of `seeds` synthetic comparisons of two frameworks with `true_ratio` between them
    that come out different / equivalent / inconclusive: the rules of `paired` and
    `Comparison.outcome`, vectorised over the seeds."""
    rng = np.random.default_rng(seed)
    own = math.sqrt(max(noise.cv**2 - noise.shared**2, 0.0))
    shared = rng.normal(0, noise.shared, (seeds, rounds))
    # The shared part is drawn once per round and cancels in the ratio, as in a real run.
    log_a = math.log(true_ratio) + shared + rng.normal(0, own, (seeds, rounds))
    log_b = shared + rng.normal(0, own, (seeds, rounds))
    d = log_a - log_b
    m = d.mean(axis=1)
    se = d.std(axis=1, ddof=1) / math.sqrt(rounds)
    df = rounds - 1
    p_diff = 2 * sps.t.sf(np.abs(m) / se, df)
    bound = math.log1p(MARGIN)
    p_eq = np.maximum(sps.t.sf((m + bound) / se, df), sps.t.sf((bound - m) / se, df))
    big = np.abs(m) >= math.log1p(MIN_EFFECT) - 1e-12
    different = (p_diff < ALPHA) & big
    equivalent = ~different & (p_eq < ALPHA) & (np.abs(m) < bound)
    return {
        DIFFERENT: float(different.mean()),
        EQUIVALENT: float(equivalent.mean()),
        INCONCLUSIVE: float(1 - different.mean() - equivalent.mean()),
    }
