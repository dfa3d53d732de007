"""The bare WSGI baseline: a plain callable with /plaintext, /json and the database endpoints.

What a framework costs is measured over this: the same server, the same bytes, no framework.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from raw_wsgi import database

StartResponse = Callable[..., Any]


def plaintext(environ: dict[str, Any]) -> tuple[bytes, str]:
    return b"Hello, World!", "text/plain; charset=utf-8"


def hello_json(environ: dict[str, Any]) -> tuple[bytes, str]:
    return json.dumps({"message": "Hello, World!"}).encode(), "application/json"


def error(detail: str) -> tuple[bytes, str]:
    return json.dumps({"detail": detail}).encode(), "application/json"


ROUTES: dict[str, Callable[[dict[str, Any]], tuple[bytes, str]]] = {
    "/plaintext": plaintext,
    "/json": hello_json,
    "/db": database.db,
    "/queries": database.queries,
    "/fortunes": database.fortunes,
    "/updates": database.updates,
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
        try:
            body, content_type = handler(environ)
            status = "200 OK"
        except database.NoDatabase:
            status = "503 Service Unavailable"
            body, content_type = error("no database: DATABASE_URL is not set")
    headers += [("Content-Type", content_type), ("Content-Length", str(len(body)))]
    start_response(status, headers)
    return [body]
