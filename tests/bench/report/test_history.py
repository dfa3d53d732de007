"""`bench report --history`: headline metrics across comparable runs, a regression as a step."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.cli import main
from bench.report import history
from bench.report.charts import Chart
from bench.report.charts.history import history as history_chart
from tests.bench.report.synthetic import Synthetic, write

BASE = Synthetic(
    scenarios=("json",),
    frameworks=("flask", "fastapi", "raw-wsgi", "raw-asgi"),
    capacity_scenarios=(),
    io_users=(),
    closed_users=(),
    rates=(500.0,),
    generator_ceiling=True,
)


def three_runs(results: Path) -> None:
    """Three runs of three commits; the third makes flask 30% more expensive per request."""
    for i, (sha, flask_us) in enumerate((("aaa1111", 300), ("bbb2222", 300), ("ccc3333", 390))):
        write(
            results,
            BASE.but(
                run_id=f"2026112{i + 5}T150000Z-{sha}",
                started_at=f"2026-11-2{i + 5}T15:00:00Z",
                git_sha=sha,
                seed=i,
                cpu_us={**BASE.cpu_us, "flask": flask_us},
                io_capacity={"flask": 12, "fastapi": 1000},
            ),
        )


def test_a_regression_shows_as_a_step(tmp_path: Path) -> None:
    three_runs(tmp_path)
    runs = history.comparable(tmp_path)
    chart = history_chart(runs, tmp_path / "out")
    assert isinstance(chart, Chart) and chart.overlaps == ()
    assert [r.run_id[-7:] for r in runs] == ["aaa1111", "bbb2222", "ccc3333"]
    peak = {
        p.run_id[-7:]: p.value.mean
        for p in history.series(runs)
        if p.metric == "peak_rps" and p.framework == "flask"
    }
    assert peak["aaa1111"] == pytest.approx(peak["bbb2222"], rel=0.03)
    assert peak["ccc3333"] < 0.8 * peak["bbb2222"]


def test_runs_of_another_profile_or_unfinished_are_left_out(tmp_path: Path) -> None:
    three_runs(tmp_path)
    write(tmp_path, BASE.but(run_id="20261129T150000Z-ddd4444", status="incomplete"))
    other = write(
        tmp_path, BASE.but(run_id="20261130T150000Z-eee5555", started_at="2026-11-30T15:00:00Z")
    )
    meta = (other / "run.json").read_text().replace('"profile": "synthetic"', '"profile": "full"')
    (other / "run.json").write_text(meta)
    assert len(history.comparable(tmp_path)) == 1  # the newest is alone in its profile
    assert len(history.comparable(tmp_path, tmp_path / "20261127T150000Z-ccc3333")) == 3


def test_bench_report_history_draws_the_history_charts(tmp_path: Path) -> None:
    three_runs(tmp_path / "results")
    code = main(["report", "--history", "--results", str(tmp_path / "results"),
                 "--output", str(tmp_path / "reports")])  # fmt: skip
    assert code == 0
    out = tmp_path / "reports" / "history"
    assert (out / "charts" / "history.png").stat().st_size > 10_000
    assert (out / "charts" / "history.svg").is_file()
    page = (out / "index.html").read_text()
    assert "ccc3333" in page and 'src="charts/history.png"' in page


def test_a_run_page_gets_a_history_section_when_earlier_runs_exist(tmp_path: Path) -> None:
    three_runs(tmp_path / "results")
    newest = tmp_path / "results" / "20261127T150000Z-ccc3333"
    assert main(["report", str(newest), "--output", str(tmp_path / "reports")]) == 0
    page = (tmp_path / "reports" / newest.name / "index.html").read_text()
    assert 'id="history"' in page and "charts/history.png" in page


def test_one_run_is_not_a_history(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    write(tmp_path, BASE)
    assert main(["report", "--history", "--results", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert "a history needs two" in err and "\n" not in err
