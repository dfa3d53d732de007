"""Middleware for the gate's self-test only, never in the apps: extra pure-Python work on one path.

The driver puts it around one app (`--wrap slowdown:wrap`); the test calibrates `loops` from
measured counts so that the extra work is a known fraction of that app's cost per request.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def work(loops: int) -> int:
    total = 0
    for i in range(loops):
        total += i * i
    return total


def wrap(app: Any, interface: str, path: str, loops: int) -> Callable[..., Any]:
    if interface == "wsgi":

        def wsgi(environ: dict[str, Any], start_response: Any) -> Any:
            if environ["PATH_INFO"] == path:
                work(loops)
            return app(environ, start_response)

        return wsgi

    async def asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == path:
            work(loops)
        await app(scope, receive, send)

    return asgi
