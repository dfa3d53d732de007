"""Draw a whole report: results/<run-id>/ -> reports/<run-id>/ (claims, charts, pages), and
the history of comparable runs -> reports/history/."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.errors import UsageError
from bench.report import charts, claims, html, markdown, method
from bench.report import history as history_mod
from bench.report.charts.history import history as history_chart
from bench.report.load import Run, load

HISTORY_DIR = "history"


def _write(path: Path, text: str) -> None:
    """Whole files or nothing: a reader never sees half a page."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def claims_document(run: Run, results: list[claims.Result]) -> dict[str, object]:
    return {
        "run_id": run.run_id,
        "status": run.status,
        "skipped": run.skipped,
        "rules": dict(claims.RULES),
        "method": method.document(run),
        "claims": [r.as_dict() for r in results],
        "forest": claims.forest(results),
    }


def build(results_dir: Path, reports_root: Path) -> Path:
    """The report directory for the run in `results_dir`; redrawing replaces its files. When
    the results folder holds other comparable runs, the page gets a history section."""
    return draw(results_dir, reports_root)[0]


def draw(results_dir: Path, reports_root: Path) -> tuple[Path, list[charts.Chart | charts.Omitted]]:
    """build(), and every chart it drew (the history chart last, when drawn)."""
    run = load(results_dir)
    out = reports_root / run.run_id
    out.mkdir(parents=True, exist_ok=True)
    results = claims.evaluate(run)
    drawn = charts.draw_all(run, out, results)
    past = history_mod.comparable(results_dir.parent, results_dir)
    history = history_chart(past, out) if len(past) > 1 else None
    _write(out / "claims.json", json.dumps(claims_document(run, results), indent=2) + "\n")
    _write(out / "summary.md", markdown.render(run, results, drawn))
    _write(out / "index.html", html.render(run, results, drawn, history))
    return out, [*drawn, *([history] if history else [])]


def build_history(
    results_root: Path, reports_root: Path
) -> tuple[Path, list[charts.Chart | charts.Omitted]]:
    """reports/history/: the headline metrics of every complete run comparable with the newest."""
    runs = history_mod.comparable(results_root)
    if len(runs) < 2:
        raise UsageError(
            f"{results_root} has {len(runs)} comparable complete run(s); a history needs two "
            "(same profile, same CPU model and count)"
        )
    out = reports_root / HISTORY_DIR
    out.mkdir(parents=True, exist_ok=True)
    chart = history_chart(runs, out)
    profile = history_mod.profile_name(runs[-1].meta)
    _write(out / "index.html", html.render_history(runs, chart, profile))
    return out, [chart]
