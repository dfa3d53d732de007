"""The method section states the design in plain words, with the design's own error rates."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.report import method
from bench.report.load import load
from tests.bench.report.synthetic import Synthetic, write


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    spec = Synthetic(trials=5, peak_users=(16, 64), scenarios=("plaintext", "json"))
    return write(tmp_path_factory.mktemp("method"), spec)


def test_the_design_is_stated_in_words(run_dir: Path) -> None:
    text = " ".join(f"{t}. {x}" for t, x in method.paragraphs(load(run_dir)))
    for words in (
        "same round",  # rounds pair
        "t-interval",
        "bootstrap cannot work",  # and why not
        "'different'",
        "'equivalent'",
        "'inconclusive'",
        "±5%",
        "Holm",
        "bare app on the same server",
        "cross-server",
        "highest median throughput",  # the peak level
        "Clopper-Pearson",
        "two runs of the same commit",
    ):
        assert words in text, words
    assert "This run has 5 rounds." in text


def test_a_short_run_is_told_it_decides_nothing(tmp_path: Path) -> None:
    run = load(write(tmp_path, Synthetic(trials=3)))
    text = " ".join(x for _, x in method.paragraphs(run))
    assert "3 round(s): fewer than 5" in text


def test_the_error_rates_are_measured_and_bounded(run_dir: Path) -> None:
    rates = method.error_rates(load(run_dir))
    assert [r["noise"] for r in rates] == [
        "peak throughput",
        "server CPU per request at saturation",
        "server CPU per request at light load",
    ]
    for r in rates:
        # The t-test's 5% by design; 4000 seeds measure it to about ±0.35%.
        assert r["false_different"] <= 0.06 and r["rounds"] == 5
    peak = rates[0]
    assert peak["found_10_percent"] >= 0.9
    # Light-load CPU is too noisy to find 10% in 5 rounds: why capacity claims do not use it.
    assert rates[2]["found_10_percent"] < 0.5
    assert method.document(load(run_dir))["margin"] == 0.05
