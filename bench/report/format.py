"""Numbers as the report prints them, shared by index.html and summary.md."""

from __future__ import annotations

import math

from bench.report.claims import Result
from bench.report.stats import Interval


def fmt(x: float | None, digits: int = 3) -> str:
    if x is None or not math.isfinite(x):
        return "–"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def fmt_interval(iv: Interval) -> str:
    if iv.n == 0:
        return "no data"
    if iv.low == iv.high:
        return fmt(iv.mean)
    if not iv.known:
        return f"{fmt(iv.mean)} (n={iv.n}, no CI)"
    return f"{fmt(iv.mean)} [{fmt(iv.low)}, {fmt(iv.high)}]"


def effect_text(result: Result) -> str:
    e = result.effect
    if e is None:
        return ""
    r = e.ratio
    if not math.isfinite(r.mean):
        return f"{e.subject} / {e.versus}: {e.outcome}"
    ci = "" if r.low == r.high or not r.known else f" [{fmt(r.low)}, {fmt(r.high)}]"
    return f"{e.subject} / {e.versus} = {fmt(r.mean)}{ci}: {e.outcome}"
