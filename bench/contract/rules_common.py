"""Rules for every response, and the two endpoints the bare baselines serve too."""

from __future__ import annotations

import json
from collections.abc import Callable

from bench.contract import checks
from bench.contract.client import Client, Reply, Request, Violation
from bench.contract.rule import Check, Rule, each, exchange
from bench.frameworks import Framework

HELLO = "Hello, World!"
MIB = 1024 * 1024
_VALID_ECHO = json.dumps({"name": "bench", "count": 5}).encode()


def _post(path: str, body: bytes = b"", content_type: str | None = None) -> Request:
    headers = () if content_type is None else (("Content-Type", content_type),)
    return Request("POST", path, body, headers)


# (request, the method the 405's Allow header must name)
_WRONG_METHOD_BASELINE = [(_post("/plaintext"), "GET"), (_post("/json"), "GET")]
_WRONG_METHOD_FULL = [
    *_WRONG_METHOD_BASELINE,
    (_post("/users/1"), "GET"),
    (Request("GET", "/echo"), "POST"),
    (Request("DELETE", "/echo"), "POST"),
    (_post("/template"), "GET"),
    (_post("/cookie"), "GET"),
    (_post("/io"), "GET"),
]


def samples(framework: Framework) -> list[Request]:
    """One request of each kind of answer the app gives: 200s, each 4xx, both page types."""
    base = [
        Request("GET", "/plaintext"),
        Request("GET", "/json"),
        Request("GET", "/no-such-path"),
        _post("/plaintext"),
    ]
    if framework.baseline:
        return base
    return [
        *base,
        Request("GET", "/users/7"),
        Request("GET", "/users/abc"),
        Request("GET", "/echo"),
        _post("/echo", _VALID_ECHO, "application/json"),
        _post("/echo", _VALID_ECHO, "text/plain"),
        _post("/echo", b" " * (MIB + 1), "application/json"),
        _post("/echo", b"{", "application/json"),
        _post("/echo", b"{}", "application/json"),
        Request("GET", "/template"),
        Request("GET", "/template?name="),
        Request("GET", "/cookie", headers=(("Cookie", "visits=3"),)),
        Request("GET", "/io?ms=1"),
        Request("GET", "/io?ms=x"),
    ]


def _plaintext(client: Client, framework: Framework) -> None:
    reply = client.get("/plaintext")
    checks.status(reply, 200)
    value = reply.header("Content-Type") or ""
    media, _, params = value.partition(";")
    params = params.strip().lower().replace(" ", "")
    if media.strip().lower() != "text/plain" or params not in ("", "charset=utf-8"):
        raise Violation(f"GET /plaintext: Content-Type {value!r}, expected text/plain")
    if reply.body != HELLO.encode():
        raise Violation(f"GET /plaintext: body {checks.snippet(reply)}, expected {HELLO!r}")


def _once(reply: Reply) -> None:
    for name in ("Content-Type", "Content-Length", "Date", "Server"):
        count = len(reply.values(name))
        if count != 1:
            raise Violation(f"{checks.where(reply)} ({reply.status}): {name} sent {count} times")


def _nosniff(reply: Reply) -> None:
    values = [v.strip().lower() for v in reply.values("X-Content-Type-Options")]
    if not values or any(v != "nosniff" for v in values):
        raise Violation(
            f"{checks.where(reply)} ({reply.status}): X-Content-Type-Options {values or 'missing'}"
        )


def _framed(reply: Reply) -> None:
    if reply.chunked:
        raise Violation(f"{checks.where(reply)} ({reply.status}): chunked transfer encoding")
    length = reply.header("Content-Length")
    if length is None or not length.isdigit() or int(length) != len(reply.body):
        raise Violation(
            f"{checks.where(reply)} ({reply.status}): Content-Length {length!r} "
            f"for a body of {len(reply.body)} bytes"
        )


def _client_errors(reply: Reply) -> None:
    if reply.status >= 500:
        raise Violation(f"{checks.where(reply)}: {reply.status} (no input may cause a 5xx)")
    if reply.status >= 400:
        checks.error_body(reply)


