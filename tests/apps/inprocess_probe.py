"""Run as a script in a fresh interpreter: import one app as the server would, no server,
and answer GET /plaintext in-process. Prints one JSON line: {"status": int, "body": str}.

    python inprocess_probe.py PYTHONPATH MODULE ATTRIBUTE wsgi|asgi
"""

from __future__ import annotations

import asyncio
import importlib
import io
import json
import sys
from typing import Any
from wsgiref.util import setup_testing_defaults


def load(pythonpath: str, module: str, attribute: str) -> Any:
    sys.path.insert(0, pythonpath)
    obj = getattr(importlib.import_module(module), attribute.removesuffix("()"))
    return obj() if attribute.endswith("()") else obj  # a factory target, as gunicorn calls it


def wsgi_get(app: Any, path: str) -> tuple[int, bytes]:
    environ: dict[str, Any] = {"PATH_INFO": path, "REQUEST_METHOD": "GET"}
    setup_testing_defaults(environ)
    environ["wsgi.input"] = io.BytesIO(b"")
    statuses: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        statuses.append(status)
        return lambda data: None

    chunks = app(environ, start_response)
    try:
        body = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return int(statuses[-1].split()[0]), body


async def asgi_get(app: Any, path: str) -> tuple[int, bytes]:
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": [(b"host", b"127.0.0.1")],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    sent: list[dict[str, Any]] = []

    received: list[bool] = []

    async def receive() -> dict[str, Any]:
        if not received:
            received.append(True)
            return {"type": "http.request", "body": b"", "more_body": False}
        # After the body a server has nothing to give until the client goes away; Django's
        # handler listens for that (http.disconnect) and cancels the wait once it has answered.
        await asyncio.Event().wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


def main() -> None:
    pythonpath, module, attribute, interface = sys.argv[1:5]
    app = load(pythonpath, module, attribute)
    if interface == "wsgi":
        status, body = wsgi_get(app, "/plaintext")
    else:
        status, body = asyncio.run(asgi_get(app, "/plaintext"))
    print(json.dumps({"status": status, "body": body.decode("utf-8", "replace")}))


if __name__ == "__main__":
    main()
