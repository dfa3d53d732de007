"""The contract's endpoints, as one blueprint."""

from __future__ import annotations

import re
import time
from operator import attrgetter
from typing import NamedTuple

from flask import Blueprint, Response, abort, jsonify, render_template, request
from werkzeug.routing import BaseConverter

from flask_app.validation import validate_echo

bp = Blueprint("contract", __name__)


class Fortune(NamedTuple):
    id: int
    message: str


FORTUNES = (
    Fortune(1, "fortune: No such file or directory"),
    Fortune(2, "A computer scientist is someone who fixes things that aren't broken."),
    Fortune(3, "After enough decimal places, nobody gives a damn."),
    Fortune(4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"),
    Fortune(5, "A computer program does what you tell it to do, not what you want it to do."),
    Fortune(6, "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen"),
    Fortune(7, "Any program that runs right is obsolete."),
    Fortune(8, "A list is only as strong as its weakest link. — Donald Knuth"),
    Fortune(9, "Feature: A bug with seniority."),
    Fortune(10, "Computers make very fast, very accurate mistakes."),
    Fortune(11, '<script>alert("This should not be displayed in a browser alert box.");</script>'),
    Fortune(12, "フレームワークのベンチマーク"),
)

IO_MS = re.compile(r"[0-9]{1,4}")
# Leading zeros do not count towards the value: "007" is 7, and only 10 significant digits
# can stay within 1000000000 (int() of a huge digit string would also raise ValueError).
VISITS = re.compile(r"0*([0-9]{1,10})")


class UserIdConverter(BaseConverter):
    """1-20 ASCII digits; Werkzeug's int converter uses \\d, which takes any Unicode digit."""

    regex = r"[0-9]{1,20}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


@bp.get("/plaintext")
def plaintext() -> Response:
    return Response("Hello, World!", mimetype="text/plain")


@bp.get("/json")
def hello_json() -> Response:
    return jsonify(message="Hello, World!")


@bp.get("/users/<user_id:user_id>")
def user(user_id: int) -> Response:
    return jsonify(id=user_id, name=f"user-{user_id}")


@bp.post("/echo")
def echo() -> Response:
    return jsonify(validate_echo(request))


@bp.get("/template")
def template() -> str:
    name = request.args.get("name", "World")
    if not 1 <= len(name) <= 100:
        abort(422, "name must be 1-100 characters")
    fortunes = [*FORTUNES, Fortune(0, "Additional fortune added at request time.")]
    fortunes.sort(key=attrgetter("message"))
    return render_template("fortunes.html", name=name, fortunes=fortunes)


@bp.get("/cookie")
def cookie() -> Response:
    match = VISITS.fullmatch(request.cookies.get("visits", ""))
    seen = int(match[1]) if match else 0
    visits = (seen if seen <= 1_000_000_000 else 0) + 1
    response = jsonify(visits=visits)
    response.set_cookie("visits", str(visits), path="/", httponly=True, samesite="Lax")
    return response


@bp.get("/io")
def io() -> Response:
    raw = request.args.get("ms", "0")
    if not IO_MS.fullmatch(raw) or int(raw) > 1000:
        abort(422, "ms must be a whole number of milliseconds from 0 to 1000")
    ms = int(raw)
    time.sleep(ms / 1000)  # stands for a blocking database or upstream call
    return jsonify(slept_ms=ms)
