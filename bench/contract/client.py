"""A raw HTTP/1.1 client for the checks: any bytes, any headers, every header kept.

The stdlib's http.client is used rather than a friendlier library because a checker must be
able to send what a friendly library refuses (a missing Content-Type, a UTF-16 body, a body of
exactly 1 MiB + 1) and must see the response as the server sent it (repeated headers, chunked
framing, `Connection: close`).
"""

from __future__ import annotations

import http.client
import socket
from collections.abc import Iterator
from dataclasses import dataclass

from bench.frameworks import HOST


class Violation(Exception):  # noqa: N818 - a finding about the app, not an error of the checker
    """The app answered something the contract forbids; the message says what."""


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: tuple[tuple[str, str], ...] = ()
    chunked: bool = False
    """Send the body with chunked transfer encoding (no Content-Length), as HTTP/1.1 allows."""

    def describe(self) -> str:
        size = "" if self.body is None else f" ({len(self.body)} bytes{', chunked' * self.chunked})"
        return f"{self.method} {self.path[:80]}{size}"

    def pieces(self) -> Iterator[bytes]:
        body = self.body or b""
        for start in range(0, len(body), 65536):
            yield body[start : start + 65536]


@dataclass(frozen=True)
class Reply:
    request: Request
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    chunked: bool
    """The server framed the body with chunked transfer encoding (http.client undid it)."""

    def values(self, name: str) -> list[str]:
        """Every value of header `name` (case-insensitive), in order."""
        wanted = name.lower()
        return [v for k, v in self.headers if k.lower() == wanted]

    def header(self, name: str) -> str | None:
        """The single value of header `name`; None when absent, a Violation when repeated."""
        found = self.values(name)
        if len(found) > 1:
            raise Violation(f"{self.request.describe()}: header {name} sent {len(found)} times")
        return found[0] if found else None

    @property
    def media_type(self) -> str:
        return (self.header("Content-Type") or "").partition(";")[0].strip().lower()

    def text(self) -> str:
        try:
            return self.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise Violation(f"{self.request.describe()}: body is not UTF-8 ({exc})") from None


class Client:
    """One persistent connection to host:port, reopened when the server closed it."""

    def __init__(self, port: int, host: str = HOST, timeout: float = 10.0) -> None:
        self.host = host
        self.port = port
        self.timeout = timeout
        self.connects = 0
        """How many TCP connections were opened (1 for a run that kept one alive)."""
        self._conn: http.client.HTTPConnection | None = None
        self._used = False

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _connection(self) -> http.client.HTTPConnection:
        if self._conn is None:
            self._conn = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
            self._conn.connect()
            self._conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.connects += 1
            self._used = False
        return self._conn

    def send(self, request: Request) -> Reply:
        """The server's reply; retried once on a fresh connection if a kept one was closed."""
        try:
            return self._exchange(request)
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            if not self._used:
                raise
            self.close()  # the server closed an idle kept-alive connection: legal, retry once
            return self._exchange(request)

    def get(self, path: str, headers: tuple[tuple[str, str], ...] = ()) -> Reply:
        return self.send(Request("GET", path, headers=headers))

    def _exchange(self, request: Request) -> Reply:
        conn = self._connection()
        try:
            conn.putrequest(request.method, request.path, skip_accept_encoding=True)
            names = {k.lower() for k, _ in request.headers}
            for key, value in request.headers:
                conn.putheader(key, value)
            if request.chunked:
                conn.putheader("Transfer-Encoding", "chunked")
            elif request.body is not None and "content-length" not in names:
                conn.putheader("Content-Length", str(len(request.body)))
            try:
                if request.chunked:
                    conn.endheaders(request.pieces(), encode_chunked=True)
                else:
                    conn.endheaders(request.body)
            except (BrokenPipeError, ConnectionResetError):
                # A server may answer (413, 415) and close before reading a large body; its
                # answer is still waiting in the socket, so read it rather than fail.
                if request.body is None or len(request.body) < 65536:
                    raise
            response = conn.getresponse()
            body = response.read()
        except BaseException:
            self.close()
            raise
        self._used = True
        if response.will_close:
            self.close()
        return Reply(
            request=request,
            status=response.status,
            headers=tuple(response.getheaders()),
            body=body,
            chunked=any(
                k.lower() == "transfer-encoding" and "chunked" in v.lower()
                for k, v in response.getheaders()
            ),
        )
