"""The checker's own pieces, without a server: typed JSON equality, the page model, targets."""

from __future__ import annotations

import re

import jinja2
import pytest

from bench import contract
from bench.commands.verify import parse_target
from bench.contract import template
from bench.contract.checks import same_json
from bench.errors import UsageError


@pytest.mark.parametrize(
    ("got", "want", "same"),
    [
        (5, 5, True),
        (5.0, 5, False),
        (True, 1, False),
        (1, True, False),
        ({"a": [1, "x"], "b": None}, {"b": None, "a": [1, "x"]}, True),
        ({"a": [1, 2]}, {"a": [1, 2.0]}, False),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ([1, 2], [1, 2, 3], False),
    ],
)
def test_same_json_compares_types(got: object, want: object, same: bool) -> None:
    assert same_json(got, want) is same


PAGE = jinja2.Template(
    "<!DOCTYPE html>\n<html>\n<head><title>Fortunes</title></head>\n<body>\n"
    "<h1>Hello, {{ name }}</h1>\n<table>\n<tr><th>id</th><th>message</th></tr>\n"
    "{% for id, message in fortunes %}<tr><td>{{ id }}</td><td>{{ message }}</td></tr>\n"
    "{% endfor %}</table>\n</body>\n</html>\n",
    autoescape=True,
)


def render(name: str = "World", fortunes: list[tuple[int, str]] | None = None) -> str:
    rows = template.sorted_fortunes() if fortunes is None else fortunes
    return PAGE.render(name=name, fortunes=rows)


def test_a_correct_page_matches() -> None:
    want = template.expected_events("A & <B>")
    assert template.first_difference(template.parse(render("A & <B>")), want) is None


def test_sorting_is_python_string_order() -> None:
    messages = [message for _, message in template.sorted_fortunes()]
    assert messages[0].startswith("<script>")  # "<" sorts before letters
    assert messages[-1] == "フレームワークのベンチマーク"
    assert len(messages) == 13


@pytest.mark.parametrize(
    "page",
    [
        render(fortunes=list(reversed(template.sorted_fortunes()))),
        render(fortunes=template.sorted_fortunes()[:-1]),
        render().replace("<table>", "<table><tbody>").replace("</table>", "</tbody></table>"),
        render().replace("<head>", '<head><meta charset="utf-8">'),
        render().replace("&lt;script&gt;", "<script>").replace("&lt;/script&gt;", "</script>"),
        render().replace("<h1>Hello, World</h1>", "<h1> Hello, World </h1>"),
    ],
    ids=["unsorted", "missing-row", "tbody", "meta", "unescaped", "padded"],
)
def test_a_wrong_page_differs(page: str) -> None:
    got = template.parse(page)
    assert template.first_difference(got, template.expected_events("World")) is not None


@pytest.mark.parametrize(
    ("url", "host", "port"),
    [
        ("http://127.0.0.1:8001", "127.0.0.1", 8001),
        ("http://127.3.2.1:80/", "127.3.2.1", 80),
        ("http://[::1]:9000", "::1", 9000),
        ("http://localhost:8005", "127.0.0.1", 8005),
        ("127.0.0.1:8006", "127.0.0.1", 8006),
    ],
)
def test_loopback_targets(url: str, host: str, port: int) -> None:
    assert parse_target(url) == (host, port)


@pytest.mark.parametrize(
    "url",
    ["http://10.0.0.1:80", "http://172.17.0.2:8001", "http://example.com:80", "https://127.0.0.1:1",
     "http://127.0.0.1", "http://0.0.0.0:8001"],
)  # fmt: skip
def test_other_targets_are_usage_errors(url: str) -> None:
    with pytest.raises(UsageError):
        parse_target(url)


def test_rule_ids_are_unique_and_well_formed() -> None:
    ids = [rule.id for rule in contract.RULES]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9-]+(\.[a-z0-9-]+)+", i) for i in ids)
    assert set(contract.SMOKE) <= set(ids)
    baseline = {rule.id for rule in contract.rules_for("raw-wsgi")}
    assert {"plaintext.body", "json.body", "headers.nosniff", "keepalive.persistent"} <= baseline
    assert not any(
        i.startswith(("users.", "echo.", "template.", "cookie.", "io.")) for i in baseline
    )
