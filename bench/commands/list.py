"""Print the registry, for the Makefile, compose generation and humans."""

from __future__ import annotations

import argparse
import json

from bench import frameworks
from bench.commands import options

HELP = "list the frameworks of the registry (names, ports, servers, worker formulas)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--names", action="store_true", help="only the names, one per line")
    parser.add_argument("--json", action="store_true", help="the whole registry as JSON")
    parser.add_argument(
        "--cores", type=options.cores, default=1, help="core budget for the formulas"
    )


def run(args: argparse.Namespace) -> int:
    if args.names:
        print("\n".join(frameworks.NAMES))
        return 0
    rows = []
    for fw in frameworks.FRAMEWORKS:
        workers = fw.workers(args.cores)
        rows.append(
            {
                "name": fw.name,
                "port": fw.port,
                "interface": fw.interface,
                "server": fw.server,
                "target": fw.target,
                "app_dir": fw.app_dir,
                "baseline": fw.baseline,
                "workers": workers.processes,
                "threads": workers.threads,
                "formula": workers.formula,
                "command": fw.command(fw.port, workers, python="python"),
            }
        )
    if args.json:
        print(json.dumps(rows, indent=2))
        return 0
    for row in rows:
        print(f"{row['name']:<9} {row['port']:<5} {row['server']:<9} {row['formula']}")
    return 0
