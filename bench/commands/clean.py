"""`python -m bench clean`: end what a killed run left running, and mark that run incomplete."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench.frameworks import ROOT

HELP = (
    "end the processes a dead run left behind (recorded by PID and start time) and mark "
    "that run incomplete; `run` does this first on its own"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=ROOT / "results",
        help="where run directories are (default: results/ of the project)",
    )


def report_sweep(results_dir: Path, by: str) -> int:
    """Sweep and print one line per process ended and per run marked; the number of lines."""
    from bench import leftovers

    lines = [line for swept in leftovers.sweep(results_dir, by) for line in swept.lines()]
    for line in lines:
        print(line, flush=True)
    return len(lines)


def run(args: argparse.Namespace) -> int:
    if not report_sweep(args.results_dir, "python -m bench clean"):
        print(f"nothing left behind by a dead run in {args.results_dir}")
    return 0
