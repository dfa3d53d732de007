"""Send loops of requests of each scenario to an app in-process (WSGI environ or ASGI scope).

Runs under valgrind as `python -S driver.py ...`: standard library only, nothing from `bench`,
so that what callgrind counts is the app and nothing of the harness. Each scenario is warmed
up once, then runs one measured loop per size asked for (`--loops 100,200`: N, then 2N), in
the same process, so the app is imported once and not once per size. Around each measured
loop it calls `os.getppid()`, a C function nothing else in the process calls; the parent runs
callgrind with `--dump-before=getppid`, so each loop lands in its own dump. Requests are built
before the loop and responses checked after it: the dump holds the app's work, not the
driver's. Every response is checked (status and body), so an error page is never what gets
counted.

The last line on stdout is a JSON summary; a failed check exits 3 with one line on stderr.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import importlib
import io
import json
import os
import site
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

DRIVER_VERSION = 2
"""Bump when what the measured loop does changes: counts of different versions differ.
2: the loops of N and 2N run in one process, one after the other, instrumented from after the
import (1: a process per size, instrumented throughout)."""

MARKER = "getppid"
"""The C function whose calls separate the dumps (see the module docstring)."""

HOST_HEADER = "127.0.0.1:8000"
EXIT_CHECK_FAILED = 3
EXIT_NOT_INSTRUMENTED = 4
INSTRUMENT_TIMEOUT_S = 120.0

Response = tuple[int, list[tuple[str, str]], bytes]
"""Status, headers (lower-case names), body."""


class CheckFailedError(Exception):
    """A response was not the contract's answer: the count would describe an error page."""


@dataclass(frozen=True)
class Scenario:
    name: str
    method: str
    path: str
    query: str
    body: bytes
    headers: tuple[tuple[str, str], ...]
    check: Callable[[Response], str | None]
    """None when the response is right, else what is wrong."""


def _same(a: Any, b: Any) -> bool:
    """JSON equality with exact types (5 is not 5.0, True is not 1).

    The twin of bench.contract.checks.same_json: this file runs standalone under valgrind
    (and against a base worktree), so it imports nothing from `bench`.
    """
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def _json_is(expected: Any) -> Callable[[Response], str | None]:
    def check(response: Response) -> str | None:
        status, _, body = response
        if status != 200:
            return f"status {status}"
        try:
            got = json.loads(body)
        except ValueError:
            return f"body is not JSON: {body[:120]!r}"
        return None if _same(got, expected) else f"body {got!r}, expected {expected!r}"

    return check


def _plaintext(response: Response) -> str | None:
    status, _, body = response
    if status != 200:
        return f"status {status}"
    return None if body == b"Hello, World!" else f"body {body[:120]!r}"


def _template(response: Response) -> str | None:
    status, _, body = response
    if status != 200:
        return f"status {status}"
    text = body.decode("utf-8", "replace")
    # 12 fixed fortunes + 1 added per request + the header row; escaping shows it is rendered.
    wanted = (
        "<h1>Hello, bench</h1>",
        "Additional fortune added at request time.",
        "&lt;script&gt;",
    )
    missing = [w for w in wanted if w not in text]
    if missing:
        return f"page lacks {missing[0]!r}"
    rows = text.count("<tr")
    return None if rows == 14 else f"{rows} table rows, expected 14"


def _cookie(response: Response) -> str | None:
    problem = _json_is({"visits": 42})(response)
    if problem:
        return problem
    # Whitespace around a header value is not part of it (Django's WSGI header starts with one).
    cookies = [v.strip() for k, v in response[1] if k == "set-cookie"]
    return None if any(c.startswith("visits=42") for c in cookies) else f"set-cookie {cookies!r}"


_ECHO = {"name": "bench", "count": 3, "tags": ["a", "b"]}

SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario("plaintext", "GET", "/plaintext", "", b"", (), _plaintext),
        Scenario("json", "GET", "/json", "", b"", (), _json_is({"message": "Hello, World!"})),
        Scenario(
            "users", "GET", "/users/123", "", b"", (), _json_is({"id": 123, "name": "user-123"})
        ),
        Scenario(
            "echo",
            "POST",
            "/echo",
            "",
            json.dumps(_ECHO).encode(),
            (("content-type", "application/json"),),
            _json_is(_ECHO),
        ),
        Scenario("template", "GET", "/template", "name=bench", b"", (), _template),
        Scenario("cookie", "GET", "/cookie", "", b"", (("cookie", "visits=41"),), _cookie),
        # ms=0: the framework's cost of the /io path (parsing, the wait call) without the wait.
        Scenario("io", "GET", "/io", "ms=0", b"", (), _json_is({"slept_ms": 0})),
    )
}
BASELINE_SCENARIOS: tuple[str, ...] = ("plaintext", "json")
"""The bare raw-wsgi / raw-asgi apps answer only these."""

# What a keep-alive client such as Locust's FastHttpUser sends on every request.
_CLIENT_HEADERS = (
    ("host", HOST_HEADER),
    ("user-agent", "bench-profile"),
    ("accept", "*/*"),
    ("accept-encoding", "gzip, deflate, br"),
)


def _request_headers(scenario: Scenario) -> list[tuple[str, str]]:
    headers = [*_CLIENT_HEADERS, *scenario.headers]
    if scenario.method == "POST":
        headers.append(("content-length", str(len(scenario.body))))
    return headers


