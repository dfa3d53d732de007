"""What every chart shares: one colour per framework, the Chart/Omitted results, saving.

Colours are Okabe and Ito's colour-blind safe palette, fixed per framework so a reader learns
them once. Every figure is checked for overlapping text before it is saved (overlap.py); a chart
that would print labels on top of each other says so in `Chart.overlaps`.
"""

from __future__ import annotations

import math
import textwrap
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from bench.report.charts.overlap import overlaps
from bench.report.peak import default_servers
from bench.report.stats import Interval, mean_ci

# SVG element ids are hashes salted with a random uuid unless a salt is set
matplotlib.rcParams["svg.hashsalt"] = "pywebbench"

ORDER = ("flask", "bottle", "cherrypy", "django", "fastapi", "raw-wsgi", "raw-asgi")
# Okabe & Ito (2008), "Color Universal Design": distinguishable with every common colour-vision
# deficiency. Yellow (#F0E442) is kept for names not known here: it is weak on white.
_FIXED = {
    "flask": "#0072B2",
    "bottle": "#009E73",
    "cherrypy": "#D55E00",
    "django": "#CC79A7",
    "fastapi": "#E69F00",
    "raw-wsgi": "#56B4E9",
    "raw-asgi": "#000000",
}
_SPARE = ("#F0E442", "#999999", "#7F3C8D", "#11A579")
DPI = 110
"""At 110 dpi an 11-inch figure is 1210 px: the page's 1200 px column without scaling."""
BOUND_HATCH = "///"
LOWER_BOUND_NOTE = "hatched: a lower bound (not server-bound), read as ≥"
SERVER_BOUND = "server"


def palette(framework: str) -> str:
    """The one colour of `framework` in every chart (stable for names not known here too)."""
    if framework in _FIXED:
        return _FIXED[framework]
    return _SPARE[zlib.crc32(framework.encode()) % len(_SPARE)]


def rank(framework: str) -> tuple[int, str]:
    return (ORDER.index(framework) if framework in ORDER else len(ORDER), framework)


def ordered(frameworks: Sequence[str]) -> list[str]:
    """Registry order for known names, then the rest alphabetically: the same in every chart."""
    return sorted(set(frameworks), key=rank)


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    caption: str
    """One line: what to look for."""
    files: tuple[str, ...]
    """Paths relative to the report directory, PNG first."""
    overlaps: tuple[str, ...] = ()
    """Pairs of texts drawn on top of each other (empty for a readable chart)."""


@dataclass(frozen=True)
class Omitted:
    name: str
    title: str
    reason: str


def save(fig: Figure, out: Path, name: str, title: str, caption: str) -> Chart:
    """PNG and SVG of `fig` in out/charts/, its text checked for overlaps first."""
    found = tuple(overlaps(fig))
    # The check drew the figure with its layout; freezing it keeps the saved files exactly as
    # checked and spares a second and third layout pass (the slow part on log axes).
    fig.set_layout_engine("none")
    charts = out / "charts"
    charts.mkdir(parents=True, exist_ok=True)
    files = []
    for ext in ("png", "svg"):
        # a fixed date and no generator version: the same results redraw the same bytes
        meta = {"Software": None} if ext == "png" else {"Date": None, "Creator": None}
        fig.savefig(charts / f"{name}.{ext}", dpi=DPI, metadata=meta)
        files.append(f"charts/{name}.{ext}")
    plt.close(fig)
    return Chart(name, title, caption, tuple(files), found)


def interval(values: Sequence[float]) -> Interval:
    return mean_ci([float(v) for v in values])


def whisker(iv: Interval) -> tuple[list[float], list[float]] | None:
    """Matplotlib's asymmetric error for `iv`, or None when it has no interval."""
    if not iv.known or iv.high <= iv.low:
        return None
    return [max(iv.mean - iv.low, 0.0)], [max(iv.high - iv.mean, 0.0)]


def finite(x: float) -> bool:
    return isinstance(x, float | int) and math.isfinite(x)


def wrap(text: str, width: int) -> str:
    return "\n".join(textwrap.wrap(text, width)) or text


def primary(samples: pd.DataFrame) -> pd.DataFrame:
    """Rows of the deployment verdicts use (local when present)."""
    deployments = set(samples["deployment"].dropna())
    dep = "local" if "local" in deployments or not deployments else sorted(deployments)[0]
    return samples[samples["deployment"] == dep]


def one_server(meta: Mapping[str, Any], rows: pd.DataFrame) -> pd.DataFrame:
    """`rows` with each framework on one server: its own where the server matrix measured it on
    several (the framework x server chart shows the rest), so a line is one server's."""
    own = default_servers(meta)
    keep = []
    for fw, group in rows.groupby("framework", sort=False):
        servers = set(group["server"])
        if len(servers) == 1:
            keep.append(group)
            continue
        server = own.get(str(fw))
        if server not in servers:
            server = str(group["server"].mode().iloc[0])
        keep.append(group[group["server"] == server])
    return pd.concat(keep) if keep else rows


def grid(count: int, cols: int, width: float, row_height: float) -> tuple[Figure, list[Axes]]:
    """`count` axes in rows of `cols`; unused cells hidden."""
    cols = max(1, min(cols, count))
    rows = math.ceil(count / cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(width, row_height * rows), squeeze=False, layout="constrained"
    )
    flat = list(axes.flat)
    for ax in flat[count:]:
        ax.set_visible(False)
    return fig, flat[:count]
