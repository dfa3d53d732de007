"""`python -m bench compare RUN_A RUN_B`: per-cell changes; exit 1 on a significant slowdown."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from bench.errors import UsageError
from bench.frameworks import ROOT

HELP = (
    "compare two runs cell by cell; exit 1 when a cell got slower beyond --threshold, "
    "significantly; exit 2 when the runs are damaged or not comparable"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("run_a", help="the reference run (a results dir, or a run id in results/)")
    parser.add_argument("run_b", help="the run to judge")
    parser.add_argument(
        "--threshold", default="5%", help="smallest change that counts (default 5%%)"
    )
    parser.add_argument(
        "--results-dir",
        "--results",
        dest="results",
        type=Path,
        default=ROOT / "results",
        help="where run ids are looked up (default: results/ of the project)",
    )
    parser.add_argument("--all", action="store_true", help="also list unchanged cells")
    parser.add_argument(
        "--force",
        action="store_true",
        help="compare runs whose profile, load levels, CPU model or pinning differ",
    )


def _resolve(arg: str, results: Path) -> Path:
    path = Path(arg)
    if path.is_dir():
        return path
    if (results / arg).is_dir():
        return results / arg
    raise UsageError(f"no results directory {arg!r} (nor {results / arg})")


def _fmt(x: float) -> str:
    return "–" if not math.isfinite(x) else f"{x:,.1f}" if abs(x) >= 10 else f"{x:.3g}"


def run(args: argparse.Namespace) -> int:
    from bench.comparable import differences
    from bench.compare import FAMILY_ALPHA, compare, parse_threshold, regressions, run_shifts
    from bench.report.load import load
    from bench.runner.validate import check

    threshold = parse_threshold(args.threshold)
    paths = _resolve(args.run_a, args.results), _resolve(args.run_b, args.results)
    docs = [check(path) for path in paths]  # a damaged run: one line, exit 2
    reasons = differences(*docs)
    if reasons and not args.force:
        raise UsageError(
            f"{paths[0].name} and {paths[1].name} are not comparable: {'; '.join(reasons)} "
            "(--force compares them anyway)"
        )
    a, b = (load(path) for path in paths)
    if reasons:
        print(f"warning: compared with --force although {'; '.join(reasons)}")
    for run in (a, b):
        if run.status != "complete":
            print(f"note: {run.run_id} is {run.status}: only the cells it finished are compared")
    changes = compare(a.samples, b.samples, threshold)
    shown = [c for c in changes if args.all or c.status != "same"]
    print(
        f"A = {a.run_id}   B = {b.run_id}   threshold {threshold:.1%}; change = B vs A cost "
        f"(+ is slower), 95% Welch t-interval of the log ratio over rounds with the cells' "
        f"between-run spread; p = Holm-adjusted over all cells, significant below {FAMILY_ALPHA:g}"
    )
    header = (
        f"{'cell':<58} {'metric':<22} {'A':>10} {'B':>10} {'change':>8} {'95% CI':>17} "
        f"{'p':>6}  status"
    )
    print(header)
    print("-" * len(header))
    for c in shown:
        r = c.cost_ratio
        ci = f"[{(r.low - 1) * 100:+.1f}, {(r.high - 1) * 100:+.1f}]%" if r.known else "–"
        change = f"{c.percent:+.1f}%" if math.isfinite(r.mean) else "–"
        print(
            f"{' '.join(x for x in c.cell if x):<58.58} {c.metric:<22.22} {_fmt(c.mean_a):>10} "
            f"{_fmt(c.mean_b):>10} {change:>8} {ci:>17} {_fmt(c.p_value):>6}  {c.status}"
        )
    for (mode, metric), ratio in sorted(run_shifts(changes).items()):
        print(
            f"run-wide shift, {mode} {metric}: {(ratio - 1) * 100:+.1f}% (median of its cells; "
            "shown, not judged: machine state and a regression of everything look alike)"
        )
    same = sum(1 for c in changes if c.status == "same")
    worse = regressions(changes)
    better = sum(1 for c in changes if c.status == "faster")
    print(f"{len(changes)} cell-metrics: {len(worse)} slower, {better} faster, {same} unchanged")
    return 1 if worse else 0