class WsgiRunner:
    def __init__(self, app: Any) -> None:
        self.app = app

    def prepare(self, scenario: Scenario) -> dict[str, Any]:
        environ: dict[str, Any] = {
            "REQUEST_METHOD": scenario.method,
            "SCRIPT_NAME": "",
            "PATH_INFO": scenario.path,
            "QUERY_STRING": scenario.query,
            "RAW_URI": scenario.path + (f"?{scenario.query}" if scenario.query else ""),
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "8000",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "REMOTE_ADDR": "127.0.0.1",
            "REMOTE_PORT": "50000",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(scenario.body),
            "wsgi.errors": sys.stderr,
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        for name, value in _request_headers(scenario):
            key = name.upper().replace("-", "_")
            if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                environ[key] = value
            else:
                environ[f"HTTP_{key}"] = value
        return environ

    def call(self, environ: dict[str, Any]) -> tuple[Any, Any, bytes]:
        started: list[Any] = []

        def start_response(status: str, headers: Any, exc_info: Any = None) -> Callable[..., Any]:
            started[:] = [status, headers]
            return _write_unsupported

        result = self.app(environ, start_response)
        try:
            body = b"".join(result)
        finally:
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return started[0], started[1], body

    @staticmethod
    def normalise(raw: tuple[Any, Any, bytes]) -> Response:
        status, headers, body = raw
        return int(status.split(" ", 1)[0]), [(k.lower(), v) for k, v in headers], body

    def close(self) -> None:
        pass


def _write_unsupported(data: bytes) -> None:
    raise CheckFailedError("the app used start_response's write(); the servers here do not need it")


class AsgiRunner:
    """One event loop for the whole run; lifespan as uvicorn's default 'auto' runs it."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        asyncio.set_event_loop(self.loop)
        self.state: dict[str, Any] = {}
        self._lifespan: asyncio.Task[Any] | None = None
        self._to_app: asyncio.Queue[dict[str, Any]] | None = None
        self._from_app: asyncio.Queue[dict[str, Any]] | None = None
        self.loop.run_until_complete(self._lifespan_event("startup"))

    async def _lifespan_event(self, event: str) -> None:
        if self._lifespan is None:
            if event != "startup":
                return
            self._to_app, self._from_app = asyncio.Queue(), asyncio.Queue()
            scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": self.state}
            self._lifespan = asyncio.ensure_future(
                self.app(scope, self._to_app.get, self._from_app.put)
            )
        assert self._to_app is not None and self._from_app is not None
        if self._lifespan.done():
            return  # the app does not speak lifespan (uvicorn's 'auto' carries on too)
        await self._to_app.put({"type": f"lifespan.{event}"})
        reply = asyncio.ensure_future(self._from_app.get())
        await asyncio.wait({self._lifespan, reply}, return_when=asyncio.FIRST_COMPLETED)
        if not reply.done():
            reply.cancel()
            # It returned or raised without answering: uvicorn's 'auto' treats that as "no
            # lifespan support" and serves all the same. Retrieve the error so it is not logged.
            if not self._lifespan.cancelled():
                self._lifespan.exception()
            return
        message = reply.result()
        if message["type"] == f"lifespan.{event}.failed":
            raise CheckFailedError(f"lifespan {event} failed: {message.get('message', '')}")

    def prepare(self, scenario: Scenario) -> tuple[dict[str, Any], bytes]:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "server": ("127.0.0.1", 8000),
            "client": ("127.0.0.1", 50000),
            "scheme": "http",
            "method": scenario.method,
            "root_path": "",
            "path": scenario.path,
            "raw_path": scenario.path.encode(),
            "query_string": scenario.query.encode(),
            "headers": [(k.encode(), v.encode()) for k, v in _request_headers(scenario)],
            "state": dict(self.state),
        }
        return scope, scenario.body

    def call(self, prepared: tuple[dict[str, Any], bytes]) -> tuple[Any, Any, bytes]:
        return self.loop.run_until_complete(self._request(*prepared))

    async def _request(self, scope: dict[str, Any], body: bytes) -> tuple[Any, Any, bytes]:
        pending = [{"type": "http.request", "body": body, "more_body": False}]
        sent: list[dict[str, Any]] = []
        finished = asyncio.Event()

        async def receive() -> dict[str, Any]:
            if pending:
                return pending.pop()
            # As a server does: the client stays until the response is complete.
            await finished.wait()
            return {"type": "http.disconnect"}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)
            if message["type"] == "http.response.body" and not message.get("more_body", False):
                finished.set()

        await self.app(scope, receive, send)
        start = sent[0] if sent and sent[0]["type"] == "http.response.start" else {}
        chunks = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return start.get("status", 0), start.get("headers", []), chunks

    @staticmethod
    def normalise(raw: tuple[Any, Any, bytes]) -> Response:
        status, headers, body = raw
        return status, [(bytes(k).decode().lower(), bytes(v).decode()) for k, v in headers], body

    def close(self) -> None:
        self.loop.run_until_complete(self._lifespan_event("shutdown"))
        self.loop.close()


class NotInstrumentedError(Exception):
    """valgrind did not confirm that it instruments: the loops would count nothing."""


def start_instrumenting(vgdb: str, prefix: str) -> None:
    """Ask the valgrind this process runs under (`--instr-atstart=no`) to start instrumenting.

    Importing an app is most of what a process costs under callgrind (Django: ~15 s instrumented,
    ~2 s not) and none of what is measured. vgdb reaches the process while it executes code, so
    this process spins on the vgdb child rather than blocking in wait(), which valgrind would
    only leave through ptrace (not allowed everywhere). The spin allocates nothing that lives
    on, and gc.collect() runs before every loop anyway.
    """
    child = subprocess.Popen(
        [vgdb, f"--vgdb-prefix={prefix}", f"--pid={os.getpid()}", "instrumentation", "on"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + INSTRUMENT_TIMEOUT_S
    while child.poll() is None:
        if time.monotonic() > deadline:
            child.kill()
            child.wait()
            raise NotInstrumentedError(f"vgdb gave no answer within {INSTRUMENT_TIMEOUT_S:.0f}s")
    if child.returncode != 0:
        assert child.stderr is not None
        error = child.stderr.read().decode(errors="replace").strip()
        raise NotInstrumentedError(
            f"vgdb instrumentation on failed (exit {child.returncode}): {error or 'no output'}"
        )


def load(target: str) -> Any:
    """`module:attribute` or `module:factory()`, as the servers take it."""
    module_name, _, attribute = target.partition(":")
    factory = attribute.endswith("()")
    obj: Any = importlib.import_module(module_name)
    for part in attribute.removesuffix("()").split("."):
        obj = getattr(obj, part)
    return obj() if factory else obj


def _check(framework: str, scenario: Scenario, runner: Any, raw: Iterable[Any]) -> None:
    for item in raw:
        problem = scenario.check(runner.normalise(item))
        if problem:
            raise CheckFailedError(f"{framework} {scenario.name}: {problem}")


def measure(
    framework: str, runner: Any, scenarios: list[Scenario], loops: Sequence[int], warmup: int
) -> int:
    """Warm up, then run one marked loop per size; returns how many marker calls were made."""
    marker = os.getppid
    markers = 0
    for scenario in scenarios:
        # First requests fill caches (routes, templates, lazy imports): not what a request costs.
        warm = [runner.call(runner.prepare(scenario)) for _ in range(warmup)]
        _check(framework, scenario, runner, warm)
        for requests in loops:
            prepared = [runner.prepare(scenario) for _ in range(requests)]
            responses: list[Any] = []
            # Each loop starts from an empty young generation, whatever ran before it: otherwise
            # a change in one scenario (or loop) would move the garbage collector's phase in the
            # next one.
            gc.collect()
            call = runner.call
            append = responses.append
            marker()
            for request in prepared:
                append(call(request))
            marker()
            markers += 2
            _check(framework, scenario, runner, responses)
            del prepared, responses
    return markers


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--framework", required=True)
    parser.add_argument("--target", required=True, help="module:attribute or module:factory()")
    parser.add_argument("--interface", choices=("wsgi", "asgi"), required=True)
    parser.add_argument("--scenarios", required=True, help="comma-separated names")
    parser.add_argument(
        "--loops", required=True, help="comma-separated loop sizes, e.g. 100,200 (N and 2N)"
    )
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--site", action="append", default=[], help="a site-packages folder")
    parser.add_argument("--wrap", help="module:callable(app, interface, **kwargs) -> app")
    parser.add_argument("--wrap-path", help="folder to import the --wrap module from")
    parser.add_argument("--wrap-kwargs", default="{}", help="JSON keyword arguments for --wrap")
    parser.add_argument(
        "--vgdb", help="vgdb binary: turn valgrind's instrumentation on once the app is imported"
    )
    parser.add_argument("--vgdb-prefix", help="the --vgdb-prefix valgrind was started with")
    args = parser.parse_args(argv)

    # Run as a script, its own folder is sys.path[0]: keep its siblings from shadowing anything.
    if sys.path and os.path.abspath(sys.path[0]) == os.path.dirname(os.path.abspath(__file__)):
        del sys.path[0]

    # -S skipped site.py: only the folders named are added, with their .pth files.
    for folder in args.site:
        site.addsitedir(folder)
    unknown = [s for s in args.scenarios.split(",") if s not in SCENARIOS]
    try:
        loops = [int(size) for size in args.loops.split(",")]
    except ValueError:
        loops = []
    if unknown or not loops or min(loops) < 1 or args.warmup < 1:
        parser.error(f"bad scenarios {unknown} or counts {args.loops}/{args.warmup}")
    scenarios = [SCENARIOS[s] for s in args.scenarios.split(",")]

    app = load(args.target)
    if args.wrap:
        if args.wrap_path:
            sys.path.insert(0, args.wrap_path)
        app = load(args.wrap)(app, args.interface, **json.loads(args.wrap_kwargs))
    if args.vgdb:
        try:
            start_instrumenting(args.vgdb, args.vgdb_prefix or "/tmp/vgdb-pipe")
        except NotInstrumentedError as exc:
            print(f"not instrumented: {exc}", file=sys.stderr)
            return EXIT_NOT_INSTRUMENTED
    try:
        runner: Any = WsgiRunner(app) if args.interface == "wsgi" else AsgiRunner(app)
        markers = measure(args.framework, runner, scenarios, loops, args.warmup)
        runner.close()
    except CheckFailedError as exc:
        print(f"check failed: {exc}", file=sys.stderr)
        return EXIT_CHECK_FAILED
    summary = {
        "driver_version": DRIVER_VERSION,
        "framework": args.framework,
        "scenarios": [s.name for s in scenarios],
        "loops": loops,
        "warmup": args.warmup,
        "markers": markers,
    }
    print(json.dumps(summary), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
