"""The bare WSGI baseline: a plain callable with /plaintext and /json only.

What a framework costs is measured over this: the same server, the same bytes, no framework.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

StartResponse = Callable[..., Any]


def plaintext() -> tuple[bytes, str]:
    return b"Hello, World!", "text/plain; charset=utf-8"


def hello_json() -> tuple[bytes, str]:
    return json.dumps({"message": "Hello, World!"}).encode(), "application/json"


def error(detail: str) -> tuple[bytes, str]:
    return json.dumps({"detail": detail}).encode(), "application/json"


ROUTES: dict[str, Callable[[], tuple[bytes, str]]] = {
    "/plaintext": plaintext,
    "/json": hello_json,
}


def application(environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
    handler = ROUTES.get(environ.get("PATH_INFO", ""))
    headers = [("X-Content-Type-Options", "nosniff")]
    if handler is None:
        status = "404 Not Found"
        body, content_type = error("Not Found")
    elif environ["REQUEST_METHOD"] != "GET":
        status = "405 Method Not Allowed"
        body, content_type = error("Method Not Allowed")
        headers.append(("Allow", "GET"))
    else:
        status = "200 OK"
        body, content_type = handler()
    headers += [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    start_response(status, headers)
    return [body]
