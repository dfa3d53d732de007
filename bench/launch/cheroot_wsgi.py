"""python cheroot_wsgi.py --host H --port P --threads N module:callable: a WSGI app on cheroot.

A plain script (it is copied into the app images, without the harness): cheroot with the
settings CherryPy's own launcher gives it (apps/cherrypy_app/__main__.py), so that every WSGI
app on cheroot is served alike. `module:factory()` calls a factory, as gunicorn does.
"""

from __future__ import annotations

import argparse
import importlib
import signal
import sys
from types import FrameType
from typing import Any

from cheroot import wsgi

LISTEN_BACKLOG = 2048
"""The OS accept queue gunicorn and uvicorn use; cheroot's default of 5 drops connects."""


def load(target: str) -> Any:
    module_name, _, attribute = target.partition(":")
    if not module_name or not attribute:
        raise SystemExit(f"cheroot_wsgi: target must be module:callable, got {target!r}")
    module = importlib.import_module(module_name)
    factory = attribute.endswith("()")
    app = getattr(module, attribute.removesuffix("()"))
    return app() if factory else app


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="cheroot_wsgi")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--threads", type=int, default=10, help="cheroot's thread pool")
    parser.add_argument("target", help="module:callable or module:factory()")
    args = parser.parse_args(argv)
    server = wsgi.Server(
        (args.host, args.port),
        load(args.target),
        numthreads=args.threads,
        request_queue_size=LISTEN_BACKLOG,
    )
    # As for CherryPy: without this, cheroot answers Connection: close whenever more than 10
    # idle keep-alive connections wait, and the contract needs persistent connections.
    server.keep_alive_conn_limit = None  # type: ignore[assignment]  # cheroot: None = no limit

    def stop(signum: int, frame: FrameType | None) -> None:
        server.stop()
        sys.exit(0)

    signal.signal(signal.SIGTERM, stop)
    try:
        server.start()
    except KeyboardInterrupt:
        server.stop()


if __name__ == "__main__":
    main()
