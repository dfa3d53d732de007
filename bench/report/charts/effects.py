"""The claims' effects as a forest plot: one ratio with its interval per claim part, the
equivalence band shaded around 1.

The chart takes plain rows (claim, part, ratio, low, high, margin), so where the rows come from
can change without touching the drawing: today `rows_from_results` reads them from
bench.report.claims (each part's effect, a ratio of means with a 95% CI).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.lines import Line2D
from matplotlib.ticker import FormatStrFormatter, LogLocator, NullFormatter

from bench.report.charts.base import Chart, Omitted, save, wrap
from bench.report.claims import Result

DEFAULT_MARGIN = 0.05
"""±5%: the equivalence margin the verdicts issue states, used until a claim part carries its
own `margin`."""
VERDICT_STYLE = {
    "supported": ("#009E73", "o"),
    "contradicted": ("#D55E00", "X"),
    "inconclusive": ("#666666", "s"),
    # a comparison's own outcome (bench.report.stats)
    "different": ("#0072B2", "D"),
    "equivalent": ("#009E73", "o"),
}
LABEL_WIDTH = 58


@dataclass(frozen=True)
class ForestRow:
    claim: int
    part: str
    ratio: float
    low: float
    high: float
    margin: float | None
    verdict: str = "inconclusive"
    meaning: str = ""


def rows_from_results(results: Sequence[Result]) -> list[ForestRow]:
    """The forest rows issue 11's claims give (claims.forest): one per comparison."""
    from bench.report.claims import forest as claim_rows

    out = []
    for row in claim_rows(results):
        if not math.isfinite(row["ratio"]) or row["ratio"] <= 0:
            continue
        margin = row.get("margin")
        out.append(
            ForestRow(
                claim=int(row["claim"]),
                part=str(row["part"]),
                ratio=float(row["ratio"]),
                low=float(row["low"]),
                high=float(row["high"]),
                margin=float(margin) if margin is not None else DEFAULT_MARGIN,
                verdict=str(row["outcome"]),
                meaning="" if row.get("decides", True) else "context",
            )
        )
    return out


def forest(rows: Sequence[ForestRow], out: Path) -> Chart | Omitted:
    title = "Claims' effects"
    if not rows:
        return Omitted("forest", title, "No claim part has a ratio to show in this run.")
    labels = [wrap(f"{r.claim}. {r.part}", LABEL_WIDTH) for r in rows]
    heights = [label.count("\n") + 1 for label in labels]
    fig, ax = plt.subplots(figsize=(11, 0.24 * sum(heights) + 1.6), layout="constrained")
    ys = []
    y = 0.0
    for h in reversed(heights):
        ys.append(y + (h - 1) * 0.2)
        y += 0.55 + 0.4 * h
    ys.reverse()
    margins = {r.margin for r in rows if r.margin is not None}
    for margin in margins:
        ax.axvspan(1 - margin, 1 + margin, color="#56B4E9", alpha=0.18, lw=0)
    ax.axvline(1, color="black", lw=0.8)
    values = []
    for row, yy in zip(rows, ys, strict=True):
        colour, marker = VERDICT_STYLE.get(row.verdict, VERDICT_STYLE["inconclusive"])
        if math.isfinite(row.low) and math.isfinite(row.high) and row.low > 0:
            ax.plot([row.low, row.high], [yy, yy], color=colour, lw=1.5)
            values += [row.low, row.high]
        else:
            ax.text(row.ratio, yy + 0.22, "no CI", fontsize=7, color=colour, ha="center")
        ax.plot([row.ratio], [yy], marker=marker, color=colour, ms=6, lw=0)
        values.append(row.ratio)
    ax.set_xscale("log")
    # Ticks at 1, 2, 5 x 10^k with plain labels: matplotlib's default labels the minor ticks of
    # a narrow log range too, and neighbours such as 3x10^-1 and 4x10^-1 then overlap.
    ax.xaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
    ax.xaxis.set_major_formatter(FormatStrFormatter("%g"))
    ax.xaxis.set_minor_formatter(NullFormatter())
    low, high = min([*values, 0.9]), max([*values, 1.1])
    ax.set_xlim(low / 1.15, high * 1.15)
    ax.set_yticks(ys, labels, fontsize=8)
    ax.set_ylim(-0.6, y)
    ax.set_xlabel("ratio of means, subject / comparator (log scale; 1 = equal)")
    ax.grid(axis="x", alpha=0.3, which="both")
    handles = [
        Line2D([], [], color=c, marker=m, lw=1.5, label=v) for v, (c, m) in VERDICT_STYLE.items()
    ]
    if margins:
        band = ", ".join(f"±{m:.0%}" for m in sorted(margins))
        handles.append(
            Line2D([], [], color="#56B4E9", lw=6, alpha=0.4, label=f"equivalence {band}")
        )
    ax.legend(handles=handles, fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    ax.set_title(f"{title}: ratio and 95% CI per claim part", fontsize=10)
    caption = (
        "A part whose interval clears the shaded band shows a real difference; one inside the "
        "band is an equivalence; one that crosses its edge cannot tell."
    )
    return save(fig, out, "forest", title, caption)
