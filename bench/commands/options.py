"""Argument types shared by the commands: every number finite and in range, every list of names
accepted both as `a,b` and as `a b`. A bad value is one line and exit 2 (argparse's usage error).
"""

from __future__ import annotations

import argparse
import math
from collections.abc import Callable, Sequence

from bench.errors import UsageError


def number(
    low: float | None = None, high: float | None = None, *, above: bool = False
) -> Callable[[str], float]:
    """A finite float >= low (> low with `above`) and <= high: nan, inf, 1e999 are refused."""

    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
        if not math.isfinite(value):
            raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
        if low is not None and (value <= low if above else value < low):
            raise argparse.ArgumentTypeError(
                f"must be {'above' if above else 'at least'} {low:g}, got {text}"
            )
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"must be at most {high:g}, got {text}")
        return value

    return parse


def integer(low: int | None = None, high: int | None = None) -> Callable[[str], int]:
    """A whole number in [low, high]; `5.0`, `1e3` and `0x10` are not integers here."""

    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
        if low is not None and value < low:
            raise argparse.ArgumentTypeError(f"must be at least {low}, got {value}")
        if high is not None and value > high:
            raise argparse.ArgumentTypeError(f"must be at most {high}, got {value}")
        return value

    return parse


seconds = number(0, 24 * 3600, above=True)
"""A duration: above zero, and at most a day (beyond that it is a typo, not a benchmark)."""
seconds_or_zero = number(0, 24 * 3600)
port = integer(1, 65535)
count = integer(1)
cores = integer(1, 4096)
seed = integer(0, 2**32 - 1)


def names_option(parser: argparse.ArgumentParser, flag: str, help_text: str) -> None:
    """`--flag a,b`, `--flag a b` and `--flag a --flag b` all give [a, b] (see `names`)."""
    parser.add_argument(flag, nargs="+", action="extend", metavar="NAME", help=help_text)


def names(values: Sequence[str] | None) -> tuple[str, ...]:
    """Names given as separate words, comma-separated, or both; empty when none were given."""
    out = [n.strip() for value in values or () for n in value.split(",") if n.strip()]
    return tuple(dict.fromkeys(out))


def numbers(
    values: Sequence[str] | None, parse: Callable[[str], float], option: str
) -> tuple[float, ...]:
    """A list option of numbers, each checked by `parse`; a UsageError on the first bad one."""
    out = []
    for text in names(values):
        try:
            out.append(parse(text))
        except argparse.ArgumentTypeError as exc:
            raise UsageError(f"argument {option}: {exc}") from None
    return tuple(out)
