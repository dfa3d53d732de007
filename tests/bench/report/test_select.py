"""Which samples answer which question: the peak level, per-round values, the same-server
baseline."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from bench.report import select
from bench.report.load import load
from tests.bench.report.synthetic import Synthetic, write

SPEC = Synthetic(trials=5, peak_users=(8, 32, 128), scenarios=("plaintext", "json"))


@pytest.fixture(scope="module")
def samples(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    return load(write(tmp_path_factory.mktemp("select"), SPEC)).samples


def test_the_peak_level_is_the_best_median_throughput_and_keeps_its_rounds(
    samples: pd.DataFrame,
) -> None:
    level = select.peak_level(samples, "flask", "json")
    assert level is not None and level.users == 128  # throughput rises with users here
    assert level.server == "gunicorn" and not level.lower_bound
    assert select.by_round(level.rows, "achieved_rps")["flask"].keys() == set(range(5))


def test_the_peak_level_follows_the_median_not_one_lucky_round(samples: pd.DataFrame) -> None:
    rows = samples.copy()
    flask = (rows["framework"] == "flask") & (rows["scenario"] == "json") & (rows["mode"] == "peak")
    # One round at 32 users far above everything; the other four below 128's.
    rows.loc[flask & (rows["users"] == 32) & (rows["round"] == 0), "achieved_rps"] = 1e6
    level = select.peak_level(rows, "flask", "json")
    assert level is not None and level.users == 128


def test_a_generator_bound_level_is_a_lower_bound(tmp_path: Path) -> None:
    spec = SPEC.but(generator_bound=frozenset({("fastapi", "json")}))
    level = select.peak_level(load(write(tmp_path, spec)).samples, "fastapi", "json")
    assert level is not None and level.lower_bound


def test_v1_runs_use_their_closed_loop_cells_for_saturation(tmp_path: Path) -> None:
    samples = load(write(tmp_path, SPEC.but(peak_users=()))).samples
    rows = select.peak_rows(samples)
    assert set(rows["mode"]) == {"closed"} and "io" not in set(rows["scenario"])


def test_the_baseline_is_on_the_same_server_or_labelled_cross_server(
    samples: pd.DataFrame,
) -> None:
    flask = select.baseline(samples, "flask", "json")
    assert flask == select.Baseline("raw-wsgi", "gunicorn", "json", True)
    fastapi = select.baseline(samples, "fastapi", "template")
    assert fastapi == select.Baseline("raw-asgi", "uvicorn", "json", True)  # the floor
    cherrypy = select.baseline(samples, "cherrypy", "plaintext")
    assert cherrypy is not None and not cherrypy.same_server
    assert "cross-server" in cherrypy.label and "gunicorn" in cherrypy.label


def test_with_the_bare_app_on_cheroot_cherrypy_is_held_constant(samples: pd.DataFrame) -> None:
    """Once the server matrix measures raw-wsgi on cheroot too, that is its baseline."""
    extra = samples[samples["framework"] == "raw-wsgi"].assign(server="cheroot")
    both = pd.concat([samples, extra, extra.iloc[:0]], ignore_index=True)
    got = select.baseline(both, "cherrypy", "json")
    assert got == select.Baseline("raw-wsgi", "cheroot", "json", True)
    assert select.baseline(both, "flask", "json") == select.Baseline(
        "raw-wsgi", "gunicorn", "json", True
    )


def test_with_a_server_matrix_the_default_server_is_judged(samples: pd.DataFrame) -> None:
    """Django measured on gunicorn and (twice as often) on granian: claims use gunicorn, the
    registry's server for it."""
    extra = samples[samples["framework"] == "django"].assign(server="granian-wsgi")
    both = pd.concat([samples, extra, extra], ignore_index=True)
    assert select.main_server(both, "django") == "gunicorn"
    only = samples[samples["framework"] != "django"]
    assert select.main_server(pd.concat([only, extra], ignore_index=True), "django") == (
        "granian-wsgi"
    )
