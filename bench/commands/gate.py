"""`python -m bench gate`: fail when a request costs more instructions than on the base.

Instruction counts are deterministic, so unlike wall-clock times on a shared CI machine they
can block a merge: exit 1 when any framework x scenario cell costs more than the threshold over
the base, exit 2 when the base cannot be compared (another Python or package versions).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from bench import frameworks
from bench.commands import options
from bench.commands.profile import add_settings, names, progress
from bench.errors import UsageError
from bench.profiling import callgrind

HELP = "count instructions per request of the working tree and fail on a regression over a base"

DEFAULT_BASELINE = frameworks.ROOT / "bench" / "baselines" / "instructions.json"
DEFAULT_THRESHOLD = "2%"
"""Counts repeat within well under 0.5%, so 2% is a real change, and small enough to catch
an extra middleware layer or a per-request re-parse before they pile up."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    base = parser.add_mutually_exclusive_group()
    base.add_argument("--base", metavar="REF", help="a git commit to measure in the same run")
    base.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="a stored result (default: bench/baselines/instructions.json)",
    )
    parser.add_argument(
        "--threshold", default=DEFAULT_THRESHOLD, help="percentage (default %(default)s)"
    )
    options.names_option(parser, "--frameworks", "default: all (a b or a,b)")
    add_settings(parser)
    parser.add_argument(
        "--output-dir", type=Path, help="write base.json, head.json and report.md here"
    )


def run(args: argparse.Namespace) -> int:
    from bench.profiling import result, tree

    threshold = result.parse_threshold(args.threshold)
    chosen = frameworks.select(names(args.frameworks))
    scenarios = names(args.scenarios)
    tools = callgrind.tools()  # refuses now, before anything is measured, without valgrind
    started = time.monotonic()
    if args.base is not None:
        settings = callgrind.Settings(args.requests, args.warmup, args.jobs)
        repo = tree.toplevel(frameworks.ROOT)
        head = tree.profile(
            frameworks.ROOT, chosen, scenarios, settings, tools=tools, progress=progress
        )
        with tree.worktree(repo, args.base) as base_root:
            base = tree.profile(
                base_root,
                chosen,
                scenarios,
                settings,
                tools=tools,
                ref=args.base,
                progress=progress,
            )
        base_label = f"base {args.base}"
    else:
        path = args.baseline or DEFAULT_BASELINE
        base = result.load(path)
        # The stored run's settings, so that the two sets of counts mean the same thing.
        settings = callgrind.Settings(
            base["settings"]["requests"], base["settings"]["warmup"], args.jobs
        )
        # Refuse an incomparable baseline before spending minutes under valgrind.
        before = result.document(
            [], tree.subjects(frameworks.ROOT, chosen, scenarios), settings, tools
        )
        _refuse_incomparable(result.incomparable(base, before), f"baseline {path}")
        head = tree.profile(
            frameworks.ROOT, chosen, scenarios, settings, tools=tools, progress=progress
        )
        shown = path.resolve()
        if shown.is_relative_to(frameworks.ROOT):
            shown = shown.relative_to(frameworks.ROOT)
        base_label = f"baseline {shown}"
    _refuse_incomparable(result.incomparable(base, head), base_label)

    rows = result.compare(base, head)
    report = result.markdown(rows, threshold, base_label, "working tree")
    for note in result.notes(base, head):
        report += f"\nNote: {note}\n"
    report += f"\nMeasured in {time.monotonic() - started:.0f}s.\n"
    print(report)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(report)
    if args.output_dir is not None:
        result.write(base, args.output_dir / "base.json")
        result.write(head, args.output_dir / "head.json")
        (args.output_dir / "report.md").write_text(report, encoding="utf-8")
    bad = result.regressions(rows, threshold)
    if bad:
        cells = ", ".join(f"{r.framework}/{r.scenario} ({r.change:+.2%})" for r in bad)
        print(f"gate failed: more instructions per request in {cells}", file=sys.stderr)
        return 1
    return 0


def _refuse_incomparable(reasons: list[str], base: str) -> None:
    if reasons:
        raise UsageError(
            f"{base} cannot be compared with this environment: {'; '.join(reasons)} "
            "(measure the base in the same job with --base REF, or regenerate the baseline "
            "with make baseline)"
        )
