"""One synthetic schema-v2 report, drawn once for the chart, page and browser tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.report.build import draw
from bench.report.charts import Chart, Omitted
from bench.report.load import Run, load
from tests.bench.report.synthetic import Synthetic, write

SPEC = Synthetic(
    scenarios=("plaintext", "json", "echo"),
    generator_ceiling=True,
    generator_bound=frozenset({("raw-asgi", "plaintext")}),
    skipped={},
)


@pytest.fixture(scope="session")
def v2_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return load(write(tmp_path_factory.mktemp("v2") / "results", SPEC))


@pytest.fixture(scope="session")
def v2_built(
    v2_run: Run, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, list[Chart | Omitted]]:
    """reports/<run-id>/ of v2_run, built the way `bench report` builds it, and its charts."""
    return draw(v2_run.path, tmp_path_factory.mktemp("reports"))


@pytest.fixture(scope="session")
def v2_report(v2_built: tuple[Path, list[Chart | Omitted]]) -> Path:
    return v2_built[0]


@pytest.fixture(scope="session")
def v2_charts(v2_built: tuple[Path, list[Chart | Omitted]]) -> list[Chart | Omitted]:
    return v2_built[1]
