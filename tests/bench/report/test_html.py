"""index.html and summary.md: the headline first (peak throughput, the claims scorecard), then
charts, evidence and method; long tables folded; everything from results escaped."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from bench.report import html, peak
from bench.report.build import build
from bench.report.load import Run
from tests.bench.report.synthetic import Synthetic, write


def test_the_page_opens_with_the_headline_and_the_scorecard(v2_report: Path) -> None:
    page = (v2_report / "index.html").read_text()
    order = ['id="headline"', 'id="scorecard"', 'id="charts"', 'id="evidence"', 'id="method"']
    positions = [page.index(marker) for marker in order]
    assert positions == sorted(positions)
    head = page[: page.index('id="charts"')]
    assert 'src="charts/headline.png"' in head
    assert "serves the most" in head and "Of the article&#39;s 10 claims" in head


def test_every_verdict_badge_links_to_its_evidence(v2_report: Path) -> None:
    page = (v2_report / "index.html").read_text()
    card = page[page.index('id="scorecard"') : page.index('id="charts"')]
    links = set(re.findall(r'href="#(claim-\d+)"', card))
    assert links == {f"claim-{n}" for n in range(1, 11)}
    for target in links:
        assert f'id="{target}"' in page


def test_long_tables_fold_away(v2_report: Path) -> None:
    page = (v2_report / "index.html").read_text()
    after_head = page[page.index('id="charts"') :]
    # every table below the headline sits in a <details>
    depth, loose = 0, 0
    for tag in re.findall(r"<(/?)(details|table)\b", after_head):
        if tag == ("", "details"):
            depth += 1
        elif tag == ("/", "details"):
            depth -= 1
        elif tag == ("", "table") and depth == 0:
            loose += 1
    assert loose == 0


def test_values_from_results_are_escaped(tmp_path: Path) -> None:
    spec = Synthetic(
        scenarios=("json",),
        skipped={"django": '<script>alert("x")</script> failed'},
        peak_users=(16,),
        capacity_scenarios=(),
        hdr=False,
    )
    out = build(write(tmp_path / "results", spec), tmp_path / "reports")
    page = (out / "index.html").read_text()
    assert "<script>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; failed" in page


def test_the_page_is_rendered_from_templates_not_strings() -> None:
    source = Path(html.__file__).read_text()
    assert not re.search(r"<(td|tr|table|figure|h[1-3])\b", source)
    assert html.environment().autoescape is True


def test_summary_md_keeps_the_headline(v2_report: Path) -> None:
    md = (v2_report / "summary.md").read_text()
    assert md.index("## How fast?") < md.index("## Do the claims hold?") < md.index("## Charts")
    fast = md[md.index("## How fast?") : md.index("## Do the claims hold?")]
    assert "| fastapi | uvicorn |" in fast and "≥" in fast  # generator-bound baselines
    assert "Of the article's 10 claims" in md


def test_one_server_per_framework_shows_no_server_matrix(v2_run: Run) -> None:
    assert html._server_matrix(peak.peaks(v2_run.samples)) == ([], [])


def test_a_framework_on_two_servers_gets_a_framework_by_server_table(v2_run: Run) -> None:
    samples = v2_run.samples
    flask_peak = samples[(samples["framework"] == "flask") & (samples["mode"] == "peak")]
    other = flask_peak.assign(server="granian-wsgi", achieved_rps=flask_peak["achieved_rps"] * 2)
    run = replace(v2_run, samples=pd.concat([samples, other], ignore_index=True))
    head, rows = html._server_matrix(peak.peaks(run.samples))
    assert head[0].startswith("framework (json") and "granian-wsgi" in head
    by_fw = {row[0]: dict(zip(head[1:], row[1:], strict=True)) for row in rows}
    assert by_fw["flask"]["granian-wsgi"] != "-" and by_fw["django"]["granian-wsgi"] == "-"
    doubled = float(by_fw["flask"]["granian-wsgi"].lstrip("≥").replace(",", ""))
    single = float(by_fw["flask"][str(flask_peak["server"].iloc[0])].lstrip("≥").replace(",", ""))
    assert doubled == pytest.approx(2 * single, rel=0.01)
