"""Print the registry, for the Makefile, compose generation and humans: the app x server matrix,
each server's worker formula with its reason, and every deployment's command."""

from __future__ import annotations

import argparse
import json
from typing import Any

from bench import frameworks
from bench.commands import options

HELP = "list the registry: the framework x server matrix, ports, worker formulas, commands"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--names", action="store_true", help="only the names, one per line")
    parser.add_argument("--json", action="store_true", help="the whole registry as JSON")
    parser.add_argument(
        "--cores", type=options.cores, default=1, help="core budget for the formulas"
    )
    parser.add_argument(
        "--servers",
        default="all",
        help="NAME,... | all (default) | default: which deployments --json lists",
    )


def _row(fw: frameworks.Deployment, cores: int) -> dict[str, Any]:
    workers = fw.workers(cores)
    return {
        "name": fw.name,
        "label": fw.label,
        "default": fw.is_default,
        "port": fw.port,
        "interface": fw.interface,
        "server": fw.server,
        "target": fw.target,
        "app_dir": fw.app_dir,
        "baseline": fw.baseline,
        "workers": workers.processes,
        "threads": workers.threads,
        "formula": workers.formula,
        "reason": workers.reason,
        "command": fw.command(fw.port, workers, python="python"),
    }


def _cell(app: frameworks.App, server: frameworks.Server) -> str:
    if not frameworks.valid(app, server):
        return "-"
    return "default" if server.name == app.default_server else "yes"


def run(args: argparse.Namespace) -> int:
    if args.names:
        print("\n".join(frameworks.NAMES))
        return 0
    servers = frameworks.parse_servers(args.servers)
    if args.json:
        rows = [_row(fw, args.cores) for fw in frameworks.deployments(None, servers)]
        print(json.dumps(rows, indent=2))
        return 0
    shown = frameworks.SERVERS
    width = max(len(s.name) for s in shown)
    print((f"{'':<9} {'port':<5} " + " ".join(f"{s.name:<{width}}" for s in shown)).rstrip())
    for app in frameworks.APPS:
        cells = " ".join(f"{_cell(app, s):<{width}}" for s in shown)
        print(f"{app.name:<9} {app.port:<5} {cells}".rstrip())
    print(f"\nworker formulas for {args.cores} core(s):")
    for server in shown:
        workers = server.workers(args.cores)
        extra = "" if server.in_matrix else "  (not in --servers all: name it)"
        print(f"{server.name:<{width}} {server.interface}  {workers.formula}{extra}")
        print(f"{'':<{width}}       why: {workers.reason}")
        if server.note:
            print(f"{'':<{width}}       note: {server.note}")
    return 0
