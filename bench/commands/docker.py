"""`python -m bench docker`: build the images, then measure every app as a container and as a
local server into one results directory (what `make bench-docker` runs)."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench import frameworks
from bench.commands import options as opts
from bench.frameworks import ROOT

HELP = "build the app images and measure containers beside local servers (deployment docker)"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--profile", default="quick", help="the runner's profile (default quick)")
    opts.names_option(
        parser, "--frameworks", f"a subset of {', '.join(frameworks.NAMES)} (a,b or a b)"
    )
    parser.add_argument(
        "--results-dir",
        type=Path,
        default=ROOT / "results",
        help="where the run directory goes (default: results/ of the project)",
    )
    parser.add_argument("--server-cpus", default="0", help="the container's cpuset (one CPU)")
    parser.add_argument("--generator-cpus", default="1", help="CPUs of the load generator")
    parser.add_argument("--seed", type=opts.seed, default=1, help="seed of the framework order")
    opts.names_option(parser, "--scenarios", "passed to the runner: a subset of scenarios")
    parser.add_argument(
        "--trials", type=opts.count, help="passed to the runner: interleaved rounds"
    )
    parser.add_argument(
        "--no-local", action="store_true", help="measure containers only (no local parts)"
    )
    parser.add_argument(
        "--no-cache", action="store_true", help="cold image builds (for build-time figures)"
    )
    parser.add_argument(
        "--build-only", action="store_true", help="build the images, print sizes, stop there"
    )


def run(args: argparse.Namespace) -> int:
    import shutil

    from bench import facts
    from bench.docker import merge, session

    names = opts.names(args.frameworks)
    session.require_known(names)
    options = session.Options(
        profile=args.profile,
        frameworks=names,
        results_dir=args.results_dir,
        server_cpus=args.server_cpus,
        generator_cpus=args.generator_cpus,
        seed=args.seed,
        local=not args.no_local,
        no_cache=args.no_cache,
        extra_run_args=(
            *(("--scenarios", ",".join(opts.names(args.scenarios))) if args.scenarios else ()),
            *(("--trials", str(args.trials)) if args.trials is not None else ()),
        ),
    )
    if not args.build_only:
        from bench.runner.config import get_profile

        get_profile(args.profile)  # an unknown profile fails before any build
    sess = session.Session(options)
    merged = False
    try:
        sess.check()
        session.cleanup_orphans()
        sess.build()
        if args.build_only:
            return 0
        code = sess.measure()
        done = [(p.deployment, p.run_dir, p.startup_s) for p in sess.parts if p.run_dir is not None]
        if not done:
            print("no part produced results; nothing merged")
            return code or 1
        chosen = frameworks.select(names)
        out = merge.merge(
            done,
            options.results_dir,
            extra={
                "docker": session.docker_metadata(sess),
                "part_status": session.parts_summary(sess.parts),
            },
            facts=None if code in (130, 143) else {fw.name: facts.collect(fw) for fw in chosen},
            interrupted=code in (130, 143),
            starts=sess.starts,
        )
        for part in sess.parts:
            print(f"{part.framework:<9} {part.deployment:<7} {part.status} {part.note}".rstrip())
        print(f"results: {out}")
        merged = True
        return code
    finally:
        if merged or not any(sess.staging.iterdir()):
            shutil.rmtree(sess.staging, ignore_errors=True)
        else:
            print(f"unmerged runner output kept in {sess.staging}")
