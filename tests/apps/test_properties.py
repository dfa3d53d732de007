"""Random input against every app under its real server: never a 5xx, always the contract's status.

Each property has its own oracle, written from CONTRACT.md alone, that says what status (and
for a 200, what JSON) an input must get. Hypothesis runs a fixed number of examples per app and
property with no deadline: the server's speed is not what is tested here.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import frameworks
from bench.contract import checks, template
from bench.contract.client import Client, Reply, Request
from bench.contract.rules_pages import cookie_request, set_cookie
from tests.apps.servers import OneAtATime

MIB = 1024 * 1024
# 40 random inputs per property and app over real HTTP: the suite also checks every app on
# every server and the database endpoints now, and `make test` must stay under 20 minutes.
EXAMPLES = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
FULL = frameworks.FULL_FRAMEWORKS
DIGITS = re.compile(r"[0-9]+")


def client_for(apps: OneAtATime, name: str) -> Client:
    app = apps.get(name)
    if app.port is None:
        pytest.fail(app.problem)
    return Client(app.port)


def answered(reply: Reply, expected: int) -> None:
    """No 5xx; the expected status; a 4xx carries the contract's JSON error body."""
    assert reply.status < 500, f"{reply.request.describe()}: {reply.status} {reply.body[:200]!r}"
    assert reply.status == expected, (
        f"{reply.request.describe()}: {reply.status}, expected {expected}: {reply.body[:200]!r}"
    )
    if expected >= 400:
        checks.error_body(reply)


# ---- /echo ------------------------------------------------------------------------------------

JSON_TYPES = ("application/json", "application/json; charset=utf-8")
OTHER_TYPES = (None, "text/plain", "application/vnd.api+json", "application/x-www-form-urlencoded")


def _no_constants(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _has_surrogate(value: Any) -> bool:
    if isinstance(value, str):
        return any(0xD800 <= ord(c) <= 0xDFFF for c in value)
    if isinstance(value, list):
        return any(_has_surrogate(v) for v in value)
    if isinstance(value, dict):
        return any(_has_surrogate(k) or _has_surrogate(v) for k, v in value.items())
    return False


def _text(value: Any, low: int, high: int) -> bool:
    return isinstance(value, str) and low <= len(value) <= high  # len: code points


def echo_oracle(body: bytes, content_type: str | None) -> tuple[int, Any]:
    """The contract's answer to POST /echo: (status, the JSON of a 200 or None)."""
    if content_type not in JSON_TYPES:
        return 415, None
    if len(body) > MIB:
        return 413, None
    try:
        text = body.decode("utf-8")  # strict: encoded surrogates are not UTF-8 either
        if text.startswith("\ufeff"):
            return 400, None
        value = json.loads(text, parse_constant=_no_constants)
    except ValueError:
        return 400, None
    if _has_surrogate(value):
        return 400, None
    if not isinstance(value, dict) or not {"name", "count"} <= value.keys() <= {
        "name",
        "count",
        "tags",
    }:
        return 422, None
    count, tags = value["count"], value.get("tags", [])
    valid = (
        _text(value["name"], 1, 100)
        and type(count) is int
        and 0 <= count <= 1000
        and isinstance(tags, list)
        and len(tags) <= 10
        and all(_text(tag, 1, 30) for tag in tags)
    )
    if not valid:
        return 422, None
    return 200, {"name": value["name"], "count": count, "tags": tags}


# Strings mostly of any characters, sometimes with a lone surrogate in them.
strings = st.text(
    alphabet=st.one_of(st.characters(), st.sampled_from(["\ud800", "\udfff", "\ud83d"])),
    max_size=12,
)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    strings,
)
json_values = st.recursive(
    leaves,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(strings, inner, max_size=4),
    max_leaves=12,
)
# Near the schema, so that a good share of objects is valid and the rest misses by a little.
names = st.one_of(st.text(min_size=1, max_size=12), strings, st.text(min_size=95, max_size=105))
counts = st.one_of(
    st.integers(0, 1000),
    st.integers(-3, 1003),
    st.sampled_from([True, False, 5.0, "5", None, 0, 1000]),
    leaves,
)
tags = st.one_of(
    st.lists(
        st.one_of(st.text(max_size=3), st.text(min_size=29, max_size=32), leaves), max_size=12
    ),
    leaves,
)
valid_objects = st.fixed_dictionaries(
    {"name": st.text(min_size=1, max_size=100), "count": st.integers(0, 1000)},
    optional={"tags": st.lists(st.text(min_size=1, max_size=30), max_size=10)},
)
echo_objects = st.one_of(
    valid_objects,
    st.fixed_dictionaries(
        {"name": names, "count": counts}, optional={"tags": tags, "extra": leaves}
    ),
)
content_types = st.sampled_from([*JSON_TYPES, *JSON_TYPES, *OTHER_TYPES])


def _serialise(value: Any, ascii_only: bool) -> bytes:
    # surrogatepass: a lone surrogate written raw becomes its (invalid) UTF-8 encoding.
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


def _post_echo(client: Client, body: bytes, content_type: str | None) -> None:
    headers = () if content_type is None else (("Content-Type", content_type),)
    reply = client.send(Request("POST", "/echo", body, headers))
    status, expected = echo_oracle(body, content_type)
    answered(reply, status)
    if status == 200:
        got = checks.parse_json(reply)
        assert checks.same_json(got, expected), f"{body[:200]!r}: {got!r} != {expected!r}"


