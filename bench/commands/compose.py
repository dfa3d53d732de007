"""`python -m bench compose`: docker-compose.yml, Dockerfiles and per-app requirements from the
registry and the lock."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.frameworks import ROOT

HELP = "generate (or check) docker-compose.yml, each app's Dockerfile and requirements.txt"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_mutually_exclusive_group()
    group.add_argument(
        "--write", metavar="FILE", type=Path, help="write FILE and the per-app files it builds"
    )
    group.add_argument(
        "--check",
        metavar="FILE",
        type=Path,
        help="exit 1 when FILE or a per-app file differs from what the registry gives",
    )


def _shown(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def run(args: argparse.Namespace) -> int:
    from bench.docker import compose, generated

    if args.write is not None:
        written = generated.write(args.write.resolve())
        for path in written:
            print(f"wrote {_shown(path)}")
        if not written:
            print("all generated files are up to date")
        return 0
    if args.check is not None:
        outdated = generated.stale(args.check.resolve())
        for path in outdated:
            print(f"out of date: {_shown(path)}", file=sys.stderr)
        if outdated:
            print("run `make compose` (python -m bench compose --write docker-compose.yml)",
                  file=sys.stderr)  # fmt: skip
            return 1
        print("docker-compose.yml, Dockerfiles and requirements agree with the registry")
        return 0
    print(compose.render(ROOT / "docker-compose.yml"), end="")
    return 0
