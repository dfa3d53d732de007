"""`python -m bench serve FRAMEWORK [--server NAME]`: the app under a production server, in the
foreground (its default server unless --server names another it runs on)."""

from __future__ import annotations

import argparse
import os
import signal
import sys
import time
from types import FrameType

from bench import frameworks
from bench.commands import options
from bench.server import ServerProcess

HELP = "run one app under its production server on 127.0.0.1 until SIGINT/SIGTERM"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("framework", help=f"one of: {', '.join(frameworks.NAMES)}")
    parser.add_argument(
        "--server",
        help=f"one of: {', '.join((*frameworks.SERVER_NAMES, *frameworks.SERVER_FAMILIES))} "
        "(default: the framework's own default server)",
    )
    parser.add_argument("--port", type=options.port, help="default: the registry's port")
    parser.add_argument(
        "--workers", type=options.integer(1, 1024), help="override the worker formula's processes"
    )
    parser.add_argument(
        "--threads", type=options.integer(1, 1024), help="override the worker formula's threads"
    )
    parser.add_argument(
        "--cores",
        type=options.cores,
        default=None,
        help="core budget for the formula (default: all)",
    )


class _StopSignal(Exception):  # noqa: N818 - a signal, not an error
    pass


def _raise_stop(signum: int, frame: FrameType | None) -> None:
    raise _StopSignal(signum)


def run(args: argparse.Namespace) -> int:
    fw = frameworks.deployment(args.framework, args.server)
    cores = args.cores or len(os.sched_getaffinity(0))
    workers = fw.workers(cores, args.workers, args.threads)
    server = ServerProcess(fw, args.port or fw.port, workers)
    previous = {s: signal.signal(s, _raise_stop) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        server.start()
        seconds = server.wait_ready()
        print(
            f"{fw.name} on http://{frameworks.HOST}:{server.port} ({fw.server} {fw.interface}, "
            f"{workers.formula}); ready in {seconds:.2f}s; Ctrl-C stops it",
            flush=True,
        )
        while server.popen is not None and server.popen.poll() is None:
            time.sleep(0.2)
        code = server.popen.returncode if server.popen else "?"
        print(f"{fw.name} server exited with code {code}", file=sys.stderr)
        return 1
    except _StopSignal:
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        server.stop()