@pytest.mark.parametrize("name", FULL)
def test_echo_random_json(apps: OneAtATime, name: str) -> None:
    with client_for(apps, name) as client:

        @EXAMPLES
        @given(
            value=st.one_of(echo_objects, json_values),
            ascii_only=st.booleans(),
            content_type=content_types,
        )
        def prop(value: Any, ascii_only: bool, content_type: str | None) -> None:
            _post_echo(client, _serialise(value, ascii_only), content_type)

        prop()


@pytest.mark.parametrize("name", FULL)
def test_echo_random_bytes(apps: OneAtATime, name: str) -> None:
    with client_for(apps, name) as client:

        @EXAMPLES
        @given(
            body=st.one_of(
                st.binary(max_size=64),
                # valid JSON with random bytes spliced in: mostly malformed, sometimes not
                st.tuples(echo_objects, st.binary(max_size=4), st.integers(0, 40)).map(
                    lambda t: (b := _serialise(t[0], True))[: t[2]] + t[1] + b[t[2] :]
                ),
            ),
            content_type=content_types,
        )
        def prop(body: bytes, content_type: str | None) -> None:
            _post_echo(client, body, content_type)

        prop()


# ---- /users/{id}, /cookie, /io, /template -----------------------------------------------------


@pytest.mark.parametrize("name", FULL)
def test_users_random_segments(apps: OneAtATime, name: str) -> None:
    with client_for(apps, name) as client:

        @EXAMPLES
        @given(segment=st.one_of(st.from_regex(r"[0-9]{1,22}", fullmatch=True), st.text()))
        def prop(segment: str) -> None:
            reply = client.get("/users/" + quote(segment, safe=""))
            found = re.fullmatch(r"[0-9]{1,20}", segment) is not None  # ASCII digits only
            answered(reply, 200 if found else 404)
            if found:
                user = {"id": int(segment), "name": f"user-{int(segment)}"}
                assert checks.same_json(checks.parse_json(reply), user)

        prop()


# RFC 6265 cookie-octets: what a browser can send unquoted
COOKIE_OCTETS = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in ' ",;\\')


@pytest.mark.parametrize("name", FULL)
def test_cookie_random_values(apps: OneAtATime, name: str) -> None:
    with client_for(apps, name) as client:

        @EXAMPLES
        @given(
            value=st.one_of(
                st.from_regex(r"0*[0-9]{1,11}", fullmatch=True),
                st.text(alphabet=COOKIE_OCTETS, max_size=12),
            )
        )
        def prop(value: str) -> None:
            reply = client.send(cookie_request(value))
            n = int(value) if DIGITS.fullmatch(value) and int(value) <= 10**9 else 0
            answered(reply, 200)
            assert checks.same_json(checks.parse_json(reply), {"visits": n + 1}), value
            assert set_cookie(reply)[0] == str(n + 1)

        prop()


def _io_valid(ms: str) -> bool:
    return re.fullmatch(r"[0-9]{1,4}", ms) is not None and int(ms) <= 1000


@pytest.mark.parametrize("name", FULL)
def test_io_random_ms(apps: OneAtATime, name: str) -> None:
    with client_for(apps, name) as client:

        @EXAMPLES
        @given(
            ms=st.one_of(
                st.from_regex(r"0{0,4}[0-9]", fullmatch=True),  # valid and 5-digit, short waits
                # anything else, except valid values that would make the test sleep long
                st.text(max_size=6).filter(lambda s: not _io_valid(s) or int(s) <= 20),
            )
        )
        def prop(ms: str) -> None:
            reply = client.get("/io?ms=" + quote(ms, safe=""))
            answered(reply, 200 if _io_valid(ms) else 422)
            if _io_valid(ms):
                assert checks.same_json(checks.parse_json(reply), {"slept_ms": int(ms)})

        prop()


@pytest.mark.parametrize("name", FULL)
def test_template_random_names(apps: OneAtATime, name: str) -> None:
    with client_for(apps, name) as client:

        @EXAMPLES
        @given(greeted=st.one_of(st.text(max_size=12), st.text(min_size=95, max_size=105)))
        def prop(greeted: str) -> None:
            reply = client.get("/template?name=" + quote(greeted, safe=""))
            ok = 1 <= len(greeted) <= 100
            answered(reply, 200 if ok else 422)
            if ok:
                events = template.parse(reply.text())
                h1 = events.index(("start", "h1"))
                assert events[h1 + 1] == ("text", f"Hello, {greeted}"), events[h1 : h1 + 3]
                assert "<script>" not in reply.text()

        prop()


@pytest.mark.parametrize("name", frameworks.NAMES)
def test_random_paths_are_404(apps: OneAtATime, name: str) -> None:
    known = {"plaintext", "json", "users", "echo", "template", "cookie", "io"}
    with client_for(apps, name) as client:

        @EXAMPLES
        @given(segment=st.text(min_size=1).filter(lambda s: s not in known))
        def prop(segment: str) -> None:
            answered(client.get("/" + quote(segment, safe="")), 404)

        prop()
