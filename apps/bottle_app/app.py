"""The contract app written the Bottle way: `app = Bottle()`, route decorators, a hook,
error handlers and a SimpleTemplate view.

Run it with `gunicorn bottle_app.app:app` (what `python -m bench serve bottle` does).
"""

from __future__ import annotations

import json
import re
import time
from operator import attrgetter
from pathlib import Path
from typing import Any, NamedTuple

from bottle import Bottle, HTTPError, abort, request, response, view

from bottle_app import database
from bottle_app.validation import validate_echo

# Bottle looks for views relative to the working directory by default; the server's is not
# this folder.
VIEWS = [str(Path(__file__).resolve().parent / "views")]

app = Bottle()


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


def user_id_filter(config: str | None) -> tuple[str, Any, Any]:
    """1-20 ASCII digits (\\d would take any Unicode digit). Bottle anchors routes with "$",
    which also matches before a final newline: the lookahead keeps /users/1%0A unknown."""
    return r"[0-9]{1,20}(?!\n)", int, str


app.router.add_filter("user_id", user_id_filter)


@app.hook("after_request")
def no_sniff() -> None:
    # Runs for error responses too: Bottle applies an HTTPError to `response` before the hook.
    response.set_header("X-Content-Type-Options", "nosniff")


@app.error(400)
@app.error(404)
@app.error(405)
@app.error(413)
@app.error(415)
@app.error(422)
@app.error(500)
@app.error(503)
def json_error(error: HTTPError) -> str:
    """JSON instead of Bottle's HTML error page; Bottle keeps the error's headers (Allow)."""
    response.content_type = "application/json"
    # An uncaught exception replaces the headers after the hook has run.
    response.set_header("X-Content-Type-Options", "nosniff")
    return json.dumps({"detail": error.body})


@app.get("/plaintext")
def plaintext() -> str:
    response.content_type = "text/plain; charset=utf-8"
    return "Hello, World!"


@app.get("/json")
def hello_json() -> dict[str, Any]:
    return {"message": "Hello, World!"}  # Bottle's JSON plugin serialises returned dicts


@app.get("/users/<user_id:user_id>")
def user(user_id: int) -> dict[str, Any]:
    return {"id": user_id, "name": f"user-{user_id}"}


@app.post("/echo")
def echo() -> dict[str, Any]:
    return validate_echo(request)


@app.get("/template")
@view("fortunes", template_lookup=VIEWS)
def template() -> dict[str, Any]:
    # Query values are undecoded bytes in Bottle; getunicode() gives None for bad UTF-8.
    name = request.query.getunicode("name") if "name" in request.query else "World"
    if name is None or not 1 <= len(name) <= 100:
        abort(422, "name must be 1-100 characters")
    fortunes = [*FORTUNES, Fortune(0, "Additional fortune added at request time.")]
    fortunes.sort(key=attrgetter("message"))
    response.content_type = "text/html; charset=utf-8"
    return {"name": name, "fortunes": fortunes}


@app.get("/cookie")
def cookie() -> dict[str, Any]:
    match = VISITS.fullmatch(request.get_cookie("visits", ""))
    seen = int(match[1]) if match else 0
    visits = (seen if seen <= 1_000_000_000 else 0) + 1
    response.set_cookie("visits", str(visits), path="/", httponly=True, samesite="lax")
    return {"visits": visits}


@app.get("/io")
def io() -> dict[str, Any]:
    raw = request.query.get("ms", "0")
    if not IO_MS.fullmatch(raw) or int(raw) > 1000:
        abort(422, "ms must be a whole number of milliseconds from 0 to 1000")
    ms = int(raw)
    time.sleep(ms / 1000)  # stands for a blocking database or upstream call
    return {"slept_ms": ms}


@app.get("/db")
def single_query() -> dict[str, Any]:
    return database.one_world()


@app.get("/queries")
def multiple_queries() -> str:
    rows = database.worlds(database.query_count(request.query.get("queries")))
    response.content_type = "application/json"
    return json.dumps(rows)  # Bottle's JSON plugin serialises dicts only, not lists


@app.get("/fortunes")
@view("db_fortunes", template_lookup=VIEWS)
def fortunes() -> dict[str, Any]:
    rows = database.fortunes()
    response.content_type = "text/html; charset=utf-8"
    return {"fortunes": rows}


@app.get("/updates")
def updates() -> str:
    rows = database.update_worlds(database.query_count(request.query.get("queries")))
    response.content_type = "application/json"
    return json.dumps(rows)
