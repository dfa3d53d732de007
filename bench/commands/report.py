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
        "--results", type=Path, default=ROOT / "results", help="where runs are (default results/)"
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


def run(args: argparse.Namespace) -> int:
    from bench.errors import UsageError
    from bench.report.build import build_history, draw
    from bench.report.charts import Chart
    from bench.report.load import newest_complete

    if args.history:
        if args.results_dir is not None:
            raise UsageError("--history reads every run in --results; name no RESULTS_DIR")
        out, drawn = build_history(args.results, args.output)
    else:
        source = args.results_dir or newest_complete(args.results)
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
