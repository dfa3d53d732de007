"""`python -m bench calibrate`: the load generator's own ceiling on this machine (Locust vs wrk)."""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from bench.commands import options
from bench.errors import UsageError
from bench.frameworks import ROOT

HELP = "measure the load generator's ceiling against the bare baselines (Locust, and wrk)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--duration", type=options.seconds, default=5.0, help="window per variant, s"
    )
    parser.add_argument("--server-cpus", default="0", help="CPUs the server is pinned to")
    parser.add_argument("--generator-cpus", default="1", help="CPUs the generator is pinned to")
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=ROOT / "results",
        help="where calibration-<id>.json goes (default: results/ of the project)",
    )
    parser.add_argument("--output", help="write here instead of results/calibration-<id>.json")


def run(args: argparse.Namespace) -> int:
    import shutil
    import tempfile
    import time

    from rich.console import Console
    from rich.table import Table

    from bench.runner import calibration, environment
    from bench.runner.client import Generator
    from bench.runner.config import parse_cpus
    from bench.runner.store import write_json_atomic

    server_cpus = parse_cpus(args.server_cpus, "--server-cpus")
    generator_cpus = parse_cpus(args.generator_cpus, "--generator-cpus")
    if set(server_cpus) & set(generator_cpus):
        raise UsageError("--server-cpus and --generator-cpus must not overlap")
    results_dir = args.results_dir
    if args.output is None and not results_dir.is_dir():
        raise UsageError(f"results directory {results_dir} does not exist")
    stamp = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    out = (
        Path(args.output)
        if args.output
        else results_dir / f"calibration-{stamp}-{environment.short_sha()}.json"
    )
    if out.exists():
        raise UsageError(f"{out} exists; calibration files are never overwritten")
    if shutil.which(calibration.WRK) is None:
        print("wrk is not installed (scripts/setup-system.sh installs it): Locust only")
    with tempfile.TemporaryDirectory(prefix="bench-calibrate-") as tmp:
        generator = Generator(generator_cpus, Path(tmp) / "generator.log")
        try:
            generator.start()
            doc = calibration.measure(
                server_cpus, generator_cpus, generator, window_s=args.duration
            )
        finally:
            generator.stop()
    doc["environment"] = environment.collect(server_cpus, generator_cpus)
    write_json_atomic(out, doc)

    table = Table(title=f"generator ceiling, {doc['users']} connections, {args.duration:g}s each")
    for name in ("server", "tool", "requests/s", "generator CPU", "µs CPU/req", "p50 µs", "note"):
        table.add_column(name, justify="left" if name in ("server", "tool", "note") else "right")
    for row in doc["variants"]:
        if "error" in row:
            table.add_row(row["variant"], "-", "-", "", "", "", row["error"])
            continue
        loc = row["locust"]
        note = "generator-bound" if loc["generator_bound"] else "server-bound or neither"
        table.add_row(
            row["variant"],
            "locust",
            f"{loc['achieved_rps']:,.0f}",
            f"{loc['generator_cpu_util']:.0%} +{loc['generator_runq_util']:.0%} wait",
            f"{loc['generator_cpu_us_per_req']:.0f}",
            _num(loc["latency_p50_us"]),
            note,
        )
        wrk = row["wrk"] or {}
        if "achieved_rps" in wrk:
            ratio = wrk["achieved_rps"] / loc["achieved_rps"] if loc["achieved_rps"] else math.nan
            table.add_row(
                row["variant"],
                "wrk",
                f"{wrk['achieved_rps']:,.0f}",
                "",
                "",
                "",
                f"{ratio:.1f}x Locust",
            )
        elif wrk:
            table.add_row(
                row["variant"], "wrk", "-", "", "", "", wrk.get("skipped") or wrk.get("error", "")
            )
    Console(width=120).print(table)
    ceiling = doc["locust_ceiling_rps"]
    if ceiling is None:
        print(f"no baseline could be measured -> {out}")
        return 1
    print(f"Locust ceiling (keep-alive): {ceiling:,.0f} requests/s -> {out}")
    return 0


def _num(value: float) -> str:
    return "-" if value is None or math.isnan(value) else f"{value:,.0f}"
