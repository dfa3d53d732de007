"""`python -m bench run`: measure the apps under load with Locust into results/<run-id>/."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bench import frameworks
from bench.errors import UsageError

if TYPE_CHECKING:
    from bench.runner.config import RunConfig

HELP = "measure the apps under Locust load (interleaved trials) into results/<run-id>/"


def _csv(text: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in text.split(",") if part.strip())


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from bench.runner.config import PROFILES, SCENARIO_NAMES

    parser.add_argument("--profile", default="standard", help=f"one of {', '.join(PROFILES)}")
    parser.add_argument(
        "--frameworks", help=f"comma-separated subset of {', '.join(frameworks.NAMES)}"
    )
    parser.add_argument(
        "--servers",
        default="default",
        help="NAME,... | all | default: the servers each framework is measured on "
        f"(names: {', '.join(frameworks.SERVER_NAMES)}; default: each framework's own)",
    )
    parser.add_argument(
        "--scenarios", help=f"comma-separated subset of {', '.join(SCENARIO_NAMES)}"
    )
    parser.add_argument(
        "--users", help="closed-loop user levels of the io sweep, comma-separated (e.g. 8,32)"
    )
    parser.add_argument(
        "--rate",
        help="absolute offered rates in requests/s, comma-separated "
        "(default: the profile's fractions of the calibrated generator ceiling)",
    )
    parser.add_argument("--trials", type=int, help="interleaved rounds (default: the profile's)")
    parser.add_argument("--duration", type=float, help="measured window per sample, seconds")
    parser.add_argument("--warmup", type=float, help="warm-up before each window, seconds")
    parser.add_argument("--seed", type=int, default=1, help="seed of the interleaving order")
    parser.add_argument("--target", help="drive an already running app: http://127.0.0.1:PORT")
    parser.add_argument(
        "--target-cgroup", help="cgroup v2 directory of the target (server CPU and memory)"
    )
    parser.add_argument("--deployment", default="local", help="recorded label: local | docker")
    parser.add_argument(
        "--generator-processes",
        type=int,
        default=0,
        help="0: one Locust process; N: a Locust master and N worker processes",
    )
    parser.add_argument("--server-cpus", default="0", help="CPUs the server is pinned to")
    parser.add_argument("--generator-cpus", default="1", help="CPUs the generator is pinned to")
    parser.add_argument("--results-dir", default="results", help="where run directories go")
    parser.add_argument(
        "--skip-facts",
        action="store_true",
        help="do not collect bench.facts (faster; the report then lacks those claims)",
    )


def build_config(args: argparse.Namespace) -> tuple[RunConfig, bool]:
    from dataclasses import replace

    from bench.runner.config import (
        SCENARIO_NAMES,
        RunConfig,
        check_scenarios,
        get_profile,
        parse_cpus,
        parse_target,
        positive,
    )

    profile = get_profile(args.profile)
    if args.trials is not None:
        if args.trials < 1:
            raise UsageError(f"--trials must be at least 1, got {args.trials}")
        profile = replace(profile, rounds=args.trials)
    if args.duration is not None:
        positive(args.duration, "--duration")
        profile = replace(profile, window_s=args.duration, capacity_window_s=args.duration)
    if args.warmup is not None:
        if args.warmup < 0:
            raise UsageError(f"--warmup must not be negative, got {args.warmup}")
        profile = replace(profile, warmup_s=args.warmup, capacity_warmup_s=args.warmup)
    names = _csv(args.frameworks) if args.frameworks else frameworks.NAMES
    for name in names:
        frameworks.get(name)
    servers = frameworks.parse_servers(args.servers)
    chosen = frameworks.deployments(names, servers)
    if not chosen:
        raise UsageError(
            f"no valid pair: --servers {args.servers} serves none of {', '.join(names)}"
        )
    scenarios = check_scenarios(_csv(args.scenarios)) if args.scenarios else SCENARIO_NAMES
    rates: tuple[float, ...] = ()
    if args.rate:
        try:
            rates = tuple(positive(float(r), "--rate") for r in _csv(args.rate))
        except ValueError:
            raise UsageError(f"--rate takes numbers like 500,1000, got {args.rate!r}") from None
    users: tuple[int, ...] = ()
    if args.users:
        try:
            users = tuple(int(u) for u in _csv(args.users))
        except ValueError:
            raise UsageError(f"--users takes integers like 8,32, got {args.users!r}") from None
        if any(u < 1 for u in users):
            raise UsageError(f"--users must be at least 1, got {args.users!r}")
    if args.generator_processes < 0:
        raise UsageError("--generator-processes must not be negative")
    if args.deployment not in ("local", "docker"):
        raise UsageError(f"--deployment must be local or docker, got {args.deployment!r}")
    target = None
    if args.target:
        if len(names) != 1 or len(chosen) != 1:
            raise UsageError(
                "--target drives one app on one server: give exactly one --frameworks NAME "
                "(and at most one --servers NAME)"
            )
        target = parse_target(args.target, args.target_cgroup)
    elif args.target_cgroup:
        raise UsageError("--target-cgroup needs --target")
    server_cpus = parse_cpus(args.server_cpus, "--server-cpus")
    generator_cpus = parse_cpus(args.generator_cpus, "--generator-cpus")
    if set(server_cpus) & set(generator_cpus):
        raise UsageError("--server-cpus and --generator-cpus must not overlap")
    results_dir = Path(args.results_dir)
    if not results_dir.is_dir():
        raise UsageError(f"results directory {results_dir} does not exist")
    config = RunConfig(
        profile=profile,
        frameworks=names,
        scenarios=scenarios,
        seed=args.seed,
        server_cpus=server_cpus,
        generator_cpus=generator_cpus,
        generator_processes=args.generator_processes,
        results_dir=results_dir,
        deployment=args.deployment,
        rates=rates,
        target=target,
        extra={"users": users} if users else {},
        servers=servers,
    )
    return config, bool(args.skip_facts)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from bench.runner.execute import Run
    from bench.runner.summary import contention_warning, table

    config, skip_facts = build_config(args)
    if config.target is not None:
        from bench import ports

        if ports.is_free(config.target.port, config.target.host):
            raise UsageError(f"nothing listens on {config.target.url}")
    runner = Run(config, Console(stderr=True), skip_facts=skip_facts)
    code = runner.execute()
    if runner.rows:
        out = Console()
        # A log file or a CI step has no terminal width; don't squeeze the table into 80.
        out = out if out.is_terminal else Console(width=160)
        out.print(table(runner.rows))
        warning = contention_warning(runner.rows)
        if warning:
            print(warning)
    if runner.store is not None:
        print(f"results: {runner.store.path} ({runner.document.get('status')})")
    return code