UNKNOWN_PATHS = ("/no-such-path", "/", "/plaintext/extra", "/PLAINTEXT", "/plaintext/", "/json/")


def _unknown_path(client: Client, framework: Framework) -> None:
    for path in UNKNOWN_PATHS:
        checks.error(client.get(path), 404)


def _wrong_method(client: Client, framework: Framework) -> None:
    wrong = _WRONG_METHOD_BASELINE if framework.baseline else _WRONG_METHOD_FULL
    for request, allowed in wrong:
        reply = client.send(request)
        checks.error(reply, 405)
        allow = {m.strip().upper() for v in reply.values("Allow") for m in v.split(",")}
        if allowed not in allow:
            raise Violation(
                f"{request.describe()}: 405 Allow {reply.values('Allow')}, expected {allowed}"
            )


def _refused_unread(request: Request) -> bool:
    """A body the app refuses without reading it: the 413 of 1 MiB + 1 and the 415 of a body
    that is not JSON. A server may close the connection after such an answer rather than drain
    the body (granian does, now and then: when the body had not fully arrived as the app
    answered); the load never sends one, so keep-alive is checked on every other answer."""
    if request.body is not None and len(request.body) >= MIB:
        return True
    content_type = dict(request.headers).get("Content-Type")
    return request.path == "/echo" and bool(request.body) and content_type != "application/json"


def _keep_alive(client: Client, framework: Framework) -> None:
    # A fresh connection of its own, so that earlier rules' reconnects do not count.
    requests = [r for r in samples(framework) if not _refused_unread(r)] * 3
    with Client(client.port, client.host, client.timeout) as own:
        for request in requests:
            reply = own.send(request)
            closing = [v for v in reply.values("Connection") if "close" in v.lower()]
            if closing:
                raise Violation(f"{request.describe()} ({reply.status}): Connection: close")
        if own.connects != 1:
            raise Violation(
                f"{len(requests)} requests needed {own.connects} connections: the server "
                "closed a kept-alive connection"
            )


def _on_samples(check_reply: Callable[[Reply], None]) -> Check:
    def check(client: Client, framework: Framework) -> None:
        each(client, samples(framework), check_reply)

    return check


RULES: list[Rule] = [
    Rule(
        "plaintext.body",
        "GET /plaintext: 200, text/plain (a charset allowed), body exactly Hello, World!",
        _plaintext,
        baseline=True,
    ),
    exchange(
        "json.body",
        'GET /json: 200, exactly application/json, {"message": "Hello, World!"}',
        Request("GET", "/json"),
        200,
        {"message": HELLO},
        baseline=True,
    ),
    Rule(
        "headers.once",
        "Content-Type, Content-Length, Date and Server each exactly once, on every answer",
        _on_samples(_once),
        baseline=True,
    ),
    Rule(
        "headers.nosniff",
        "X-Content-Type-Options: nosniff on every answer, errors included",
        _on_samples(_nosniff),
        baseline=True,
    ),
    Rule(
        "headers.content-length",
        "no chunked encoding: Content-Length equals the body's length, on every answer",
        _on_samples(_framed),
        baseline=True,
    ),
    Rule(
        "errors.json-detail",
        'every 4xx is exactly application/json {"detail": str | list}; no 5xx',
        _on_samples(_client_errors),
        baseline=True,
    ),
    Rule(
        "status.404.unknown-path",
        "unknown paths, also /plaintext/ and /json/ (no redirects): 404, JSON detail",
        _unknown_path,
        baseline=True,
    ),
    Rule(
        "status.405.allow",
        "known path, wrong method: 405 with an Allow header naming the method, JSON detail",
        _wrong_method,
        baseline=True,
    ),
    Rule(
        "keepalive.persistent",
        "HTTP/1.1 keep-alive: every kind of answer on one connection, no Connection: close",
        _keep_alive,
        baseline=True,
    ),
]
