"""`python -m bench report [RESULTS_DIR] [--history]`: claims, charts and pages for one run, or
the headline metrics across every comparable run."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.frameworks import ROOT

HELP = "draw reports/<run-id>/ (verdicts, charts, index.html, summary.md) from a results dir"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "results_dir",
        nargs="?",
        type=Path,
        help="a results/<run-id> directory (default: the newest complete run in --results)",
    )
    parser.add_argument(
        "--results-dir",
        "--results",
        dest="results",
        type=Path,
        default=ROOT / "results",
        help="where runs are, when no RESULTS_DIR is named (default: results/ of the project)",
    )
    parser.add_argument(
        "--output", type=Path, default=ROOT / "reports", help="where reports go (default reports/)"
    )
    parser.add_argument(
        "--history",
        action="store_true",
        help="draw reports/history/: each headline metric across the complete runs in "
        "--results that are comparable with the newest (same profile and machine)",
    )
    parser.add_argument(
        "--screenshot",
        action="store_true",
        help="open the page in headless chromium, check it, save screenshot.png beside it",
    )


def newest_readable(results: Path) -> tuple[Path, list[str]]:
    """The newest complete run that passes validation, and why each newer run was passed over
    (so that `make report` after an interrupted run says it drew an older one)."""
    from bench.errors import UsageError
    from bench.runner.validate import DamagedRunError, check, read_run_json

    if not results.is_dir():
        raise UsageError(f"results directory {results} does not exist")
    runs = []
    for child in results.iterdir():
        if not (child / "run.json").is_file():
            continue
        try:
            started = str(read_run_json(child / "run.json").get("started") or "")
        except DamagedRunError:
            started = ""  # sorted by name below, which starts with the start time
        runs.append((started, child.name, child))
    skipped = []
    for _, _, child in sorted(runs, reverse=True):
        try:
            document = check(child)
        except DamagedRunError as exc:
            skipped.append(f"{child.name} ({exc})")
            continue
        if document.get("status") != "complete":
            skipped.append(f"{child.name} ({document.get('status')})")
            continue
        return child, skipped
    raise UsageError(
        f"no complete run (readable) in {results}"
        + (f" (skipped: {'; '.join(skipped)})" if skipped else "")
        + "; run `python -m bench run` first or name a results directory"
    )


def run(args: argparse.Namespace) -> int:
    from bench.errors import UsageError
    from bench.report.build import build_history, draw
    from bench.report.charts import Chart
    from bench.runner.validate import check

    if args.history:
        if args.results_dir is not None:
            raise UsageError("--history reads every run in --results; name no RESULTS_DIR")
        out, drawn = build_history(args.results, args.output)
    else:
        if args.results_dir is not None:
            source = args.results_dir
            status = check(source).get("status")  # a damaged run: one line, exit 2
            if status != "complete":
                print(f"note: {source.name} is {status}: the report shows what it finished")
        else:
            source, skipped = newest_readable(args.results)
            print(f"drawing {source.name}, the newest complete run in {args.results}")
            for reason in skipped:
                print(f"  skipped newer run {reason}")
        out, drawn = draw(source, args.output)
    for chart in drawn:
        if isinstance(chart, Chart) and chart.overlaps:
            # still drawn: a chart with a crowded label beats no chart, but it is said
            print(f"warning: {chart.name} has overlapping text: {'; '.join(chart.overlaps)}",
                  file=sys.stderr)  # fmt: skip
    print(f"report: {out / 'index.html'}")
    if args.screenshot:
        from bench.report.browser import check_page

        page = check_page(out / "index.html", out / "screenshot.png")
        print(f"screenshot: {page.screenshot}")
        if not page.ok:
            print(f"page problems: {'; '.join(page.problems)}")
            return 1
    return 0
