"""`python -m bench run`: measure the apps under load with Locust into results/<run-id>/."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from bench import frameworks
from bench.commands import options
from bench.errors import UsageError
from bench.frameworks import ROOT

if TYPE_CHECKING:
    from rich.console import Console

    from bench.runner.config import RunConfig
    from bench.runner.execute import Run

HELP = "measure the apps under Locust load (interleaved trials) into results/<run-id>/"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from bench.runner.config import PROFILES, SCENARIO_NAMES

    parser.add_argument("--profile", default="standard", help=f"one of {', '.join(PROFILES)}")
    options.names_option(
        parser, "--frameworks", f"a subset of {', '.join(frameworks.NAMES)} (a,b or a b)"
    )
    options.names_option(parser, "--scenarios", f"a subset of {', '.join(SCENARIO_NAMES)}")
    parser.add_argument(
        "--servers",
        default="default",
        help="NAME,... | all | default: the servers each framework is measured on "
        f"(names: {', '.join(frameworks.SERVER_NAMES)}; default: each framework's own)",
    )
    parser.add_argument(
        "--users",
        nargs="+",
        action="extend",
        metavar="N",
        help="closed-loop user levels of the io sweep (e.g. 8,32 or 8 32)",
    )
    parser.add_argument(
        "--rate",
        nargs="+",
        action="extend",
        metavar="RPS",
        help="absolute offered rates in requests/s (e.g. 500,1000) for every open-loop cell "
        "(default: the profile's levels)",
    )
    parser.add_argument(
        "--trials", type=options.count, help="interleaved rounds (default: the profile's)"
    )
    parser.add_argument(
        "--duration", type=options.seconds, help="measured window per sample, seconds"
    )
    parser.add_argument(
        "--warmup", type=options.seconds_or_zero, help="warm-up before each window, seconds"
    )
    parser.add_argument("--seed", type=options.seed, default=1, help="seed of the interleaving")
    parser.add_argument("--target", help="drive an already running app: http://127.0.0.1:PORT")
    parser.add_argument(
        "--target-cgroup", help="cgroup v2 directory of the target (server CPU and memory)"
    )
    parser.add_argument(
        "--database-url",
        metavar="URL",
        help="an existing loopback PostgreSQL (seeded hello_world) for the database scenarios "
        "(default: a private cluster the run starts and stops)",
    )
    parser.add_argument(
        "--deployment", default="local", choices=("local", "docker"), help="recorded label"
    )
    parser.add_argument(
        "--generator-processes",
        type=options.integer(0, 64),
        default=0,
        help="0: one Locust process; N: a Locust master and N worker processes",
    )
    parser.add_argument("--server-cpus", default="0", help="CPUs the server is pinned to")
    parser.add_argument("--generator-cpus", default="1", help="CPUs the generator is pinned to")
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=ROOT / "results",
        help="where run directories go (default: results/ of the project)",
    )
    parser.add_argument(
        "--skip-facts",
        action="store_true",
        help="do not collect bench.facts (faster; the report then lacks those claims)",
    )
    parser.add_argument(
        "--strict",
        action="store_true",
        help="refuse to measure when the pinned cores are busy with other processes",
    )


def build_config(args: argparse.Namespace) -> tuple[RunConfig, bool]:
    from dataclasses import replace

    from bench.runner.config import (
        SCENARIO_NAMES,
        RunConfig,
        check_scenarios,
        get_profile,
        parse_cpus,
    )
    from bench.targets import parse_target

    profile = get_profile(args.profile)
    if args.trials is not None:
        profile = replace(profile, rounds=args.trials)
    if args.duration is not None:
        profile = replace(
            profile,
            window_s=args.duration,
            peak_window_s=args.duration,
            capacity_window_s=args.duration,
        )
    if args.warmup is not None:
        profile = replace(
            profile,
            warmup_s=args.warmup,
            peak_warmup_s=args.warmup,
            capacity_warmup_s=args.warmup,
        )
    names = options.names(args.frameworks) or frameworks.NAMES
    for name in names:
        frameworks.get(name)
    servers = frameworks.parse_servers(args.servers)
    chosen = frameworks.deployments(names, servers)
    if not chosen:
        raise UsageError(
            f"no valid pair: --servers {args.servers} serves none of {', '.join(names)}"
        )
    scenarios = options.names(args.scenarios)
    scenarios = check_scenarios(scenarios) if scenarios else SCENARIO_NAMES
    # A rate above ten million requests/s is a typo: no generator here comes near it.
    rates = options.numbers(args.rate, options.number(0, 1e7, above=True), "--rate")
    users = tuple(
        int(u) for u in options.numbers(args.users, options.integer(1, 100_000), "--users")
    )
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
    results_dir = args.results_dir
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
        extra={**({"users": users} if users else {}), **({"strict": True} if args.strict else {})},
        servers=servers,
        database_url=_database_url(args.database_url),
    )
    return config, bool(args.skip_facts)


def _database_url(url: str | None) -> str | None:
    if url is None:
        return None
    from bench.database import external

    external.parse(url)  # loopback only, like --target: one line and exit 2 otherwise
    return url


def _print_reference(runner: Run, out: Console) -> None:
    import json

    import pandas as pd

    from bench.report.reference import agreements, core_speed, core_speed_line
    from bench.runner.summary import reference_table

    samples = pd.DataFrame(runner.rows)
    speed = core_speed(samples)
    if speed is not None:
        out.print(core_speed_line(speed), highlight=False)
    if runner.store is None or not (runner.store.path / "crosscheck.json").is_file():
        return
    rows = json.loads((runner.store.path / "crosscheck.json").read_text())["rows"]
    out.print(reference_table(agreements(samples, rows)))


def _check_quiet(config: RunConfig, strict: bool) -> RunConfig:
    """Warn (refuse under --strict) when others keep the pinned cores busy, or when the
    server's cores change speed under us (bench.runner.speed); the readings go into run.json
    (config.extra.core_load_before, core_speed_before) either way."""
    import sys
    from dataclasses import replace

    from bench.runner import quiet, speed

    # A target's server runs where its owner put it: only the generator's cores are ours.
    cpus = config.generator_cpus if config.target else config.server_cpus + config.generator_cpus
    load, warning = quiet.require_quiet(cpus, strict)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    extra = {**config.extra, "core_load_before": load.to_json()}
    if not config.target:
        steady, warning = speed.require_steady(config.server_cpus, strict)
        if warning:
            print(warning, file=sys.stderr, flush=True)
        extra["core_speed_before"] = steady.to_json()
    return replace(config, extra=extra)


def run(args: argparse.Namespace) -> int:
    from rich.console import Console

    from bench.commands.clean import report_sweep
    from bench.runner.execute import Run
    from bench.runner.summary import contention_warning, table

    config, skip_facts = build_config(args)
    # A killed run's server pinned to our core would skew every number of this one.
    report_sweep(config.results_dir, "python -m bench run")
    if config.target is not None:
        from bench.targets import require_listening

        require_listening(config.target)
    config = _check_quiet(config, strict=bool(args.strict))
    runner = Run(config, Console(stderr=True), skip_facts=skip_facts)
    code = runner.execute()
    if runner.rows:
        out = Console()
        # A log file or a CI step has no terminal width; don't squeeze the table into 80.
        out = out if out.is_terminal else Console(width=160)
        out.print(table(runner.rows))
        _print_reference(runner, out)
        warning = contention_warning(runner.rows)
        if warning:
            print(warning)
    if runner.store is not None:
        print(f"results: {runner.store.path} ({runner.document.get('status')})")
    return code
