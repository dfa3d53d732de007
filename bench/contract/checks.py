"""What a reply must look like: the assertions the rules are made of.

JSON is compared as parsed JSON with exact types, recursively: `5` is not `5.0` and `true` is
not `1`, although Python's `==` says they are.
"""

from __future__ import annotations

import json
from typing import Any

from bench.contract.client import Reply, Violation

JSON = "application/json"


def same_json(got: Any, want: Any) -> bool:
    """Equal as JSON values, types included (bool is not int, int is not float)."""
    if type(got) is not type(want):
        return False
    if isinstance(want, dict):
        return got.keys() == want.keys() and all(same_json(got[k], want[k]) for k in want)
    if isinstance(want, list):
        return len(got) == len(want) and all(
            same_json(g, w) for g, w in zip(got, want, strict=True)
        )
    return bool(got == want)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def parse_json(reply: Reply) -> Any:
    """The body as strict JSON; a Violation if it is not."""
    try:
        return json.loads(reply.text(), parse_constant=_reject_constant)
    except ValueError as exc:
        raise Violation(f"{where(reply)}: body is not JSON ({exc}): {snippet(reply)}") from None


def where(reply: Reply) -> str:
    return reply.request.describe()


def snippet(reply: Reply, limit: int = 120) -> str:
    text = reply.body[:limit].decode("utf-8", "replace")
    return repr(text) + ("..." if len(reply.body) > limit else "")


def status(reply: Reply, expected: int) -> None:
    if reply.status != expected:
        raise Violation(
            f"{where(reply)}: expected {expected}, got {reply.status}: {snippet(reply, 160)}"
        )


def json_type(reply: Reply) -> None:
    """Content-Type exactly application/json: no charset or other parameter."""
    value = reply.header("Content-Type")
    if value is None or value.strip().lower() != JSON:
        raise Violation(f"{where(reply)}: Content-Type {value!r}, expected exactly {JSON!r}")


def json_body(reply: Reply, expected: Any) -> None:
    """A 200 with Content-Type application/json and exactly this JSON value."""
    status(reply, 200)
    json_type(reply)
    got = parse_json(reply)
    if not same_json(got, expected):
        raise Violation(
            f"{where(reply)}: body {json.dumps(got)[:160]}, expected {json.dumps(expected)}"
        )


def error_body(reply: Reply) -> None:
    """A 4xx body: a JSON object with a `detail` that is a string or a list."""
    json_type(reply)
    got = parse_json(reply)
    if not isinstance(got, dict) or not isinstance(got.get("detail"), str | list):
        raise Violation(f'{where(reply)}: 4xx body is not {{"detail": ...}}: {snippet(reply)}')


def error(reply: Reply, expected: int) -> None:
    """The contract's status for bad input, with its JSON error body."""
    status(reply, expected)
    error_body(reply)
