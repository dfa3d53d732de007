"""Draw a whole report: results/<run-id>/ -> reports/<run-id>/ (claims.json, charts, pages)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench.report import charts, claims, html, markdown, method
from bench.report.load import Run, load


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
    """The report directory for the run in `results_dir`; redrawing replaces its files."""
    run = load(results_dir)
    out = reports_root / run.run_id
    out.mkdir(parents=True, exist_ok=True)
    results = claims.evaluate(run)
    drawn = charts.draw_all(run, out)
    _write(out / "claims.json", json.dumps(claims_document(run, results), indent=2) + "\n")
    _write(out / "summary.md", markdown.render(run, results, drawn))
    _write(out / "index.html", html.render(run, results, drawn))
    return out
