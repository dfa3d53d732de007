"""GET /template, /cookie and /io: a rendered page, a cookie round trip, and a wait."""

from __future__ import annotations

import re
import time
from urllib.parse import quote

from bench.contract import checks, template
from bench.contract.client import Client, Reply, Request, Violation
from bench.contract.rule import Check, Rule, exchange
from bench.frameworks import Framework

HTML_TYPE = "text/html; charset=utf-8"
COOKIE_LIMIT = 1_000_000_000


def _page_path(name: str | None) -> str:
    return "/template" if name is None else "/template?name=" + quote(name, safe="")


def _page(client: Client, name: str | None) -> Reply:
    reply = client.get(_page_path(name))
    checks.status(reply, 200)
    value = reply.header("Content-Type") or ""
    if value.lower().replace(" ", "") != HTML_TYPE.replace(" ", ""):
        raise Violation(f"{checks.where(reply)}: Content-Type {value!r}, expected {HTML_TYPE!r}")
    return reply


def _structure(name: str | None) -> Check:
    """The whole page, event by event, greeting `name` (World when None)."""

    def check(client: Client, framework: Framework) -> None:
        reply = _page(client, name)
        got = template.parse(reply.text())
        difference = template.first_difference(got, template.expected_events(name or "World"))
        if difference:
            raise Violation(f"{checks.where(reply)}: page differs {difference}")

    return check


def _escaped(client: Client, framework: Framework) -> None:
    page = _page(client, None).text()
    if "<script>" in page or "&lt;script&gt;" not in page:
        raise Violation("GET /template: <script> of fortune 11 is not escaped as &lt;script&gt;")
    for text in re.findall(r">([^<]*)<", page):
        if '"' in text or "'" in text:
            raise Violation(f"GET /template: unescaped quote in text {text.strip()[:80]!r}")


def _utf8(client: Client, framework: Framework) -> None:
    reply = _page(client, None)
    if "フレームワークのベンチマーク".encode() not in reply.body:
        raise Violation("GET /template: フレームワークのベンチマーク is not in the body as UTF-8")


def _name_escaped(client: Client, framework: Framework) -> None:
    name = "<b>\"Tom\" & 'Jerry'</b>"
    _structure(name)(client, framework)
    if "<b>" in _page(client, name).text():
        raise Violation("GET /template?name=<b>...: the name is not HTML-escaped")


_TEMPLATE: list[Rule] = [
    Rule(
        "template.page",
        "GET /template: text/html; charset=utf-8, the exact page, 13 fortunes by message",
        _structure(None),
    ),
    Rule("template.name", "?name=Bench greets Bench", _structure("Bench")),
    Rule("template.escaping", "<script> and quotes of the fortunes HTML-escaped", _escaped),
    Rule("template.utf8", "the Japanese fortune comes through as UTF-8, intact", _utf8),
    Rule("template.name-escaped", "a name with <, >, &, quotes is escaped", _name_escaped),
    Rule(
        "template.name-100-code-points",
        "a name of 100 emoji (100 code points, 400 bytes) is accepted",
        _structure("😀" * 100),
    ),
    exchange(
        "template.422.empty",
        "?name= (0 code points): 422",
        Request("GET", _page_path("")),
        422,
    ),
    exchange(
        "template.422.101-code-points",
        "?name= of 101 code points: 422",
        Request("GET", _page_path("a" * 101)),
        422,
    ),
]


def cookie_request(value: str | None) -> Request:
    """GET /cookie sending visits=`value` (raw UTF-8 bytes go out as they are)."""
    if value is None:
        return Request("GET", "/cookie")
    # http.client writes header values as Latin-1: this makes the bytes on the wire UTF-8.
    wire = f"visits={value}".encode().decode("latin-1")
    return Request("GET", "/cookie", headers=(("Cookie", wire),))


def set_cookie(reply: Reply) -> tuple[str, dict[str, str]]:
    """The value of the one visits cookie set, and its attributes (names lower-cased)."""
    found = [v for v in reply.values("Set-Cookie") if v.strip().startswith("visits=")]
    if len(found) != 1:
        raise Violation(f"{checks.where(reply)}: {len(found)} Set-Cookie headers for visits")
    first, *rest = found[0].split(";")
    attributes = {}
    for part in rest:
        key, _, value = part.strip().partition("=")
        attributes[key.lower()] = value
    return first.strip().removeprefix("visits="), attributes


