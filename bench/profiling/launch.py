"""Start a production server module (`gunicorn`, `uvicorn`, `cherrypy_app`) under valgrind.

Runs as `python -S launch.py --site DIR ... MODULE ARGS...`: standard library only, nothing from
`bench`. It adds the site-packages folders named (the environment being measured, which need
not be the harness's own), then runs MODULE as `python -m MODULE ARGS...` would.

The one thing it changes in the server's process is the GIL's switch interval. The threaded
servers (gunicorn gthread, cheroot) hand a request from a thread waiting on the socket to a
worker thread; with CPython's 5 ms interval a thread that wakes while another holds the GIL
forces a switch after 5 ms of *wall* time, and under valgrind, ~50x slower, that lands at
instruction counts that differ from run to run. With a long interval threads switch only where
they block (socket, queue, sleep): the same work, in the same order, every run.
"""

from __future__ import annotations

import argparse
import os
import runpy
import site
import sys


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--site", action="append", default=[], help="a site-packages folder")
    parser.add_argument("--switch-interval", type=float, default=None, help="seconds")
    parser.add_argument("module")
    parser.add_argument("args", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)

    # Run as a script, its own folder is sys.path[0]: keep its siblings from shadowing anything.
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]
    for folder in args.site:
        site.addsitedir(folder)
    if args.switch_interval is not None:
        sys.setswitchinterval(args.switch_interval)
    # `python -m` puts the working directory first on sys.path.
    sys.path.insert(0, os.getcwd())
    sys.argv = [args.module, *args.args]
    runpy.run_module(args.module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main()
