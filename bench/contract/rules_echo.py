"""POST /echo: media type (415), then size (413), then well-formedness (400), then schema (422)."""

from __future__ import annotations

import json
from typing import Any

from bench.contract.client import Request
from bench.contract.rule import Rule, exchange

MIB = 1024 * 1024
JSON_TYPE = "application/json"

VALID: dict[str, Any] = {"name": "bench", "count": 5, "tags": ["a", "b"]}
VALID_BYTES = json.dumps(VALID).encode()
_OK = {"name": "bench", "count": 5, "tags": ["a", "b"]}


def post(body: bytes, content_type: str | None = JSON_TYPE, *, chunked: bool = False) -> Request:
    headers = () if content_type is None else (("Content-Type", content_type),)
    return Request("POST", "/echo", body, headers, chunked=chunked)


def padded(body: bytes, size: int) -> bytes:
    """`body` followed by JSON whitespace up to exactly `size` bytes: still the same JSON."""
    return body + b" " * (size - len(body))


def _dumps(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode()


# rule suffix, description, body, expected JSON answer
_ACCEPTED: list[tuple[str, str, bytes, Any]] = [
    ("ok", "a valid object is echoed", VALID_BYTES, _OK),
    (
        "ok.tags-default",
        "tags absent: answered as []",
        b'{"name": "x", "count": 0}',
        {"name": "x", "count": 0, "tags": []},
    ),
    (
        "ok.boundaries",
        "count 1000, 10 tags, name 100 and tag 30 code points are accepted",
        _dumps({"name": "n" * 100, "count": 1000, "tags": ["t" * 30] * 10}),
        {"name": "n" * 100, "count": 1000, "tags": ["t" * 30] * 10},
    ),
    (
        "ok.code-points",
        "lengths count code points: 100 emoji (400 UTF-8 bytes) is a valid name",
        _dumps({"name": "😀" * 100, "count": 1, "tags": ["é" * 30]}),
        {"name": "😀" * 100, "count": 1, "tags": ["é" * 30]},
    ),
    (
        "ok.surrogate-pair",
        'an escaped surrogate PAIR ("\\ud83d\\ude00") is one valid character',
        b'{"name": "\\ud83d\\ude00", "count": 2}',
        {"name": "😀", "count": 2, "tags": []},
    ),
    (
        "ok.exactly-1mib",
        "a body of exactly 1 MiB (1048576 bytes) is not too large",
        padded(VALID_BYTES, MIB),
        _OK,
    ),
]

_CHARSET_OK = exchange(
    "echo.ok.charset",
    "Content-Type application/json; charset=utf-8 is accepted",
    post(VALID_BYTES, "application/json; charset=utf-8"),
    200,
    _OK,
)

# The contract limits the body, not its framing: an HTTP/1.1 client may send a body chunked,
# without Content-Length, and it must be read (and limited) all the same.
_CHUNKED_OK = exchange(
    "echo.ok.chunked",
    "a valid body sent with chunked transfer encoding is echoed",
    post(VALID_BYTES, chunked=True),
    200,
    _OK,
)

# rule suffix, description, request
_UNSUPPORTED: list[tuple[str, str, Request]] = [
    ("missing", "no Content-Type", post(VALID_BYTES, None)),
    ("text-plain", "text/plain", post(VALID_BYTES, "text/plain")),
    (
        "vnd-json",
        "a +json type (application/vnd.api+json)",
        post(VALID_BYTES, "application/vnd.api+json"),
    ),
    (
        "form",
        "application/x-www-form-urlencoded",
        post(b"name=x&count=1", "application/x-www-form-urlencoded"),
    ),
    (
        "oversized",
        "415 before 413: a non-JSON type over 1 MiB",
        post(padded(VALID_BYTES, MIB + 1), "text/plain"),
    ),
    (
        "malformed",
        "415 before 400: a non-JSON type with a malformed body",
        post(b"NaN", "text/plain"),
    ),
]

_TOO_LARGE: list[tuple[str, str, Request]] = [
    ("over-1mib", "valid JSON padded to 1 MiB + 1 byte", post(padded(VALID_BYTES, MIB + 1))),
    ("malformed", "413 before 400: 1 MiB + 1 byte of non-UTF-8", post(b"\xff" * (MIB + 1))),
    (
        "chunked",
        "1 MiB + 1 byte sent chunked, without Content-Length",
        post(padded(VALID_BYTES, MIB + 1), chunked=True),
    ),
]

_MALFORMED: list[tuple[str, str, bytes]] = [
    ("utf16", "UTF-16 with its BOM", json.dumps(VALID).encode("utf-16")),
    ("utf16-le", "UTF-16-LE without a BOM", json.dumps(VALID).encode("utf-16-le")),
    ("bom", "UTF-8 with a byte order mark", b"\xef\xbb\xbf" + VALID_BYTES),
    (
        "encoded-surrogate",
        "a UTF-8-encoded surrogate (ED A0 80)",
        b'{"name": "a\xed\xa0\x80", "count": 1}',
    ),
    ("invalid-utf8", "a byte that is never UTF-8 (FF)", b'{"name": "\xff", "count": 1}'),
    ("nan", "NaN", b'{"name": "a", "count": NaN}'),
    ("infinity", "Infinity", b'{"name": "a", "count": Infinity}'),
    ("negative-infinity", "-Infinity", b'{"name": "a", "count": -Infinity}'),
    ("trailing-garbage", "a valid object followed by garbage", VALID_BYTES + b" x"),
    ("two-values", "two JSON values", VALID_BYTES + b" {}"),
    (
        "lone-surrogate",
        'a lone surrogate escape in a value ("\\ud800")',
        b'{"name": "\\ud800", "count": 1}',
    ),
    (
        "lone-surrogate-key",
        'a lone surrogate escape in a key ("\\udc00")',
        b'{"name": "a", "count": 1, "\\udc00": 1}',
    ),
    ("empty", "an empty body", b""),
    ("truncated", "a truncated object", b'{"name": "a", "count": 1'),
    ("single-quotes", "single-quoted strings", b"{'name': 'a', 'count': 1}"),
    (
        "control-char",
        "an unescaped control character in a string",
        b'{"name": "a\x01", "count": 1}',
    ),
    (
        "before-422",
        "400 before 422: malformed and off-schema at once",
        b'{"name": "", "count": NaN, "x": 1}',
    ),
]

_OFF_SCHEMA: list[tuple[str, str, Any]] = [
    ("count-true", "count true (a bool is not an integer)", {"name": "a", "count": True}),
    ("count-string", 'count "5"', {"name": "a", "count": "5"}),
    ("count-float", "count 5.0", {"name": "a", "count": 5.0}),
    ("count-exponent", "count 1e2 (a number with an exponent)", b'{"name": "a", "count": 1e2}'),
    ("count-negative", "count -1", {"name": "a", "count": -1}),
    ("count-1001", "count 1001", {"name": "a", "count": 1001}),
    ("count-null", "count null", {"name": "a", "count": None}),
    ("missing-name", "no name", {"count": 1}),
    ("missing-count", "no count", {"name": "a"}),
    ("extra-key", "an extra key", {"name": "a", "count": 1, "extra": 1}),
    ("name-empty", "name of 0 code points", {"name": "", "count": 1}),
    ("name-101", "name of 101 code points", {"name": "a" * 101, "count": 1}),
    ("name-not-string", "name 5", {"name": 5, "count": 1}),
    ("tags-11", "11 tags", {"name": "a", "count": 1, "tags": ["t"] * 11}),
    ("tag-31", "a tag of 31 code points", {"name": "a", "count": 1, "tags": ["t" * 31]}),
    ("tag-empty", "an empty tag", {"name": "a", "count": 1, "tags": [""]}),
    ("tag-not-string", "a tag 1", {"name": "a", "count": 1, "tags": [1]}),
    ("tags-not-list", 'tags "a"', {"name": "a", "count": 1, "tags": "a"}),
    ("tags-null", "tags null", {"name": "a", "count": 1, "tags": None}),
    ("array", "a JSON array", [{"name": "a", "count": 1}]),
    ("string", "a JSON string", "a"),
    ("number", "a JSON number", 5),
    ("null", "JSON null", None),
]


def _off_schema_body(value: Any) -> bytes:
    """Bytes are sent as they are (JSON that json.dumps would not write); the rest dumped."""
    return value if isinstance(value, bytes) else _dumps(value)


RULES: list[Rule] = [
    *(exchange(f"echo.{s}", d, post(body), 200, want) for s, d, body, want in _ACCEPTED),
    _CHARSET_OK,
    _CHUNKED_OK,
    *(exchange(f"echo.415.{s}", f"{d}: 415", request, 415) for s, d, request in _UNSUPPORTED),
    *(exchange(f"echo.413.{s}", f"{d}: 413", request, 413) for s, d, request in _TOO_LARGE),
    *(exchange(f"echo.400.{s}", f"{d}: 400", post(body), 400) for s, d, body in _MALFORMED),
    *(
        exchange(f"echo.422.{s}", f"{d}: 422", post(_off_schema_body(v)), 422)
        for s, d, v in _OFF_SCHEMA
    ),
]
