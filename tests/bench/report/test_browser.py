"""The report page in real headless chromium at 1280 px: every image loads, no console error,
nothing wider than the viewport, the headline chart and the scorecard on the first screen."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench.report import browser

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not any(Path(p).exists() for p in browser.CHROMIUM_PATHS),
        reason="chromium is not installed (scripts/setup-system.sh installs it)",
    ),
]


def test_the_report_passes_every_check_and_opens_on_its_headline(v2_report: Path) -> None:
    check = browser.check_page(v2_report / "index.html", v2_report / "screenshot.png")
    assert check.problems == [] and check.ok
    assert check.images == len(list((v2_report / "charts").glob("*.png")))
    assert (v2_report / "screenshot.png").stat().st_size > 20_000


def _copy(report: Path, tmp_path: Path, page: str) -> Path:
    shutil.copytree(report / "charts", tmp_path / "charts")
    (tmp_path / "index.html").write_text(page)
    return tmp_path / "index.html"


def test_an_element_wider_than_the_viewport_is_caught(v2_report: Path, tmp_path: Path) -> None:
    page = (v2_report / "index.html").read_text()
    wide = page.replace("</body>", '<div id="too-wide" style="width:2000px">x</div></body>')
    check = browser.check_page(_copy(v2_report, tmp_path, wide), tmp_path / "shot.png")
    assert any("div#too-wide" in w for w in check.wide) and not check.ok


def test_a_scorecard_pushed_below_the_fold_is_caught(v2_report: Path, tmp_path: Path) -> None:
    page = (v2_report / "index.html").read_text()
    tall = page.replace('<div class="top">', '<div style="height:900px"></div><div class="top">')
    check = browser.check_page(_copy(v2_report, tmp_path, tall), tmp_path / "shot.png")
    assert {b.split()[0] for b in check.below_fold} == {"#headline", "#scorecard"}


def test_a_missing_image_is_caught(v2_report: Path, tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text((v2_report / "index.html").read_text())  # charts/ is not beside this copy
    check = browser.check_page(page, tmp_path / "shot.png")
    assert check.missing_images and not check.ok
