"""`python -m bench profile [FRAMEWORK ...]`: instructions per request, counted by callgrind."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from bench import frameworks
from bench.commands import options
from bench.profiling import callgrind, environment, server

HELP = (
    "count CPU instructions per request of each app under callgrind, in-process and through "
    "its production server"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "frameworks", nargs="*", metavar="FRAMEWORK", help="default: all (a b or a,b)"
    )
    add_settings(parser)
    parser.add_argument("--output", type=Path, help="write the result document here (JSON)")


def add_settings(parser: argparse.ArgumentParser) -> None:
    """Options shared with `gate`."""
    options.names_option(parser, "--scenarios", "default: all each app answers (a b or a,b)")
    parser.add_argument(
        "--requests",
        type=options.integer(1, 10_000_000),
        default=callgrind.DEFAULT_REQUESTS,
        help="N: runs of N and 2N requests per scenario (default %(default)s)",
    )
    parser.add_argument(
        "--warmup",
        type=options.integer(0, 10_000_000),
        default=callgrind.DEFAULT_WARMUP,
        help="default %(default)s",
    )
    parser.add_argument(
        "--jobs",
        type=options.integer(1, 256),
        default=callgrind.DEFAULT_JOBS,
        help="valgrind processes at once (default %(default)s)",
    )
    parser.add_argument(
        "--level",
        choices=("app", "server", "all"),
        default="all",
        help="app: the callable in-process; server: through its production server with one "
        "worker (plaintext and json); default %(default)s",
    )
    parser.add_argument(
        "--server-requests",
        type=int,
        default=server.DEFAULT_REQUESTS,
        help="N of the server windows (default %(default)s)",
    )
    parser.add_argument(
        "--server-warmup", type=int, default=server.DEFAULT_WARMUP, help="default %(default)s"
    )


def names(values: list[str] | None) -> list[str]:
    """Names given as separate words, comma-separated, or both (as every command takes them)."""
    return list(options.names(values))


def levels(args: argparse.Namespace) -> tuple[str, ...]:
    return ("app", "server") if args.level == "all" else (args.level,)


def head_environment(tools: callgrind.Tools) -> environment.Environment:
    """The working tree's environment: this one if it holds the tree's lock, else its venv."""
    lock = environment.read_lock(frameworks.ROOT / environment.LOCK_NAME)
    return environment.for_lock(lock, tools.interpreter, progress)


def progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def run(args: argparse.Namespace) -> int:
    from bench.profiling import result, tree

    settings = callgrind.Settings(args.requests, args.warmup, args.jobs)
    server_settings = server.ServerSettings(args.server_requests, args.server_warmup, args.jobs)
    chosen = frameworks.select(names(args.frameworks))
    tools = callgrind.tools()
    started = time.monotonic()
    doc = tree.profile(
        frameworks.ROOT,
        chosen,
        names(args.scenarios),
        settings,
        tools=tools,
        progress=progress,
        env=head_environment(tools),
        levels=levels(args),
        server_settings=server_settings,
    )
    print(f"{'framework':<10} {'level':<7} {'scenario':<10} {'instructions/request':>20}")
    for cell in doc["cells"]:
        print(
            f"{cell['framework']:<10} {cell['level']:<7} {cell['scenario']:<10} "
            f"{cell['instructions_per_request']:>20,.0f}"
        )
    if args.output is not None:
        result.write(doc, args.output)
        print(f"wrote {args.output}")
    print(f"profiled in {time.monotonic() - started:.0f}s", file=sys.stderr)
    return 0
