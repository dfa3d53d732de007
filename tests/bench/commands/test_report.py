"""`python -m bench report`: every file issue 4 lists, charts omitted with a reason rather than
drawn empty, the page checked in real headless chromium, and a report from a real quick run."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cli import main
from bench.frameworks import ROOT
from bench.report import browser
from bench.report.charts import palette
from tests.bench.report.synthetic import Synthetic, write

CHARTS = ("headline", "load_curve", "spectrum", "saturation", "overhead", "concurrency",
          "memory", "startup", "dependencies", "forest")  # fmt: skip


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One synthetic report with docker beside local and some generator-bound samples."""
    root = tmp_path_factory.mktemp("report")
    spec = Synthetic(
        deployments=("local", "docker"),
        generator_bound=frozenset({("fastapi", "plaintext"), ("raw-asgi", "plaintext")}),
        scenarios=("plaintext", "json", "echo"),
        closed_users=(10, 50),
    )
    write(root / "results", spec)
    assert main(["report", "--results", str(root / "results"), "--output", str(root / "out")]) == 0
    return root / "out" / spec.run_id


def test_report_writes_every_file(report: Path) -> None:
    for name in ("index.html", "summary.md", "claims.json"):
        assert (report / name).stat().st_size > 0
    for chart in CHARTS:
        assert (report / "charts" / f"{chart}.png").stat().st_size > 1000
        assert (report / "charts" / f"{chart}.svg").read_text().lstrip().startswith("<?xml")


def test_claims_json_has_all_ten_claims_with_their_fields(report: Path) -> None:
    doc = json.loads((report / "claims.json").read_text())
    assert [c["number"] for c in doc["claims"]] == list(range(1, 11))
    for claim in doc["claims"]:
        assert claim["verdict"] in ("supported", "contradicted", "inconclusive")
        for key in ("article", "hypothesis", "metric", "scenario", "parts", "effect", "rule"):
            assert key in claim
    assert doc["rules"]["Lowest / highest"]


def test_the_page_puts_the_headline_before_evidence_before_method(report: Path) -> None:
    page = (report / "index.html").read_text()
    assert page.index('id="scorecard"') < page.index('id="evidence"') < page.index('id="method"')
    assert "docker" in page  # deployment shown as a dimension
    assert "generator-bound" in page
    assert "http://" not in page and "https://" not in page  # nothing from the network


def test_a_chart_without_data_is_omitted_with_a_sentence(tmp_path: Path) -> None:
    spec = Synthetic(io_users=(), scenarios=("json",), closed_users=())
    write(tmp_path / "results", spec)
    assert main(["report", str(tmp_path / "results" / spec.run_id), "--output",
                 str(tmp_path / "out")]) == 0  # fmt: skip
    out = tmp_path / "out" / spec.run_id
    assert not (out / "charts" / "concurrency.png").exists()
    assert "Waits in progress against users</b>: not drawn" in (out / "index.html").read_text()
    assert "not drawn" in (out / "summary.md").read_text()


def test_colours_are_one_per_framework() -> None:
    names = ("flask", "bottle", "cherrypy", "django", "fastapi", "raw-wsgi", "raw-asgi")
    assert len({palette(n) for n in names}) == len(names)
    assert palette("flask") == palette("flask")


def test_no_complete_run_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--results", str(tmp_path)]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: no complete run") and "\n" not in err


needs_chromium = pytest.mark.skipif(
    not any(Path(p).exists() for p in browser.CHROMIUM_PATHS),
    reason="chromium is not installed (scripts/setup-system.sh installs it)",
)


@pytest.mark.browser
@needs_chromium
def test_the_page_loads_in_headless_chromium_without_missing_images(report: Path) -> None:
    check = browser.check_page(report / "index.html", report / "screenshot.png")
    assert check.images == len(list((report / "charts").glob("*.png")))
    assert check.problems == [] and check.ok
    assert (report / "screenshot.png").stat().st_size > 10_000


@pytest.mark.browser
@needs_chromium
def test_the_browser_check_catches_a_missing_image(report: Path, tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text((report / "index.html").read_text())  # charts/ is not beside this copy
    check = browser.check_page(page, tmp_path / "shot.png")
    assert check.missing_images and not check.ok


@pytest.mark.slow
@pytest.mark.browser
@needs_chromium
def test_a_report_from_a_real_quick_run(tmp_path: Path) -> None:
    """The runner's own quick run (two frameworks, tiny windows), then the report, then chromium."""
    results = tmp_path / "results"
    results.mkdir()
    run = subprocess.run(
        [sys.executable, "-m", "bench", "run", "--profile", "quick",
         "--frameworks", "raw-asgi,flask", "--scenarios", "plaintext,json,io", "--users", "8",
         "--duration", "0.6", "--warmup", "0.2", "--results-dir", str(results)],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    made = subprocess.run(
        [sys.executable, "-m", "bench", "report", "--results", str(results),
         "--output", str(tmp_path / "reports"), "--screenshot"],
        cwd=ROOT, capture_output=True, text=True, timeout=240, check=False,
    )  # fmt: skip
    assert made.returncode == 0, made.stdout + made.stderr
    (out,) = (tmp_path / "reports").iterdir()
    doc = json.loads((out / "claims.json").read_text())
    verdicts = {c["number"]: c["verdict"] for c in doc["claims"]}
    # Only flask and a baseline ran: comparisons of the five cannot be decided...
    assert verdicts[1] == verdicts[3] == verdicts[10] == "inconclusive"
    # ...but claim 6 is about flask alone and its facts were collected by the run.
    assert verdicts[6] in ("supported", "contradicted", "inconclusive")
    assert (out / "charts" / "concurrency.png").exists() and (out / "screenshot.png").exists()
