"""`python -m bench COMMAND`: one sub-parser and one `run(args)` per command module.

Command modules live in `bench/commands/`; each exposes `HELP`, `add_arguments(parser)` and
`run(args) -> int`. They import heavy libraries (locust, pandas) inside `run`, so that
parsing the command line stays fast and gevent never patches a process that does not load.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType

from bench import interrupts
from bench.errors import BenchError

COMMANDS: tuple[str, ...] = (
    "list",
    "serve",
    "verify",
    "run",
    "calibrate",
    "report",
    "compare",
    "profile",
    "gate",
    "compose",
    "docker",
    "clean",
)


def _module(name: str) -> ModuleType:
    return importlib.import_module(f"bench.commands.{name.replace('-', '_')}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in COMMANDS:
        try:
            module = _module(name)
        except ModuleNotFoundError as exc:
            if exc.name != f"bench.commands.{name}":
                raise
            continue  # a command not written yet
        cmd = sub.add_parser(name, help=module.HELP, description=module.HELP)
        module.add_arguments(cmd)
        cmd.set_defaults(_module=module)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        # A SIGTERM (a CI timeout, `kill`) unwinds like Ctrl-C: every command's clean-up runs.
        with interrupts.terminates_like_ctrl_c():
            code: int = args._module.run(args)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except interrupts.Terminated:
        print("terminated", file=sys.stderr)
        return 143
    return code
