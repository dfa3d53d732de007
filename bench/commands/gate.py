"""`python -m bench gate`: fail when a request costs more instructions than on the base.

Instruction counts are deterministic, so unlike wall-clock times on a shared CI machine they
can block a merge. Exit 1 when a framework x level x scenario cell costs more than the
threshold over the base, when the geometric mean of a framework's cells is over the mean
threshold, or when a cell of the base is missing in the head; exit 2 when the base cannot be
compared (another Python, other settings).

Each side is counted in the environment of its own `requirements.lock` (environment.py): with
`--base REF` a base whose lock differs runs in a venv built from that lock, so a dependency
upgrade shows as the cost it adds, and the report names every package that changed.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path
from typing import Any

from bench import frameworks
from bench.commands import options
from bench.commands.profile import add_settings, head_environment, levels, names, progress
from bench.errors import UsageError
from bench.profiling import callgrind, server

HELP = "count instructions per request of the working tree and fail on a regression over a base"

DEFAULT_BASELINE = frameworks.ROOT / "bench" / "baselines" / "instructions.json"
DEFAULT_THRESHOLD = "2%"
"""In-process counts repeat exactly (cherrypy within 0.03%); through a server within 0.26% on
gunicorn and 1.4% on uvicorn and cheroot on a shared, loaded machine (their timers: see
server.py), so 2% is a real change, and small enough to catch an extra middleware layer or a
per-request re-parse."""
DEFAULT_MEAN_THRESHOLD = "0.5%"
"""Over all cells of a framework: 1.9% on each of its cells passes every cell's threshold but
not this one, so cost cannot creep up under the per-cell threshold one change at a time."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    base = parser.add_mutually_exclusive_group()
    base.add_argument(
        "--base",
        metavar="REF",
        help="a git commit to measure in the same run, in the environment of its own lock",
    )
    base.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="a stored result (default: bench/baselines/instructions.json)",
    )
    parser.add_argument(
        "--threshold", default=DEFAULT_THRESHOLD, help="per cell (default %(default)s)"
    )
    parser.add_argument(
        "--mean-threshold",
        default=DEFAULT_MEAN_THRESHOLD,
        help="geometric mean over a framework's cells (default %(default)s)",
    )
    options.names_option(parser, "--frameworks", "default: all (a b or a,b)")
    add_settings(parser)
    parser.add_argument(
        "--output-dir", type=Path, help="write base.json, head.json and report.md here"
    )


def _expected(args: argparse.Namespace, chosen_levels: tuple[str, ...]) -> Any:
    """Which base cells the head must have: all, or those of a narrowed selection."""
    fw_names = set(names(args.frameworks))
    scenarios = set(names(args.scenarios))

    def expected(key: tuple[str, str, str]) -> bool:
        framework, level, scenario = key
        return (
            (not fw_names or framework in fw_names)
            and level in chosen_levels
            and (not scenarios or scenario in scenarios)
        )

    return expected


def run(args: argparse.Namespace) -> int:
    from bench.profiling import environment, result, tree

    threshold = result.parse_threshold(args.threshold)
    mean_threshold = result.parse_threshold(args.mean_threshold)
    chosen = frameworks.select(names(args.frameworks))
    scenarios = names(args.scenarios)
    chosen_levels = levels(args)
    tools = callgrind.tools()  # refuses now, before anything is measured, without valgrind
    started = time.monotonic()
    env_lines: list[str] = []
    if args.base is not None:
        head_env = head_environment(tools)
        env_lines.append(f"Head counted in: {head_env.label}.")
        settings = callgrind.Settings(args.requests, args.warmup, args.jobs)
        server_settings = server.ServerSettings(args.server_requests, args.server_warmup, args.jobs)
        repo = tree.toplevel(frameworks.ROOT)
        with tree.worktree(repo, args.base) as base_root:
            head_lock = environment.read_lock(frameworks.ROOT / environment.LOCK_NAME)
            base_lock = environment.read_lock(base_root / environment.LOCK_NAME)
            same_pins = (head_lock.pins if head_lock else None) == (
                base_lock.pins if base_lock else None
            )
            base_env = (
                head_env
                if same_pins
                else environment.for_lock(base_lock, tools.interpreter, progress)
            )
            env_lines.append(f"Base counted in: {base_env.label}.")
            common: dict[str, Any] = {
                "tools": tools,
                "progress": progress,
                "levels": chosen_levels,
                "server_settings": server_settings,
            }
            head = tree.profile(
                frameworks.ROOT, chosen, scenarios, settings, env=head_env, **common
            )
            base = tree.profile(
                base_root, chosen, scenarios, settings, env=base_env, ref=args.base, **common
            )
        base_label = f"base {args.base}"
    else:
        path = args.baseline or DEFAULT_BASELINE
        base = result.load(path)
        # The stored run's settings, so that the two sets of counts mean the same thing.
        settings = callgrind.Settings(
            base["settings"]["requests"], base["settings"]["warmup"], args.jobs
        )
        stored_server = base["settings"].get("server") or {}
        server_settings = server.ServerSettings(
            stored_server.get("requests", args.server_requests),
            stored_server.get("warmup", args.server_warmup),
            args.jobs,
        )
        # Refuse an incomparable baseline before spending minutes under valgrind.
        before = result.document(
            [],
            tree.subjects(frameworks.ROOT, chosen, scenarios),
            settings,
            tools,
            env=environment.harness(),
            server_settings=server_settings,
        )
        _refuse_incomparable(result.incomparable(base, before), f"baseline {path}")
        head_env = head_environment(tools)
        env_lines.append(f"Head counted in: {head_env.label}.")
        head = tree.profile(
            frameworks.ROOT,
            chosen,
            scenarios,
            settings,
            tools=tools,
            progress=progress,
            env=head_env,
            levels=chosen_levels,
            server_settings=server_settings,
        )
        shown = path.resolve()
        if shown.is_relative_to(frameworks.ROOT):
            shown = shown.relative_to(frameworks.ROOT)
        base_label = f"baseline {shown}"
    _refuse_incomparable(result.incomparable(base, head), base_label)

    rows = result.compare(base, head, _expected(args, chosen_levels))
    changed = result.changed_packages(base, head)
    report = result.markdown(
        rows,
        threshold,
        base_label,
        "working tree",
        mean_threshold=mean_threshold,
        changed_packages=changed,
    )
    report += "\n" + " ".join(env_lines) + "\n"
    for note in result.notes(base, head):
        report += f"\nNote: {note}\n"
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    report += (
        f"\nMeasured in {time.monotonic() - started:.0f}s "
        f"({children.ru_utime + children.ru_stime:.0f}s of CPU in child processes).\n"
    )
    print(report)
    summary = os.environ.get("GITHUB_STEP_SUMMARY")
    if summary:
        with open(summary, "a", encoding="utf-8") as handle:
            handle.write(report)
    if args.output_dir is not None:
        result.write(base, args.output_dir / "base.json")
        result.write(head, args.output_dir / "head.json")
        (args.output_dir / "report.md").write_text(report, encoding="utf-8")
    found = result.verdict(rows, threshold, mean_threshold)
    if found.failed:
        for line in found.lines(threshold, mean_threshold):
            print(f"gate failed: {line}", file=sys.stderr)
        return 1
    return 0


def _refuse_incomparable(reasons: list[str], base: str) -> None:
    if reasons:
        raise UsageError(
            f"{base} cannot be compared with this environment: {'; '.join(reasons)} "
            "(measure the base in the same job with --base REF, or regenerate the baseline "
            "with make baseline)"
        )
