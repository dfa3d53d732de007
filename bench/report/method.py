"""The method section's text: the statistical design in words a reader can follow, and the
design's own error rates, measured by simulation at the noise levels of a shared machine.

The page prints `paragraphs(run)` and `error_rates(run)`; claims.json carries both.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from bench.compare import FAMILY_ALPHA
from bench.report.claims import ERROR_RATE_BOUND, LATENCY_MARGIN
from bench.report.load import Run
from bench.report.stats import (
    DIFFERENT,
    EQUIVALENT,
    LEVEL,
    MARGIN,
    MIN_EFFECT,
    MIN_ROUNDS,
    NOISE,
    simulate,
)

SEEDS = 4000
"""Synthetic comparisons per error rate: the rate's own sampling error is below ±0.7%."""
TRUE_DIFFERENCE = 1.10
"""The 'real 10% difference' whose detection rate is stated."""
SMALL_DIFFERENCE = 1.02
"""A difference within ±2%: what 'equivalent' should catch."""


def rounds_of(run: Run) -> int:
    """The rounds of the run's measured cells (the fewest any framework had)."""
    s = run.samples.dropna(subset=["round"])
    if s.empty:
        return 0
    return int(s.groupby("framework")["round"].nunique().min())


def error_rates(run: Run | None = None, seeds: int = SEEDS) -> list[dict[str, Any]]:
    """For each noise level: how often the design calls identical frameworks different, finds
    a real 10% difference, and calls a 2% difference equivalent, at the run's rounds."""
    rounds = max(rounds_of(run) if run is not None else MIN_ROUNDS, MIN_ROUNDS)
    return [dict(row) for row in _rates(rounds, seeds)]


@lru_cache(maxsize=8)
def _rates(rounds: int, seeds: int) -> tuple[dict[str, Any], ...]:
    """Seeded, so the same for every report of a given round count: computed once."""
    rows = []
    for noise in NOISE:
        same = simulate(noise, 1.0, rounds=rounds, seeds=seeds)
        real = simulate(noise, TRUE_DIFFERENCE, rounds=rounds, seeds=seeds)
        small = simulate(noise, SMALL_DIFFERENCE, rounds=rounds, seeds=seeds)
        rows.append(
            {
                "noise": noise.name,
                "cv": noise.cv,
                "shared": noise.shared,
                "rounds": rounds,
                "false_different": same[DIFFERENT],
                "found_10_percent": real[DIFFERENT],
                "equivalent_at_2_percent": small[EQUIVALENT],
                "seeds": seeds,
            }
        )
    return tuple(rows)


def paragraphs(run: Run) -> list[tuple[str, str]]:
    """(title, text) of each paragraph of the design."""
    rounds = rounds_of(run)
    short = (
        f" This run has {rounds} round(s): fewer than {MIN_ROUNDS}, so every measured "
        "comparison in it is inconclusive by rule."
        if rounds < MIN_ROUNDS
        else f" This run has {rounds} rounds."
    )
    return [
        (
            "Rounds pair",
            "Every framework is measured once per round, in a shuffled order, on a freshly "
            "started server; a run repeats this for several rounds. Two frameworks measured in "
            "the same round shared the machine's state at that time, so their values pair: we "
            "compare them by the ratio of their values in each round, and average those "
            f"ratios on a log scale. A comparison needs at least {MIN_ROUNDS} rounds." + short,
        ),
        (
            "Intervals",
            f"The {LEVEL:.0%} interval of that average ratio is a Student t-interval of the "
            "per-round log ratios (a paired t-test). With 5 to 7 rounds a bootstrap cannot work: "
            "resampling so few values returns about their range, which covers the truth far "
            "less often than it claims. The log of a cost or a throughput is nearly symmetric, "
            "and for such data the t-interval holds its stated coverage at these sizes. "
            "Numbers measured outside the rounds (import time and memory in fresh "
            "interpreters) do not pair and are compared with Welch's t-interval of the log "
            "ratio.",
        ),
        (
            "Three outcomes",
            f"A comparison is 'different' when its interval excludes 1 and the ratio is at "
            f"least {MIN_EFFECT:.0%} away from 1: a significant but tiny difference is not a "
            f"finding. It is 'equivalent' when the interval lies inside ±{MARGIN:.0%}: a result "
            "in its own right (two frameworks cost the same), tested as two one-sided tests. "
            "Anything else is 'inconclusive': the run cannot tell.",
        ),
        (
            "Several parts",
            "A claim with several parts (scenarios, rivals, measures) makes many comparisons; "
            "some would pass by chance. Holm's method adjusts their p-values together, so the "
            f"chance of any false finding in a claim stays at {1 - LEVEL:.0%}.",
        ),
        (
            "Counted facts",
            "Bytes on disk, packages, lines of code and instruction counts do not vary from one "
            "reading to the next. They get no interval: their ratio decides, different when it "
            f"is at least {MIN_EFFECT:.0%} away from 1, equivalent otherwise.",
        ),
        (
            "The server held constant",
            "A framework runs on a server, and the server's own cost is part of every number: "
            "a bare WSGI app alone costs several times more CPU per request on gunicorn's "
            "threads than a bare ASGI app on uvicorn. So a framework's cost is its number minus "
            "that of the bare app on the same server in the same round (raw WSGI on gunicorn "
            "for Flask, Bottle and Django; raw ASGI on uvicorn for FastAPI). CherryPy runs on "
            "its own cheroot; until a run measures the bare app on cheroot, its comparison is "
            "labelled cross-server. The absolute numbers are shown beside. Two such costs are "
            "compared by the ratio of their means over the shared rounds, with Fieller's "
            "interval for a ratio of paired means: a cost over a baseline can come near zero, "
            "where a log ratio fails; its tests are paired t-tests too.",
        ),
        (
            "Capacity",
            "Capacity claims use the numbers at saturation: for each framework and scenario "
            "the concurrency level with the highest median throughput over rounds, and that "
            "level's per-round CPU per request and throughput. Light-load CPU is not "
            "extrapolated to capacity: a server's cost per request changes with its load.",
        ),
        (
            "Bounds without a source",
            f"Claim 8 judges failures as a rate with an exact (Clopper-Pearson) interval against "
            f"{ERROR_RATE_BOUND:.1%}, the line above which the harness itself calls a window "
            f"error-bound, and latency relative to the other servers at the same load: at most "
            f"{LATENCY_MARGIN:.0%} above their median p99.",
        ),
        (
            "How often this design is wrong",
            "The suite runs the design on synthetic data with the noise of a shared 2-core "
            "machine (table below: per-round variation, part of it shared by every framework "
            "of a round) and counts its verdicts for paired log ratios. Between two runs "
            "nothing pairs, and a whole run shifts by a few per cent with the machine: "
            "`bench compare` therefore counts a cell as changed only when the change passes "
            "its threshold and is significant both against no change and against the run's "
            "median shift, with the cells' between-run spread added and Holm across all "
            f"cells at {FAMILY_ALPHA:.0%}: two runs of the same commit flag a cell in at most "
            f"{FAMILY_ALPHA:.0%} of pairs.",
        ),
    ]


def document(run: Run) -> dict[str, Any]:
    """The method as data, for claims.json."""
    return {
        "paragraphs": [{"title": t, "text": x} for t, x in paragraphs(run)],
        "error_rates": error_rates(run),
        "margin": MARGIN,
        "min_effect": MIN_EFFECT,
        "min_rounds": MIN_ROUNDS,
        "level": LEVEL,
    }
