"""Overlapping text in a figure, found from matplotlib's own rendered extents (no browser).

Every visible, non-empty text the figure draws (titles, axis labels, tick labels, legend
entries, annotations) is laid out by the renderer, and any two whose boxes intersect by more
than a pixel each way are reported. Tick labels of one axis touching at a corner are not a
problem a reader sees; one label printed over another is.
"""

from __future__ import annotations

import itertools

from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox

SLACK_PX = 1.0
"""Boxes include the font's ascent and descent, so neighbours may touch by a pixel."""


def _visible(artist: Artist) -> bool:
    node: Artist | None = artist
    while node is not None:
        if not node.get_visible():
            return False
        parent = getattr(node, "axes", None)
        node = parent if parent is not None and parent is not node else None
    return True


def _drawn_tick_labels(fig: Figure) -> tuple[list[Text], set[int]]:
    """Tick labels the axes draw now, and the ids of every tick label (drawn or not): tick
    objects outside the view keep stale labels that are never drawn."""
    drawn: list[Text] = []
    every: set[int] = set()
    for ax in fig.axes:
        for axis in (ax.xaxis, ax.yaxis):
            for tick in [*axis.get_major_ticks(), *axis.get_minor_ticks()]:
                every.update((id(tick.label1), id(tick.label2)))
            # the ticks inside the view, as Axis.draw picks them
            for tick in axis._update_ticks():  # type: ignore[union-attr]
                drawn += [t for t in (tick.label1, tick.label2) if t.get_visible()]
    return drawn, every


def texts(fig: Figure) -> list[Text]:
    """Every visible, non-empty text of `fig`, once."""
    ticks, tick_ids = _drawn_tick_labels(fig)
    seen: set[int] = set()
    out: list[Text] = []
    for artist in [*ticks, *fig.findobj(Text)]:
        assert isinstance(artist, Text)
        if id(artist) in seen or not artist.get_text().strip() or not _visible(artist):
            continue
        if id(artist) in tick_ids and artist not in ticks:
            continue
        seen.add(id(artist))
        out.append(artist)
    return out


def _shrunk(box: Bbox) -> Bbox:
    return Bbox.from_extents(
        box.x0 + SLACK_PX, box.y0 + SLACK_PX, box.x1 - SLACK_PX, box.y1 - SLACK_PX
    )


def overlaps(fig: Figure) -> list[str]:
    """'"a" overlaps "b"' for each pair of texts drawn on top of each other."""
    fig.canvas.draw()  # lays out ticks and constrained layout as saving would
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = []
    for text in texts(fig):
        box = text.get_window_extent(renderer)
        if box.width > 0 and box.height > 0:
            boxes.append((text.get_text(), _shrunk(box)))
    found = []
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        if box_a.overlaps(box_b):
            found.append(f"{a!r} overlaps {b!r}")
    return found
