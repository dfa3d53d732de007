"""`python -m bench COMMAND`: one sub-parser and one `run(args)` per command module.

Command modules live in `bench/commands/`; each exposes `HELP`, `add_arguments(parser)` and
`run(args) -> int`. They import heavy libraries (locust, pandas) inside `run`, so that
parsing the command line stays fast and gevent never patches a process that does not load.

Exit codes: 0 ok; 1 a regression, a failed check or a failed run; 2 bad usage or input that
cannot be used (a bad value, a damaged or incomparable run); 130 Ctrl-C; 143 SIGTERM.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import NoReturn

from bench import __version__, interrupts
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


EXIT_CODES = """exit codes:
  0    ok
  1    a regression, a failed check (contract, gate, page) or a failed run
  2    bad usage, or input that cannot be used (a bad value, a damaged or incomparable run)
  130  interrupted (Ctrl-C); results so far kept, run marked incomplete
  143  terminated (SIGTERM); as 130"""


class Parser(argparse.ArgumentParser):
    """argparse with its usage error as one line (the command's usage is one --help away)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="python -m bench",
        description=__doc__,
        epilog=EXIT_CODES,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"pywebbench {__version__}")
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
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help, --version (0) or a usage error (2), already printed
        return exc.code if isinstance(exc.code, int) else 2
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


def run_console() -> None:
    """The `pywebbench` console script (pyproject.toml [project.scripts])."""
    sys.exit(main())
