"""The contract's pages as exposed methods of one CherryPy controller."""

import contextlib
import re
import time
from typing import Any, NoReturn

import cherrypy
import jinja2
from cheroot.errors import MaxSizeExceeded

from . import database
from .validation import (
    MAX_BODY_BYTES,
    InvalidEcho,
    is_json_media_type,
    parse_strict_json,
    validate_echo,
)

templates = jinja2.Environment(
    loader=jinja2.PackageLoader("cherrypy_app"),
    autoescape=jinja2.select_autoescape(),
    # Production: the files do not change while serving, so no stat() per render.
    auto_reload=False,
)

# The TechEmpower "fortunes" rows, as a database would return them.
FORTUNES = (
    (1, "fortune: No such file or directory"),
    (2, "A computer scientist is someone who fixes things that aren't broken."),
    (3, "After enough decimal places, nobody gives a damn."),
    (4, "A bad random number generator: 1, 1, 1, 1, 1, 4.33e+67, 1, 1, 1"),
    (5, "A computer program does what you tell it to do, not what you want it to do."),
    (6, "Emacs is a nice operating system, but I prefer UNIX. — Tom Christaensen"),
    (7, "Any program that runs right is obsolete."),
    (8, "A list is only as strong as its weakest link. — Donald Knuth"),
    (9, "Feature: A bug with seniority."),
    (10, "Computers make very fast, very accurate mistakes."),
    (11, '<script>alert("This should not be displayed in a browser alert box.");</script>'),
    (12, "フレームワークのベンチマーク"),
)

# [0-9], not \d: \d would also match Arabic-Indic and fullwidth digits.
USER_ID = re.compile("[0-9]{1,20}")
# Leading zeros are digits too: "0007" is 7, however many zeros come first.
VISITS = re.compile("0*([0-9]{1,10})")
MAX_VISITS = 1_000_000_000
MILLISECONDS = re.compile("[0-9]{1,4}")


def too_large() -> NoReturn:
    # cheroot closes the connection after every 413. Closing with unread request bytes makes
    # the kernel reset the connection, and a client still sending gets the reset instead of
    # the answer; so read the rest first (cheroot's own limits bound it: 100 MB, 10 s).
    with contextlib.suppress(OSError, MaxSizeExceeded):
        while cherrypy.request.rfile.read(64 * 1024):
            pass
    raise cherrypy.HTTPError(413, "request body is larger than 1 MiB")


class Root:
    @cherrypy.expose
    @cherrypy.tools.allow(methods=["GET"])
    def plaintext(self) -> str:
        cherrypy.response.headers["Content-Type"] = "text/plain"
        return "Hello, World!"

    @cherrypy.expose
    @cherrypy.tools.allow(methods=["GET"])
    @cherrypy.tools.json_out()
    def json(self) -> dict[str, Any]:
        return {"message": "Hello, World!"}

    @cherrypy.expose
    @cherrypy.tools.allow(methods=["GET"])
    @cherrypy.tools.json_out()
    def users(self, user_id: str) -> dict[str, Any]:
        if not USER_ID.fullmatch(user_id):
            raise cherrypy.NotFound()
        return {"id": int(user_id), "name": f"user-{int(user_id)}"}

    @cherrypy.expose
    @cherrypy.tools.allow(methods=["POST"])
    @cherrypy.tools.json_out()
    # The body is read here, raw: CherryPy's own processing would turn a form body into
    # keyword arguments and answer 411/413 before the media type is checked.
    @cherrypy.config(**{"request.process_request_body": False})
    def echo(self) -> dict[str, Any]:
        request = cherrypy.request
        if not is_json_media_type(request.headers.get("Content-Type", "")):
            raise cherrypy.HTTPError(415, "Content-Type must be application/json")
        if (request.body.length or 0) > MAX_BODY_BYTES:
            too_large()
        # One byte past the limit tells a too-long chunked body from one that fits.
        body = request.rfile.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            too_large()
        try:
            data = parse_strict_json(body)
        except ValueError as exc:
            raise cherrypy.HTTPError(400, f"malformed JSON: {exc}") from None
        try:
            return validate_echo(data)
        except InvalidEcho as exc:
            raise cherrypy.HTTPError(422, str(exc)) from None

    @cherrypy.expose
    @cherrypy.tools.allow(methods=["GET"])
    def template(self, name: str | list[str] = "World") -> str:
        # A repeated parameter arrives as a list.
        if not isinstance(name, str) or not 1 <= len(name) <= 100:
            raise cherrypy.HTTPError(422, "name must be 1 to 100 characters")
        fortunes = sorted(
            [*FORTUNES, (0, "Additional fortune added at request time.")],
            key=lambda fortune: fortune[1],
        )
        cherrypy.response.headers["Content-Type"] = "text/html; charset=utf-8"
        return templates.get_template("fortunes.html").render(name=name, fortunes=fortunes)

    @cherrypy.expose
    @cherrypy.tools.allow(methods=["GET"])
    @cherrypy.tools.json_out()
    def cookie(self) -> dict[str, Any]:
        morsel = cherrypy.request.cookie.get("visits")
        match = VISITS.fullmatch(morsel.value) if morsel else None
        visits = int(match[1]) if match else 0
        if visits > MAX_VISITS:
            visits = 0
        cookie = cherrypy.response.cookie
        cookie["visits"] = str(visits + 1)
        cookie["visits"]["path"] = "/"
        cookie["visits"]["httponly"] = True
        cookie["visits"]["samesite"] = "Lax"
        return {"visits": visits + 1}

    @cherrypy.expose
    @cherrypy.tools.allow(methods=["GET"])
    @cherrypy.tools.json_out()
    def io(self, ms: str | list[str] = "0") -> dict[str, Any]:
        if not isinstance(ms, str) or not MILLISECONDS.fullmatch(ms) or int(ms) > 1000:
            raise cherrypy.HTTPError(422, "ms must be an integer from 0 to 1000")
        # A blocking wait, as a handler on cheroot's thread pool waits on its database.
        time.sleep(int(ms) / 1000)
        return {"slept_ms": int(ms)}

    @cherrypy.expose
    @cherrypy.tools.allow(methods=["GET"])
    @cherrypy.tools.json_out()
    def db(self) -> dict[str, Any]:
        return database.one_world()

    @cherrypy.expose
    @cherrypy.tools.allow(methods=["GET"])
    @cherrypy.tools.json_out()
    def queries(self, queries: str | list[str] | None = None) -> list[dict[str, int]]:
        return database.worlds(database.query_count(queries))

    @cherrypy.expose
    @cherrypy.tools.allow(methods=["GET"])
    def fortunes(self) -> str:
        rows = database.fortunes()
        cherrypy.response.headers["Content-Type"] = "text/html; charset=utf-8"
        return templates.get_template("db_fortunes.html").render(fortunes=rows)

    @cherrypy.expose
    @cherrypy.tools.allow(methods=["GET"])
    @cherrypy.tools.json_out()
    def updates(self, queries: str | list[str] | None = None) -> list[dict[str, int]]:
        return database.update_worlds(database.query_count(queries))