def _visits(sent: str | None, expected: int) -> Check:
    def check(client: Client, framework: Framework) -> None:
        reply = client.send(cookie_request(sent))
        checks.json_body(reply, {"visits": expected})
        value, _ = set_cookie(reply)
        if value != str(expected):
            raise Violation(f"{checks.where(reply)}: Set-Cookie visits={value}, not {expected}")

    return check


def _round_trip(client: Client, framework: Framework) -> None:
    value: str | None = None
    for expected in (1, 2, 3):
        reply = client.send(cookie_request(value))
        checks.json_body(reply, {"visits": expected})
        value, _ = set_cookie(reply)


def _attributes(client: Client, framework: Framework) -> None:
    reply = client.send(cookie_request("1"))
    checks.status(reply, 200)
    _, attributes = set_cookie(reply)
    if attributes.get("path") != "/":
        raise Violation(f"Set-Cookie: Path is {attributes.get('path')!r}, expected /")
    if "httponly" not in attributes:
        raise Violation("Set-Cookie: no HttpOnly")
    if attributes.get("samesite", "").lower() != "lax":
        raise Violation(f"Set-Cookie: SameSite is {attributes.get('samesite')!r}, expected Lax")


# rule suffix, the cookie's value, the count answered
_COUNTS: list[tuple[str, str | None, int]] = [
    ("missing", None, 1),
    ("increments", "41", 42),
    ("leading-zeros", "0041", 42),
    ("at-limit", str(COOKIE_LIMIT), COOKIE_LIMIT + 1),
    ("above-limit", str(COOKIE_LIMIT + 1), 1),
    ("huge", "9" * 30, 1),
    ("empty", "", 1),
    ("alpha", "abc", 1),
    ("negative", "-5", 1),
    ("plus-sign", "+5", 1),
    ("decimal", "1.5", 1),
    ("exponent", "1e3", 1),
    ("underscore", "1_0", 1),
    ("arabic-indic", "١٢", 1),
]

_COOKIE: list[Rule] = [
    *(
        Rule(f"cookie.{suffix}", f"visits={sent!r}: answers and sets {n}", _visits(sent, n))
        for suffix, sent, n in _COUNTS
    ),
    Rule("cookie.round-trip", "the cookie set is the cookie read: 1, 2, 3", _round_trip),
    Rule("cookie.attributes", "Set-Cookie has Path=/, HttpOnly, SameSite=Lax", _attributes),
]


def _io_path(ms: str) -> str:
    return "/io?ms=" + quote(ms, safe="")


def _slept(ms: str | None, expected: int) -> Check:
    """{"slept_ms": expected}, and not sooner than that: a lower bound, never a timing."""

    def check(client: Client, framework: Framework) -> None:
        started = time.perf_counter()
        reply = client.get("/io" if ms is None else _io_path(ms))
        elapsed_ms = (time.perf_counter() - started) * 1000
        checks.json_body(reply, {"slept_ms": expected})
        if elapsed_ms < expected:
            raise Violation(f"GET /io?ms={ms}: answered after {elapsed_ms:.1f} ms")

    return check


_IO_BAD: list[tuple[str, str]] = [
    ("empty", ""),
    ("plus-sign", "+5"),
    ("decimal", "5.0"),
    ("negative", "-1"),
    ("underscore", "1_0"),
    ("space", " 5"),
    ("alpha", "abc"),
    ("1001", "1001"),
    ("5-digits", "01000"),
    ("arabic-indic", "١"),
    ("fullwidth", "５"),
]

_IO: list[Rule] = [
    Rule("io.default", "GET /io: 200 {slept_ms: 0}", _slept(None, 0)),
    Rule("io.sleeps", "?ms=30: {slept_ms: 30}, answered no sooner", _slept("30", 30)),
    Rule("io.leading-zeros", "?ms=0007: {slept_ms: 7}", _slept("0007", 7)),
    Rule("io.max", "?ms=1000: {slept_ms: 1000}, answered no sooner", _slept("1000", 1000)),
    *(
        exchange(f"io.422.{suffix}", f"?ms={ms!r}: 422", Request("GET", _io_path(ms)), 422)
        for suffix, ms in _IO_BAD
    ),
]

RULES: list[Rule] = [*_TEMPLATE, *_COOKIE, *_IO]
