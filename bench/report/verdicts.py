"""From comparisons to verdicts: what one comparison says about a claim, how a part's and a
claim's verdicts follow, and Holm's adjustment across a claim's comparisons.

claims.py says what each claim compares; this module says how any comparison is read.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal

from bench.report.stats import (
    ALPHA,
    DIFFERENT,
    EQUIVALENT,
    MARGIN,
    Comparison,
    Interval,
    holm,
)

Verdict = Literal["supported", "contradicted", "inconclusive"]
SUPPORTED: Verdict = "supported"
CONTRADICTED: Verdict = "contradicted"
INCONCLUSIVE: Verdict = "inconclusive"
Want = Literal["lower", "higher", "not_higher"]
"""What the claim needs of subject / versus: lower, higher, or no worse than a margin above."""
ReadOutcome = Literal["different", "equivalent", "inconclusive", "no worse", "worse"]


@dataclass(frozen=True)
class Versus:
    """One comparison inside a part: the claim's subject against one rival."""

    subject: str
    versus: str
    comparison: Comparison
    want: Want
    margin: float = MARGIN
    """Equivalence margin; for `not_higher` the non-inferiority margin."""
    subject_floor: bool = False
    """The subject's number is a lower bound (e.g. generator-bound throughput)."""
    versus_floor: bool = False
    p_first: float = math.nan
    """Holm-adjusted p of the first test: different (or, for not_higher, worse)."""
    p_second: float = math.nan
    """Holm-adjusted p of the second test: equivalent (or, for not_higher, no worse)."""

    @property
    def ratio(self) -> Interval:
        return self.comparison.ratio

    def raw_p(self) -> tuple[float, float]:
        c = self.comparison
        if self.want == "not_higher":
            limit = 1 + self.margin
            return c.p_above(limit), c.p_below(limit)
        return c.p_different, c.p_equivalent

    def adjusted(self) -> tuple[float, float]:
        first, second = self.raw_p()
        return (
            first if math.isnan(self.p_first) else self.p_first,
            second if math.isnan(self.p_second) else self.p_second,
        )

    @property
    def outcome(self) -> ReadOutcome:
        first, second = self.adjusted()
        if self.want == "not_higher":
            if self.comparison.kind == "none":
                return "inconclusive"
            if first < ALPHA:
                return "worse"
            return "no worse" if second < ALPHA else "inconclusive"
        got = self.comparison.outcome(first, second, margin=self.margin)
        return got

    @property
    def verdict(self) -> Verdict:
        out, r = self.outcome, self.ratio.mean
        if self.want == "not_higher":
            return {"no worse": SUPPORTED, "worse": CONTRADICTED}.get(out, INCONCLUSIVE)
        if out == DIFFERENT:
            wins = r < 1 if self.want == "lower" else r > 1
            if wins:
                return INCONCLUSIVE if self.versus_floor else SUPPORTED
            return INCONCLUSIVE if self.subject_floor else CONTRADICTED
        if out == EQUIVALENT:
            # A tie is a result: it is not the difference the claim asserts.
            return INCONCLUSIVE if self.subject_floor or self.versus_floor else CONTRADICTED
        return INCONCLUSIVE

    def sentence(self) -> str:
        r = self.ratio
        if self.comparison.kind == "none":
            return f"{self.subject} vs {self.versus}: {self.comparison.why}"
        ci = "" if r.low == r.high else f" [{r.low:.3g}, {r.high:.3g}]"
        return f"{self.subject}/{self.versus} = {r.mean:.3g}{ci}: {self.outcome}"

    def as_dict(self) -> dict[str, Any]:
        first, second = self.adjusted()
        return {
            "subject": self.subject,
            "versus": self.versus,
            "want": self.want,
            **self.comparison.as_dict(),
            "margin": self.margin,
            "p_first_holm": _num(first),
            "p_second_holm": _num(second),
            "outcome": self.outcome,
            "verdict": self.verdict,
            **({"subject_lower_bound": True} if self.subject_floor else {}),
            **({"versus_lower_bound": True} if self.versus_floor else {}),
        }


def _num(x: float) -> float | None:
    return round(x, 6) if math.isfinite(x) else None


PartRule = Literal["each", "among_smallest", "fixed"]
AMONG_SMALLEST = 2
"""'Among the smallest' of five means in the best two."""


