"""validate_echo: everything POST /echo checks, in the contract's order 415, 413, 400, 422."""

from __future__ import annotations

import json
import re
from typing import Any

from bottle import BaseRequest, HTTPError, abort

MAX_BODY_BYTES = 1024 * 1024
SURROGATE = re.compile("[\ud800-\udfff]")


def validate_echo(request: BaseRequest) -> dict[str, Any]:
    """The echoed document, or an abort with the contract's status."""
    media_type, *params = (part.strip() for part in request.content_type.split(";"))
    if media_type != "application/json" or any(
        param.replace('"', "") != "charset=utf-8" for param in params
    ):
        abort(415, "Content-Type must be application/json (charset=utf-8 allowed)")
    if request.content_length > MAX_BODY_BYTES:
        abort(413, "the body must be at most 1 MiB")
    body = _read_body(request)
    if len(body) > MAX_BODY_BYTES:
        abort(413, "the body must be at most 1 MiB")
    try:
        # Strict UTF-8 rejects UTF-16 and encoded surrogates; json.loads rejects a BOM itself.
        # Nesting deeper than the recursion limit and integers over 4300 digits are the
        # parser's limits (RFC 8259 section 9 allows them): also 400.
        data = json.loads(body.decode("utf-8"), parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        abort(400, "body must be strict JSON in UTF-8")
    if _has_lone_surrogate(data):
        abort(400, "body must not contain lone surrogate escapes")
    problems = _schema_problems(data)
    if problems:
        abort(422, "; ".join(problems))
    return {"name": data["name"], "count": data["count"], "tags": data.get("tags", [])}


def _read_body(request: BaseRequest) -> bytes:
    """At most one byte past the limit: a chunked body has no Content-Length to check first."""
    try:
        if request.chunked and request.environ.get("wsgi.input_terminated"):
            # gunicorn removes the chunked framing and says so with wsgi.input_terminated,
            # but keeps the Transfer-Encoding header, and Bottle would decode the chunks a
            # second time (bottlepy/bottle#700): read what the server decoded.
            return bytes(request.environ["wsgi.input"].read(MAX_BODY_BYTES + 1))
        return bytes(request.body.read(MAX_BODY_BYTES + 1))
    except HTTPError:
        raise
    except Exception:  # the server's own error for broken framing, e.g. a bad chunk size
        abort(400, "the request body could not be read")


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not JSON")  # json.loads accepts NaN and Infinity otherwise


def _has_lone_surrogate(data: object) -> bool:
    """json.loads decodes "\\ud800" to a str no UTF-8 can carry; look in keys and values."""
    pending = [data]
    while pending:  # no recursion: the document may be nested nearly to the recursion limit
        item = pending.pop()
        if isinstance(item, str):
            if SURROGATE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item)
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
    return False


def _schema_problems(data: object) -> list[str]:
    if not isinstance(data, dict):
        return ["body must be a JSON object"]
    problems = [f"unknown field {key!r}" for key in data if key not in ("name", "count", "tags")]
    name = data.get("name")
    if not (isinstance(name, str) and 1 <= len(name) <= 100):
        problems.append("name must be a string of 1-100 characters")
    count = data.get("count")
    # type() rather than isinstance(): true is a bool (an int subclass) and 5.0 a float.
    if not (type(count) is int and 0 <= count <= 1000):
        problems.append("count must be an integer from 0 to 1000")
    tags = data.get("tags", [])
    if not (
        isinstance(tags, list)
        and len(tags) <= 10
        and all(isinstance(tag, str) and 1 <= len(tag) <= 30 for tag in tags)
    ):
        problems.append("tags must be a list of at most 10 strings of 1-30 characters")
    return problems
