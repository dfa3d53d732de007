"""GET /users/{id}: 1-20 ASCII digits are a user; anything else is a 404."""

from __future__ import annotations

from urllib.parse import quote

from bench.contract.client import Request
from bench.contract.rule import Rule, exchange


def _user(id_: int) -> dict[str, object]:
    return {"id": id_, "name": f"user-{id_}"}


_FOUND: list[tuple[str, str, int, str]] = [
    ("users.ok", "1", 1, "/users/1: 200 {id: 1, name: user-1}"),
    ("users.zero", "0", 0, "/users/0: 200 {id: 0, name: user-0}"),
    ("users.leading-zeros", "007", 7, "/users/007: 200 {id: 7, name: user-7}"),
    (
        "users.20-digits",
        "9" * 20,
        int("9" * 20),
        "/users/<20 nines>: 200, the id a JSON integer beyond 64 bits",
    ),
]

# Each is a segment that is not 1-20 ASCII digits (percent-encoded as a client sends it).
_NOT_FOUND: list[tuple[str, str]] = [
    ("negative", "-1"),
    ("plus-sign", "+1"),
    ("alpha", "abc"),
    ("decimal", "1.5"),
    ("exponent", "1e3"),
    ("empty", ""),
    ("21-digits", "1" * 21),
    ("arabic-indic", "١٢"),
    ("fullwidth", "１２"),
    ("space", " 1"),
    ("underscore", "1_0"),
]

RULES: list[Rule] = [
    *(
        exchange(rule_id, description, Request("GET", f"/users/{segment}"), 200, _user(id_))
        for rule_id, segment, id_, description in _FOUND
    ),
    *(
        exchange(
            f"users.404.{name}",
            f"/users/{segment!r}: 404 with a JSON detail",
            Request("GET", "/users/" + quote(segment, safe="")),
            404,
        )
        for name, segment in _NOT_FOUND
    ),
    exchange(
        "users.404.trailing-slash",
        "/users/1/: 404, not a redirect",
        Request("GET", "/users/1/"),
        404,
    ),
]
