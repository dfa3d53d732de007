"""The overlap check reads matplotlib's rendered text extents: it must fail on a chart whose
labels are drawn on top of each other and pass on a readable one."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from bench.report.charts.overlap import overlaps


def test_neighbouring_axes_with_colliding_labels_are_caught() -> None:
    # the old latency chart's fault: axes so close that one's labels run into the other's
    fig, (left, right) = plt.subplots(1, 2, figsize=(4, 2))
    fig.subplots_adjust(wspace=0.02)
    for ax in (left, right):
        ax.plot([1, 2], [1000000, 2000000])
        ax.set_ylabel("latency (µs, a long label that runs over)")
    found = overlaps(fig)
    plt.close(fig)
    assert found and all(" overlaps " in f for f in found)


def test_long_tick_labels_on_a_narrow_axis_are_caught() -> None:
    fig, ax = plt.subplots(figsize=(3, 2))
    names = ["a-very-long-framework-name", "another-long-framework-name", "third-long-name"]
    ax.bar(names, [1, 2, 3])
    found = overlaps(fig)
    plt.close(fig)
    assert found


def test_a_laid_out_chart_passes() -> None:
    fig, (left, right) = plt.subplots(1, 2, figsize=(8, 3), layout="constrained")
    for ax in (left, right):
        ax.plot([1, 2], [1, 2])
        ax.set_ylabel("latency (ms)")
        ax.set_title("a title")
    assert overlaps(fig) == []
    plt.close(fig)


def test_hidden_and_empty_texts_do_not_count() -> None:
    fig, ax = plt.subplots(figsize=(4, 3), layout="constrained")
    ax.text(0.5, 0.5, "shown", transform=ax.transAxes)
    hidden = ax.text(0.5, 0.5, "hidden", transform=ax.transAxes)
    hidden.set_visible(False)
    ax.text(0.5, 0.5, "  ", transform=ax.transAxes)
    assert overlaps(fig) == []
    plt.close(fig)