@dataclass(frozen=True)
class Part:
    """One measure of a claim: its comparisons, and the absolute numbers shown beside them."""

    label: str
    unit: str
    comparison: str
    """What is held constant: 'same server (gunicorn)', 'cross-server', 'facts (no server)'."""
    values: Mapping[str, Interval] = field(default_factory=dict)
    versus: tuple[Versus, ...] = ()
    rule: PartRule = "each"
    fixed: tuple[Verdict, str] | None = None
    """For a part decided by a read fact, not by comparisons: its verdict and reason."""
    decides: bool = True
    """False for context: shown with the claim, not counted in its verdict."""
    notes: Mapping[str, Any] = field(default_factory=dict)
    effect: Versus | None = None
    """For a fixed part: the counted fact's size against what the claim needs (no interval)."""

    @property
    def verdict(self) -> Verdict:
        return self._decide()[0]

    @property
    def reason(self) -> str:
        return self._decide()[1]

    def _decide(self) -> tuple[Verdict, str]:
        if self.fixed is not None:
            return self.fixed
        if not self.versus:
            return INCONCLUSIVE, "nothing to compare"
        by = {SUPPORTED: [], CONTRADICTED: [], INCONCLUSIVE: []}  # type: dict[Verdict, list[Versus]]
        for v in self.versus:
            by[v.verdict].append(v)
        if self.rule == "among_smallest":
            smaller = [v for v in by[CONTRADICTED] if v.outcome == DIFFERENT]
            open_ = by[INCONCLUSIVE] + [v for v in by[CONTRADICTED] if v not in smaller]
            if len(smaller) >= AMONG_SMALLEST:
                names = ", ".join(v.versus for v in smaller)
                return CONTRADICTED, f"{names} smaller than {self.versus[0].subject}"
            if len(smaller) + len([v for v in open_ if v.outcome != EQUIVALENT]) <= (
                AMONG_SMALLEST - 1
            ):
                return (
                    SUPPORTED,
                    f"at most {AMONG_SMALLEST - 1} of the others smaller: "
                    + "; ".join(v.sentence() for v in self.versus),
                )
            return INCONCLUSIVE, "; ".join(v.sentence() for v in self.versus)
        if by[CONTRADICTED]:
            return CONTRADICTED, "; ".join(v.sentence() for v in by[CONTRADICTED])
        if by[INCONCLUSIVE]:
            return INCONCLUSIVE, "; ".join(v.sentence() for v in by[INCONCLUSIVE])
        return SUPPORTED, "; ".join(v.sentence() for v in by[SUPPORTED])

    def as_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "unit": self.unit,
            "comparison": self.comparison,
            "decides": self.decides,
            "verdict": self.verdict,
            "reason": self.reason,
            "values": {fw: iv.as_dict() for fw, iv in self.values.items()},
            "versus": [v.as_dict() for v in self.versus],
            "effect": self.effect.as_dict() if self.effect else None,
            **({"notes": dict(self.notes)} if self.notes else {}),
        }


def with_holm(parts: Sequence[Part]) -> list[Part]:
    """Every comparison of a claim's deciding parts with Holm-adjusted p-values, each test
    family (difference, equivalence) adjusted on its own."""
    slots = [(i, j) for i, p in enumerate(parts) if p.decides for j in range(len(p.versus))]
    if not slots:
        return list(parts)
    raw = [parts[i].versus[j].raw_p() for i, j in slots]
    first = holm([r[0] for r in raw])
    second = holm([r[1] for r in raw])
    out = [list(p.versus) for p in parts]
    for (i, j), p1, p2 in zip(slots, first, second, strict=True):
        out[i][j] = replace(out[i][j], p_first=p1, p_second=p2)
    return [replace(p, versus=tuple(v)) for p, v in zip(parts, out, strict=True)]


def combine_all(parts: Sequence[Part]) -> tuple[Verdict, str]:
    """Supported when every deciding part is, contradicted when any is, else inconclusive."""
    deciding = [p for p in parts if p.decides]
    if not deciding:
        return INCONCLUSIVE, "no data for this claim in the run"
    bad = [p for p in deciding if p.verdict == CONTRADICTED]
    if bad:
        return CONTRADICTED, "; ".join(f"{p.label}: {p.reason}" for p in bad)
    open_ = [p for p in deciding if p.verdict == INCONCLUSIVE]
    if open_:
        return INCONCLUSIVE, "; ".join(f"{p.label}: {p.reason}" for p in open_)
    if len(deciding) == 1:
        return SUPPORTED, deciding[0].reason
    return SUPPORTED, f"all {len(deciding)} parts supported"


def combine_weighed(parts: Sequence[Part]) -> tuple[Verdict, str]:
    """Several measures of one idea: supported when at least half the measures support it and
    more support than contradict; contradicted in the mirror case; the reason names which."""
    deciding = [p for p in parts if p.decides]
    if not deciding:
        return INCONCLUSIVE, "no data for this claim in the run"
    yes = [p.label for p in deciding if p.verdict == SUPPORTED]
    no = [p.label for p in deciding if p.verdict == CONTRADICTED]
    found = f"supported by: {', '.join(yes) or 'none'}; contradicted by: {', '.join(no) or 'none'}"
    half = len(deciding) / 2
    if len(yes) >= half and len(yes) > len(no):
        return SUPPORTED, found
    if len(no) >= half and len(no) > len(yes):
        return CONTRADICTED, found
    return INCONCLUSIVE, found


def combine_agree(parts: Sequence[Part]) -> tuple[Verdict, str]:
    """Two readings of one fact (e.g. as deployed and as the template ships): a verdict only
    when both agree; one supported and one contradicted is inconclusive, and says so."""
    deciding = [p for p in parts if p.decides]
    verdicts = {p.verdict for p in deciding}
    text = "; ".join(f"{p.label}: {p.verdict} ({p.reason})" for p in deciding)
    if len(verdicts) == 1 and deciding:
        return deciding[0].verdict, text
    return INCONCLUSIVE, text or "no data for this claim in the run"
