"""The page's opening: one sentence per question (how fast, which claims hold), shared by
index.html and summary.md so both open the same way."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from bench.report import peak as peak_mod
from bench.report import select
from bench.report.claims import Result
from bench.report.format import fmt, fmt_interval
from bench.report.load import Run
from bench.report.peak import Peak

VERDICTS = ("supported", "contradicted", "inconclusive")


@dataclass(frozen=True)
class Headline:
    peaks: list[Peak]
    """The headline scenario's peaks, highest first."""
    throughput: str
    """One sentence on peak throughput."""
    claims: str
    """One sentence on the verdicts."""


def peak_text(p: Peak) -> str:
    """'7,900 [7,850, 7,950] req/s at 64 users', with '≥' and the bound for a lower bound."""
    text = f"{p.mark}{fmt_interval(p.rps)} req/s at {p.users} users"
    return text if not p.lower_bound else f"{text} ({p.bound}-bound)"


def _throughput(peaks: Sequence[Peak]) -> str:
    if not peaks:
        return "This run has no peak-throughput samples (closed loop at saturation)."
    five = [p for p in peaks if p.framework in select.FIVE]
    lead = (five or list(peaks))[0]
    rest = [p for p in five if p is not lead]
    text = (
        f"At saturation on /{lead.scenario}, {lead.framework} ({lead.server}) serves the most "
        f"of the frameworks: {peak_text(lead)}"
    )
    if rest:
        last = rest[-1]
        text += f"; {last.framework} the least, {last.mark}{fmt(last.rps.mean)} req/s"
    bounded = [p.framework for p in peaks if p.lower_bound]
    if bounded:
        text += f". Lower bounds (≥, not server-bound): {', '.join(bounded)}"
    return text + "."


def _claims(results: Sequence[Result]) -> str:
    if not results:
        return "No claims were evaluated."
    counts: Counter[str] = Counter(r.verdict for r in results)
    parts = [f"{counts[v]} {v}" for v in VERDICTS if counts[v]]
    return f"Of the article's {len(results)} claims: {', '.join(parts)}."


def headline(run: Run, results: Sequence[Result]) -> Headline:
    peaks = peak_mod.headline(run.samples, run.meta)
    return Headline(peaks, _throughput(peaks), _claims(results))
