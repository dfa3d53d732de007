"""The bare ASGI baseline: /plaintext, /json and the database endpoints, no framework.

It is what an ASGI server costs with no framework on top, so reports can show what each
framework adds. Run: uvicorn raw_asgi.app:application.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from raw_asgi import database

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

NOSNIFF = (b"x-content-type-options", b"nosniff")


async def application(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http":
        await _http(scope, send)
    elif scope["type"] == "lifespan":
        await _lifespan(receive, send)
    elif scope["type"] == "websocket":
        # Closing before accepting rejects the handshake (the server answers 403).
        await send({"type": "websocket.close"})


async def _http(scope: Scope, send: Send) -> None:
    path, method = scope["path"], scope["method"]
    if path == "/plaintext" and method == "GET":
        await _respond(send, 200, b"text/plain; charset=utf-8", b"Hello, World!")
    elif path == "/json" and method == "GET":
        # Serialised on each request, as the contract asks: no cached bytes.
        body = json.dumps({"message": "Hello, World!"}).encode()
        await _respond(send, 200, b"application/json", body)
    elif path in database.ROUTES and method == "GET":
        try:
            body, content_type = await database.ROUTES[path](scope)
        except database.NoDatabase:
            await _respond_error(send, 503, "no database: DATABASE_URL is not set")
            return
        await _respond(send, 200, content_type, body)
    elif path in ("/plaintext", "/json", *database.ROUTES):
        await _respond_error(send, 405, "Method Not Allowed", [(b"allow", b"GET")])
    else:
        await _respond_error(send, 404, "Not Found")


async def _respond_error(
    send: Send, status: int, detail: str, headers: list[tuple[bytes, bytes]] | None = None
) -> None:
    body = json.dumps({"detail": detail}).encode()
    await _respond(send, status, b"application/json", body, headers)


async def _respond(
    send: Send,
    status: int,
    content_type: bytes,
    body: bytes,
    headers: list[tuple[bytes, bytes]] | None = None,
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                NOSNIFF,
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})


async def _lifespan(receive: Receive, send: Send) -> None:
    # The database pool opens and closes with the event loop that serves the requests.
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await database.open_pool()
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await database.close_pool()
            await send({"type": "lifespan.shutdown.complete"})
            return
